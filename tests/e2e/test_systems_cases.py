"""The authority confirms a flagged zombie in the review queue, sets its retirement plan and
reports it switched off; the system page then shows it retired with its past."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govshare.core.clock import today
from tests.e2e.test_admin_departments import sign_in
from tests.factories import login
from tests.systems.helpers import catalog_resources, plant_zombies

pytestmark = pytest.mark.e2e


def test_authority_confirms_zombie_and_retires_it(page, live_server: str, world, client, db) -> None:  # type: ignore[no-untyped-def]
    held = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    admin = login(client, "admin")
    systems = plant_zombies(client, admin, world.hr.id, held)
    client.post("/api/v1/systems/audit", headers=admin)
    case = next(
        c
        for c in client.get("/api/v1/systems/cases").json()
        if c["system_id"] == systems["idle"]["id"]
    )

    sign_in(page, live_server, "admin")
    page.click("nav >> text=核查审核")
    card = page.locator(f"#case-{case['id']}")
    assert "资源闲置" in card.inner_text()
    card.locator("input[name=reason]").fill("CPU 与流量长期闲置")
    card.locator("input[name=deadline]").fill((today() + timedelta(days=60)).isoformat())
    with page.expect_navigation():  # the form posts and redirects back to the queue
        card.locator("button[value=confirm]").click()
    card = page.locator(f"#case-{case['id']}")
    assert "已认定" in card.locator(".case-status").inner_text()

    card.locator("input[name=switch_off_date]").fill((today() + timedelta(days=30)).isoformat())
    card.locator("input[name=data_destination]").fill("并入价格监测一体化平台")
    card.locator("input[name=archive]").fill("省电子档案中心")
    with page.expect_navigation():
        card.locator("button[type=submit]").first.click()
    card = page.locator(f"#case-{case['id']}")
    assert "下线中" in card.locator(".case-status").inner_text()
    assert "并入价格监测一体化平台" in card.inner_text()

    with page.expect_navigation():
        card.locator("button", has_text="确认已下线").click()
    assert "已下线" in page.locator(f"#case-{case['id']} .case-status").inner_text()
    page.click(f"#case-{case['id']} h2 a")
    assert "已下线" in page.locator("h1").inner_text()
    assert "retired" in page.content()  # the history row: state in_use → retiring → retired
