"""In a real browser: 公安厅 asks for 人社厅's conditional resource, 人社厅 approves a narrower
grant (fewer items, with a note), and 公安厅 sees the grant with only those items."""

from __future__ import annotations

import pytest

from tests.e2e.test_admin_departments import sign_in
from tests.exchange.conftest import loaded, people  # noqa: F401,F811  (fixtures)

pytestmark = pytest.mark.e2e


def test_consumer_requests_provider_narrows_consumer_sees_grant(page, live_server: str, world,  # type: ignore[no-untyped-def]
                                                                loaded) -> None:  # noqa: F811
    sign_in(page, live_server, "police.officer")
    page.goto(f"{live_server}/exchange/resources/{loaded.id}")
    assert "curl" in page.locator("pre").first.inner_text()
    page.fill("#purpose", "户籍迁移时核验参保状态")
    page.fill("#scenario", "户籍窗口受理")
    page.click("#submit-request")
    page.wait_for_url(f"{live_server}/exchange/requests/*", wait_until="domcontentloaded")
    assert page.locator("#request-status").inner_text() == "待答复"
    request_url = page.url
    page.click("form.inline >> text=退出")

    sign_in(page, live_server, "hr.officer")
    page.goto(f"{live_server}/exchange/review")
    row = page.locator("tr", has_text="社会保险参保人员信息")
    assert "剩余" in row.inner_text() and "个工作日" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(request_url, wait_until="domcontentloaded")
    for item in ("缴费基数", "参保日期", "所属区划"):
        page.uncheck(f"#approve-form input[name=items][value={item}]")
    page.fill("#note", "缴费信息涉及个人收入，不予提供")
    page.click("#approve")
    page.wait_for_url(request_url, wait_until="domcontentloaded")
    assert page.locator("#request-status").inner_text() == "部分同意"
    page.click("form.inline >> text=退出")

    sign_in(page, live_server, "police.officer")
    page.goto(f"{live_server}/exchange/grants")
    grant = page.locator("tr[id^=grant-]").first
    text = grant.inner_text()
    assert "公民身份号码" in text and "参保状态" in text and "缴费基数" not in text and "有效" in text
