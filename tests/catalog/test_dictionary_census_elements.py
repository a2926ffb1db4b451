"""The dictionary page, census snapshots (change over time) and data elements read from the
standards registry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.catalog import census, elements
from govshare.catalog.models import CensusSnapshot
from govshare.cli import app
from govshare.core.audit import Actor, AuditRecord
from govshare.core.db import Database
from tests.catalog.conftest import entry, publish
from tests.factories import login

HTML = {"accept": "text/html"}


def _token(page_text: str) -> str:
    return page_text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _actions(db: Database, prefix: str) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(select(AuditRecord.action).where(AuditRecord.action.like(f"{prefix}%")))
        )


# --- the dictionary page -------------------------------------------------------------------------


def test_dictionary_page_add_edit_switch_off_and_search_uses_it(
    client: TestClient, world, db: Database
) -> None:
    publish(client, "hr.officer", entry("工伤认定信息"))
    login(client, "admin")
    page = client.get("/catalog/terms", headers=HTML)
    assert page.status_code == 200 and "社保" in page.text and "社会保险" in page.text
    token = _token(page.text)
    added = client.post(
        "/catalog/terms",
        data={"csrf_token": token, "term": "工伤险", "expansions": "工伤认定，工伤保险", "active": "1"},
        headers=HTML,
        follow_redirects=False,
    )
    assert added.status_code == 303
    found = client.get("/api/v1/catalog/search", params={"q": "工伤险"}).json()
    assert [h["name"] for h in found["items"]] == ["工伤认定信息"]
    edited = client.post(
        "/catalog/terms",
        data={"csrf_token": token, "term": "工伤险", "expansions": "工伤保险", "active": "1"},
        headers=HTML,
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert client.get("/api/v1/catalog/search", params={"q": "工伤险"}).json()["total"] == 0
    page = client.get("/catalog/terms?lang=en", headers=HTML)
    assert "Synonyms and abbreviations" in page.text and "工伤保险" in page.text
    removed = client.post(
        "/catalog/terms/社保/delete", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert removed.status_code == 303
    terms = {t["term"]: t for t in client.get("/api/v1/catalog/terms").json()}
    assert terms["社保"]["active"] is False and terms["工伤险"]["expansions"] == ["工伤保险"]
    assert _actions(db, "catalog.term.") == [
        "catalog.term.set",
        "catalog.term.set",
        "catalog.term.remove",
    ]


def test_dictionary_page_refuses_bad_input_others_and_missing_csrf(
    client: TestClient, world, db: Database
) -> None:
    login(client, "admin")
    token = _token(client.get("/catalog/terms", headers=HTML).text)
    bad = client.post(
        "/catalog/terms", data={"csrf_token": token, "term": "社保", "expansions": "社保"}, headers=HTML
    )
    assert bad.status_code == 422 and "请至少填写一个与词条不同的同义词或全称" in bad.text
    unknown = client.post("/catalog/terms/没有这个词/delete", data={"csrf_token": token}, headers=HTML)
    assert unknown.status_code == 404
    no_csrf = client.post("/catalog/terms", data={"term": "甲", "expansions": "乙"}, headers=HTML)
    assert no_csrf.status_code == 403
    assert _actions(db, "catalog.term.") == []
    login(client, "hr.officer")
    assert client.get("/catalog/terms", headers=HTML).status_code == 403


# --- census snapshots -----------------------------------------------------------------------------


def test_census_over_time_reads_snapshots(client: TestClient, world, db: Database) -> None:
    publish(client, "hr.officer", entry())
    login(client, "admin")
    page = client.get("/catalog/census", headers=HTML)  # the month has no snapshot: one is taken
    assert page.status_code == 200 and 'id="census-snapshot"' in page.text
    with db.session() as session:
        taken = [(s.trigger, s.totals["resources"]) for s in session.scalars(select(CensusSnapshot))]
    assert taken == [("auto", 1)]
    publish(client, "hr.officer", entry("就业登记信息"))
    login(client, "admin")
    token = _token(client.get("/catalog/census", headers=HTML).text)  # this month has one already
    stored = client.post(
        "/catalog/census/snapshot", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert stored.status_code == 303
    report = client.get("/api/v1/catalog/census").json()
    # the latest snapshot of the month counts; nothing is derived from publication dates
    assert [(p["month"], p["total"], p["trigger"]) for p in report["trend"]] == [
        (census.period_of(), 2, "manual")
    ]
    with db.session() as session:  # an older month, as a snapshot taken then would have stored it
        session.add(
            CensusSnapshot(period="2020-01", taken_by="t", trigger="auto", totals={"resources": 7},
                           by_department=[], taken_at=datetime(2020, 1, 31, tzinfo=UTC))
        )
    trend = client.get("/api/v1/catalog/census").json()["trend"]
    assert [(p["month"], p["total"], p["new"]) for p in trend] == [
        ("2020-01", 7, 7),
        (census.period_of(), 2, -5),
    ]
    assert _actions(db, "catalog.census.snapshot") == ["catalog.census.snapshot"] * 2
    login(client, "hr.officer")  # officers see the census but do not take snapshots
    page = client.get("/catalog/census", headers=HTML)
    assert page.status_code == 200 and 'id="census-snapshot"' not in page.text
    assert client.post("/catalog/census/snapshot", data={"csrf_token": _token(page.text)},
                       headers=HTML).status_code == 403


def test_cli_census_snapshot(client: TestClient, world, db: Database) -> None:
    publish(client, "hr.officer", entry())
    result = CliRunner().invoke(app, ["catalog", "census", "--snapshot", "--format", "json"])
    assert result.exit_code == 0, result.output
    point = json.loads(result.stdout)
    assert point["trigger"] == "cli" and point["resources"] == 1
    with db.session() as session:
        assert [s.trigger for s in session.scalars(select(CensusSnapshot))] == ["cli"]


# --- data elements from the standards registry ----------------------------------------------------


def test_elements_come_from_the_standards_registry(db: Database, world) -> None:
    from govshare.standards import registry

    with db.session() as session:
        assert elements.find_element(session, "公民身份号码").code == "DE0101"
        assert elements.find_element(session, "身份证号").code == "DE0101"  # a name in use
        assert elements.find_element(session, "DE0001").code == "DE0101"  # the former seed code
        mobile = elements.find_element(session, "手机号码")
        assert mobile.code == "DE0108" and not mobile.base  # contact details are not base items
        assert elements.find_element(session, "成立日期") is None
        assert elements.find_element(session, "车牌号码") is None
        registry.import_bundle(
            session,
            Actor.system("test"),
            {"elements": [{"identifier": "DE0301", "version": "1.0", "name_zh": "号牌号码",
                           "data_type": "string", "format": "c..15"}]},
        )
    with db.session() as session:  # a new registry element is used by the next check
        found = elements.find_element(session, "号牌号码")
        assert (found.code, found.length, found.base) == ("DE0301", 15, False)


def test_item_using_a_former_seed_code_is_told_the_registry_element(
    client: TestClient, officer
) -> None:
    data = entry(items=[{"name": "公民身份号码", "data_type": "string", "length": 18, "element_code": "DE0001"}])
    saved = client.post("/api/v1/catalog/resources", json=data, headers=officer).json()
    unused = [f for f in saved["findings"] if f["code"] == "element_unused"]
    assert len(unused) == 1 and "DE0101" in unused[0]["message"]
    form = client.get(f"/catalog/resources/{saved['id']}/edit", headers=HTML)
    assert '<option value="DE0108">' in form.text  # the editor offers the registry's elements
