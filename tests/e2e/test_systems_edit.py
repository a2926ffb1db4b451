"""A department's data officer corrects a system's audit fields on its page — first with a
resource code the catalog does not know, which is refused in Chinese — links the catalog
resource it holds, and puts it on the integration list to merge into the department's big
system."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govshare.core.clock import today
from tests.e2e.test_admin_departments import sign_in
from tests.factories import login
from tests.systems.helpers import catalog_resources, system_payload

pytestmark = pytest.mark.e2e


def test_officer_edits_a_system_and_adds_an_integration_row(page, live_server: str, world, client, db) -> None:  # type: ignore[no-untyped-def]
    (code,) = catalog_resources(db, world.hr.id, "社会保险参保登记信息")
    officer = login(client, "hr.officer")
    ids = {}
    for name in ("人社一体化平台", "劳动仲裁案件系统"):
        created = client.post("/api/v1/systems", json=system_payload(world.hr.id, name), headers=officer)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]

    sign_in(page, live_server, "hr.officer")
    page.goto(f"{live_server}/systems/{ids['劳动仲裁案件系统']}")
    with page.expect_navigation():
        page.click("#edit-system")
    page.fill("#e-om-unit", "省大数据中心运维部")
    page.fill("#e-mlps", "3")
    page.fill("#e-resources", "R404")
    page.fill("#e-reason", "年度普查更正")
    with page.expect_navigation():
        page.click("#system-edit-form button[type=submit]")
    assert "R404" in page.locator("#edit-error").inner_text()  # refused, what was typed kept
    assert page.input_value("#e-om-unit") == "省大数据中心运维部"

    page.fill("#e-resources", code)
    with page.expect_navigation():
        page.click("#system-edit-form button[type=submit]")
    held = page.locator("#held-resources")
    assert "社会保险参保登记信息" in held.inner_text()
    assert held.locator("a").get_attribute("href", timeout=5_000).startswith("/catalog/resources/")
    assert "省大数据中心运维部" in page.content() and "年度普查更正" in page.content()  # history kept

    form = page.locator("#integration-form")
    form.locator("select[name=action]").select_option("merge")
    form.locator("select[name=target_system_id]").select_option(str(ids["人社一体化平台"]))
    form.locator("input[name=deadline]").fill((today() + timedelta(days=90)).isoformat())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "人社一体化平台" in page.locator("#plans").inner_text()
    assert "整合中" in page.locator("h1").inner_text()  # merging puts the system in "integrating"
    page.click("nav >> text=整合与迁移")
    assert "劳动仲裁案件系统" in page.locator("table").first.inner_text()
