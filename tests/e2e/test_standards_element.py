"""The authority adds a data element on the standards page, fixes the pattern the form
refuses, then changes it: the same version is refused, a new version supersedes the old."""

from __future__ import annotations

import pytest

from tests.e2e.test_admin_departments import sign_in

pytestmark = pytest.mark.e2e


def test_add_an_element_then_give_it_a_new_version(page, live_server: str, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/standards")
    page.click("#add-element")
    page.fill("#identifier", "DE9001")
    page.fill("#name_zh", "机动车号牌号码")
    page.select_option("#domain_kind", "pattern")
    page.fill("#domain", "^[A-Z0-9")
    page.fill("#source_standard", "GA 36-2018")
    page.click("#element-save")
    error = page.locator("#element-error")
    error.wait_for()
    assert "模式不是有效的正则表达式" in error.inner_text()
    assert page.get_attribute("#domain", "aria-invalid") == "true"
    assert page.input_value("#name_zh") == "机动车号牌号码"  # what was typed is kept
    page.fill("#domain", "^[A-Z0-9]{5,6}$")
    page.click("#element-save")
    page.wait_for_url(f"{live_server}/standards/elements/DE9001?*", wait_until="domcontentloaded")
    assert "数据元已新增" in page.inner_text("main")
    page.click("#edit-element")
    page.fill("#name_en", "Vehicle plate")
    page.click("#element-save")
    page.locator("#element-error").wait_for()
    assert "请为修改指定新版本号" in page.inner_text("#element-error")
    page.fill("#version", "1.1")
    page.click("#element-save")
    page.wait_for_url(f"{live_server}/standards/elements/DE9001?version=1.1*", wait_until="domcontentloaded")
    text = page.inner_text("main")
    assert "已保存为新版本" in text and "Vehicle plate" in text and "1.0 · 已被替代" in text
