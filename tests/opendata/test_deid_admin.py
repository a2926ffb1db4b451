"""The authority's de-identification page: per-item methods, a preview of what the public will
see, every direct identifier covered before the resource becomes visible, CSRF, audit."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from tests.exchange.conftest import ITEMS, load_rows, person, write_csv
from tests.factories import login
from tests.opendata.conftest import _publish, open_entry

HTML = {"accept": "text/html"}
NAMES = [i["name"] for i in ITEMS]  # 公民身份号码 姓名 参保状态 参保日期 缴费基数 所属区划


def _withheld(client: TestClient, db, tmp_path: Path) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    persons = [person(100 + i) for i in range(30)]
    found = _publish(client, open_entry("失业保险金领取人员开放样本", ITEMS))
    load_rows(db, found["id"], write_csv(tmp_path / "withheld.csv", persons))
    return found, persons


def _form(code: str, token: str, methods: dict[str, str], step: str, keep: dict[str, str] | None = None) -> dict:
    """The page's form: one method and one keep field per item, in the items' order."""
    return {
        "csrf_token": token,
        "code": code,
        "step": step,
        "method": [methods.get(name, "") for name in NAMES],
        "keep": [(keep or {}).get(name, "") for name in NAMES],
    }


def test_withheld_until_every_direct_identifier_is_covered(client: TestClient, open_world, db, tmp_path) -> None:
    found, persons = _withheld(client, db, tmp_path)
    client.cookies.clear()
    assert client.get(f"/open/datasets/{found['slug']}", headers=HTML).status_code == 404
    headers = login(client, "admin")
    page = client.get("/open-admin/deid", headers=HTML)
    assert page.status_code == 200 and found["code"] in page.text  # listed as withheld
    page = client.get("/open-admin/deid", params={"code": found["code"]}, headers=HTML)
    assert page.status_code == 200 and "公民身份号码" in page.text and "姓名" in page.text
    token = headers["x-csrf-token"]

    only_id = {"公民身份号码": "pseudonymise"}
    refused = client.post("/open-admin/deid", data=_form(found["code"], token, only_id, "save"), headers=HTML)
    assert refused.status_code == 422 and "姓名" in refused.text.split('role="alert"')[1].split("</div>")[0]
    client.cookies.clear()
    assert client.get(f"/open/datasets/{found['slug']}", headers=HTML).status_code == 404

    headers = login(client, "admin")
    token = headers["x-csrf-token"]
    rules = {"公民身份号码": "generalise", "姓名": "suppress", "缴费基数": "generalise"}
    preview = client.post(
        "/open-admin/deid",
        data=_form(found["code"], token, rules, "preview", {"公民身份号码": "2", "缴费基数": "1000"}),
        headers=HTML,
    )
    assert preview.status_code == 200
    table = preview.text.split('id="deid-preview"')[1].split("</table>")[0]
    first = persons[0]
    assert first["公民身份号码"] not in table and first["姓名"] not in table
    assert f"{first['公民身份号码'][:2]}{'*' * 16}" in table and "3000-4000" in table
    client.cookies.clear()
    assert client.get(f"/open/datasets/{found['slug']}", headers=HTML).status_code == 404  # preview saves nothing

    headers = login(client, "admin")
    saved = client.post(
        "/open-admin/deid",
        data=_form(found["code"], headers["x-csrf-token"], {"公民身份号码": "pseudonymise", "姓名": "suppress"},
                   "save"),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    client.cookies.clear()
    public = client.get(f"/open/datasets/{found['slug']}", headers=HTML)
    assert public.status_code == 200
    assert all(p["公民身份号码"] not in public.text and p["姓名"] not in public.text for p in persons)
    with db.session() as session:
        actions = list(session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("opendata.deid%"))))
    assert {"opendata.deid.view", "opendata.deid.preview", "opendata.deid.configure"} <= set(actions)


def test_deid_page_needs_the_admin_role_and_csrf(client: TestClient, open_world, db, tmp_path) -> None:
    found, _persons = _withheld(client, db, tmp_path)
    client.cookies.clear()
    assert client.get("/open-admin/deid", headers={"accept": "application/json"}).status_code == 401
    login(client, "auditor")  # sees statistics, changes nothing
    assert client.get("/open-admin/deid", headers={"accept": "application/json"}).status_code == 403
    headers = login(client, "admin")
    rules = {"公民身份号码": "suppress", "姓名": "suppress"}
    no_token = client.post("/open-admin/deid", data=_form(found["code"], "", rules, "save"),
                           headers={"accept": "application/json"})
    assert no_token.status_code == 403
    bad = client.post("/open-admin/deid", data=_form(found["code"], headers["x-csrf-token"],
                                                      {**rules, "参保日期": "shuffle"}, "save"), headers=HTML)
    assert bad.status_code == 422 and "参保日期" in bad.text
    bad_keep = client.post("/open-admin/deid", data=_form(found["code"], headers["x-csrf-token"],
                                                          {**rules, "缴费基数": "generalise"}, "save",
                                                          {"缴费基数": "-3"}), headers=HTML)
    assert bad_keep.status_code == 422 and "缴费基数" in bad_keep.text
    short = client.post("/open-admin/deid", data={"csrf_token": headers["x-csrf-token"], "code": found["code"],
                                                  "step": "save", "method": "suppress"}, headers=HTML)
    assert short.status_code == 422
    missing = client.get("/open-admin/deid", params={"code": "999999/999999"}, headers=HTML)
    assert missing.status_code == 404
    client.cookies.clear()
    assert client.get(f"/open/datasets/{found['slug']}", headers=HTML).status_code == 404
    results = client.get("/open/search?q=失业保险金", headers=HTML).text.split("<main")[1]
    assert re.search(r"失业保险金领取人员", results.split("</form>", 1)[-1]) is None
