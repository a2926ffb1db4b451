"""The demo administrator signs in, enters a department with a wrong credit code, sees the
error, corrects it and finds the department listed."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, organ_uscc

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/", wait_until="domcontentloaded")


def test_create_department_after_fixing_credit_code(page, live_server: str, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "admin")
    page.click("nav >> text=部门管理")
    good = organ_uscc("330000", 4242)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.fill("#name", "浙江省统计局")
    page.fill("#uscc", bad)
    page.select_option("#division_code", "330000")
    page.click("#department-form button[type=submit]")
    error = page.locator("#err-uscc")
    error.wait_for()
    assert f"校验码应为 {good[-1]}" in error.inner_text()
    assert page.input_value("#name") == "浙江省统计局"  # what was typed is kept
    page.fill("#uscc", good)
    page.click("#department-form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/departments?saved=*", wait_until="domcontentloaded")
    row = page.locator("tr", has_text="浙江省统计局")
    assert good in row.inner_text()


def test_language_switch_and_denied_page(page, live_server: str, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "hr.user")
    assert page.locator("nav >> text=部门管理").count() == 1  # the directory is readable by all
    assert page.locator("nav >> text=用户管理").count() == 0
    page.goto(f"{live_server}/admin/users")
    assert "无权访问" in page.content()
    page.goto(f"{live_server}/?lang=en")
    assert page.locator("nav >> text=Departments").count() == 1
