"""A data officer compiles an entry in the editor, sees the cross-check, fixes it and submits;
the administrator publishes it; a consumer of another department finds it by 社保."""

from __future__ import annotations

import pytest

from tests.e2e.test_admin_departments import sign_in

pytestmark = pytest.mark.e2e


def test_compile_submit_publish_and_find(page, live_server: str, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "hr.officer")
    page.click("nav >> text=本部门目录")
    page.click("text=新建目录条目")
    page.fill("#name", "社会保险参保登记信息")
    page.fill("#summary", "参保单位和个人的参保登记、缴费基数。")
    page.select_option("#format", "database")
    page.select_option("#update_cycle", "daily")
    page.select_option("#share_type", "conditional")
    page.fill("#item_name_0", "公民身份号码")
    page.fill("input[name=item_length_0]", "18")
    page.fill("input[name=item_element_0]", "DE0101")
    page.fill("#item_name_1", "参保险种")
    page.click("#save-entry")
    page.wait_for_url(f"{live_server}/catalog/resources/*")
    assert "有条件共享的资源必须填写共享条件" in page.content()  # the cross-check, shown at once
    page.click("text=编辑")
    page.fill("#share_conditions", "仅用于社会保障业务办理")
    page.click("#save-entry")
    page.wait_for_url(f"{live_server}/catalog/resources/*")
    page.click("#submit-entry")
    page.wait_for_url(f"{live_server}/catalog/resources/*?done=submit")
    assert "已提交审核" in page.locator("[role=status]").inner_text()
    code = page.locator("p.muted .mono").first.inner_text()

    sign_in(page, live_server, "admin")
    page.click("nav >> text=目录审核")
    page.click("text=社会保险参保登记信息")
    page.fill("#publish-note", "同意发布")
    page.click("#publish-entry")
    page.wait_for_url(f"{live_server}/catalog/resources/*?done=publish")
    assert "已发布版本" in page.content()

    sign_in(page, live_server, "police.user")
    page.click("nav >> text=资源目录")
    page.fill("#q", "社保")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/catalog?q=*")
    hit = page.locator("article.hit", has_text="参保登记信息")
    assert hit.count() == 1
    assert hit.locator("mark").first.inner_text() == "社会保险"
    assert code in hit.inner_text()
    page.click("aside >> text=有条件共享")  # a facet narrows the results
    assert page.locator("article.hit").count() == 1
