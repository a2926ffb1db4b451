"""A member of the public finds, previews and downloads open data in a real browser: by mouse,
and the same flow by keyboard alone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.opendata.conftest import open_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_search_facet_preview_download_by_mouse(page, live_server: str, open_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto(f"{live_server}/open")
    page.fill("#q", "空气质量")
    page.click("form[role=search] button[type=submit]")
    page.locator("#total").wait_for()
    page.click(".facet >> text=浙江省公安厅")
    assert page.locator("#total").inner_text() == "1"
    page.click(".results >> text=杭州市空气质量日报")
    preview = page.locator("#preview")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 100
    assert "西湖区云栖" in preview.inner_text()
    with page.expect_download() as info:
        page.click("#download-csv-bom")
    saved = tmp_path / "air.csv"
    info.value.save_as(saved)
    rows = _rows(saved)
    assert saved.read_bytes().startswith("\ufeff".encode())
    assert len(rows) == 150 and rows[0]["监测站点"] == "西湖区云栖" and float(rows[0]["空气质量指数"]) == 30


def _tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Presses Tab until the element matching `selector` has the focus."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable by keyboard")


def test_the_same_flow_by_keyboard_alone(page, live_server: str, open_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto(f"{live_server}/open")
    _tab_to(page, "#q")
    page.keyboard.type("空气质量")
    page.keyboard.press("Enter")
    page.locator("#total").wait_for()
    _tab_to(page, ".facet a:has-text('浙江省公安厅')")
    page.keyboard.press("Enter")
    page.wait_for_url("**department=**")
    _tab_to(page, ".results a:has-text('杭州市空气质量日报')")
    page.keyboard.press("Enter")
    page.locator("#preview").wait_for()
    _tab_to(page, "#download-csv")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    saved = tmp_path / "air.csv"
    info.value.save_as(saved)
    assert len(_rows(saved)) == 150
