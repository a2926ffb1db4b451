"""The authority adds a code table on the standards page, is told which code lacks its name,
then gives the table a new version that renames one code, adds one and retires one."""

from __future__ import annotations

import pytest

from tests.e2e.test_admin_departments import sign_in

pytestmark = pytest.mark.e2e


def test_add_a_code_table_then_retire_and_add_codes(page, live_server: str, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/standards")
    page.click("#add-table")
    page.fill("#identifier", "GA/T 16.7")
    page.fill("#version", "1")
    page.fill("#name_zh", "机动车号牌种类代码")
    for i, (code, name) in enumerate([("01", "大型汽车号牌"), ("02", "小型汽车号牌"), ("03", "")]):
        page.fill(f"#code-{i}", code)
        page.fill(f"#name_zh-{i}", name)
    page.click("#table-save")
    page.locator("#table-error").wait_for()
    assert "每个代码都须有中文名称" in page.inner_text("#table-error")
    assert page.input_value("#code-2") == "03"  # what was typed is kept
    page.fill("#name_zh-2", "使馆汽车号牌")
    page.click("#table-save")
    page.wait_for_url(f"{live_server}/standards/tables/GA/T%2016.7?*", wait_until="domcontentloaded")
    assert "代码表已新增" in page.inner_text("main")
    page.click("#edit-table")
    assert page.get_attribute("#code-0", "readonly") is not None  # an existing code is not rewritten
    page.fill("#version", "2")
    page.fill("#name_en-0", "Large motor vehicle")
    page.check("#retire-2")
    page.fill("#code-3", "52")
    page.fill("#name_zh-3", "新能源小型汽车号牌")
    page.click("#table-save")
    page.wait_for_url(f"{live_server}/standards/tables/GA/T%2016.7?version=2*", wait_until="domcontentloaded")
    text = page.inner_text("main")
    assert "已保存为新版本" in text and "Large motor vehicle" in text and "新能源小型汽车号牌" in text
    assert "使馆汽车号牌" in page.inner_text("#retired") and "1 · 已被替代" in text
