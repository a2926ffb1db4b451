"""Requests by sharing type, deadlines in working days with the statutory calendar, refusals with
reasons, coordination, overdue flagging counted against the provider."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from govshare.core.clock import SHANGHAI
from govshare.core.db import Database
from govshare.exchange.access_requests import flag_overdue
from govshare.exchange.models import AccessRequest
from govshare.workdays.service import deadline
from tests.exchange.conftest import approve, ask, publish_resource
from tests.factories import SETUP, login


def test_unconditional_is_granted_at_once(client: TestClient, world) -> None:
    resource = publish_resource(client, "unconditional")
    asked = ask(client, resource.id)
    assert asked["status"] == "approved" and asked["grant_id"] and asked["due_on"] is None


def test_conditional_deadline_counts_working_days(client: TestClient, world, db: Database) -> None:
    resource = publish_resource(client)
    asked = ask(client, resource.id)
    with db.session() as session:
        # The deadline counts from the Beijing day of submission (UTC's day differs from 16:00 on).
        submitted = datetime.fromisoformat(asked["submitted_at"]).astimezone(SHANGHAI).date()
        expected = deadline(session, submitted, 10)
    assert asked["due_on"] == expected.due.isoformat() and asked["status"] == "pending"


def test_deadline_over_national_day_skips_the_holiday_week(db: Database) -> None:
    with db.session() as session:
        due = deadline(session, date(2025, 9, 30), 10)
    # 1–8 October 2025 are holidays; 28 September and 11 October are make-up working Saturdays/Sundays.
    assert due.due == date(2025, 10, 21) and not due.provisional


def test_refusal_needs_reasons_then_coordination(client: TestClient, world) -> None:
    resource = publish_resource(client)
    asked = ask(client, resource.id)
    headers = login(client, "hr.officer")
    empty = client.post(f"/api/v1/exchange/requests/{asked['id']}/refuse", json={"reasons": ""}, headers=headers)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "reasons"
    refused = client.post(f"/api/v1/exchange/requests/{asked['id']}/refuse",
                          json={"reasons": "申请用途与共享条件不符"}, headers=headers).json()
    assert refused["status"] == "refused" and refused["answer"] == "申请用途与共享条件不符"
    headers = login(client, "police.officer")
    raised = client.post(f"/api/v1/exchange/requests/{asked['id']}/escalate",
                         json={"reason": "履行户籍管理职责需要，依据《户口登记条例》"}, headers=headers).json()
    assert raised["status"] == "escalated" and raised["kind"] == "coordination"
    assert client.post(f"/api/v1/exchange/requests/{asked['id']}/approve", json={},
                       headers=login(client, "hr.officer")).status_code == 403
    decided = approve(client, asked["id"], "admin")
    assert decided["status"] == "approved" and decided["grant_id"]


def test_not_shared_only_for_coordination_with_legal_basis(client: TestClient, world) -> None:
    resource = publish_resource(client, "not_shared")
    headers = login(client, "police.officer")
    body = {"resource_id": resource.id, "purpose": "户籍业务办理", "scenario": "窗口受理"}
    refused = client.post("/api/v1/exchange/requests", json=body, headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_shared"
    raised = client.post("/api/v1/exchange/requests", json={**body, "kind": "coordination",
                                                            "legal_basis": "《居民身份证法》第十三条"}, headers=headers)
    assert raised.status_code == 201 and raised.json()["status"] == "escalated"
    coordination = client.get("/api/v1/exchange/requests", params={"side": "coordination"},
                              headers=login(client, "admin")).json()
    assert [r["id"] for r in coordination] == [raised.json()["id"]]


@pytest.mark.parametrize("body, field", [
    ({"items": ["不存在"]}, "items"),
    ({"operations": ["delete"]}, "operations"),
    ({"row_filter": {"所属区划": {"in": []}}}, "row_filter"),
    ({"starts_on": "2030-01-02", "ends_on": "2030-01-01"}, "ends_on"),
    ({"purpose": ""}, "purpose"),
])
def test_bad_requests_name_the_field(client: TestClient, world, body: dict, field: str) -> None:
    resource = publish_resource(client)
    headers = login(client, "police.officer")
    answer = client.post("/api/v1/exchange/requests", headers=headers, json={
        "resource_id": resource.id, "purpose": "户籍业务办理", "scenario": "窗口受理", **body})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == field, answer.text


def test_approval_cannot_widen_and_narrowing_needs_a_note(client: TestClient, world) -> None:
    resource = publish_resource(client)
    asked = ask(client, resource.id, items=["公民身份号码", "姓名"])
    headers = login(client, "hr.officer")
    wider = client.post(f"/api/v1/exchange/requests/{asked['id']}/approve", headers=headers,
                        json={"items": ["公民身份号码", "姓名", "缴费基数"]})
    assert wider.status_code == 422 and wider.json()["error"]["field"] == "items"
    silent = client.post(f"/api/v1/exchange/requests/{asked['id']}/approve", headers=headers,
                         json={"items": ["公民身份号码"]})
    assert silent.status_code == 422 and silent.json()["error"]["field"] == "note"


def test_overdue_requests_are_flagged_once_and_counted(client: TestClient, world, db: Database) -> None:
    resource = publish_resource(client)
    asked = ask(client, resource.id)
    with db.session() as session:
        session.execute(update(AccessRequest).where(AccessRequest.id == asked["id"]).values(
            due_on=date(2020, 1, 2)))
    with db.session() as session:
        assert flag_overdue(session, SETUP) == 1
    with db.session() as session:
        assert flag_overdue(session, SETUP) == 0
    seen = client.get(f"/api/v1/exchange/requests/{asked['id']}", headers=login(client, "hr.officer")).json()
    assert seen["overdue"] and seen["working_days_left"] < 0 and seen["escalated_at"]
    late = approve(client, asked["id"])
    assert late["answered_late"]
    counted = client.get("/api/v1/exchange/stats/overdue", headers=login(client, "admin")).json()
    assert counted == [{"provider_id": world.hr.id, "provider": world.hr.name, "overdue": 1}]


def test_deadline_in_an_unknown_year_says_so(client: TestClient, world, db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from govshare.exchange import access_requests

    monkeypatch.setattr(access_requests, "today", lambda: date(2099, 12, 24))
    resource = publish_resource(client)
    asked = ask(client, resource.id)
    assert asked["due_provisional"] is True


def test_duplicate_open_request_and_own_resource_are_conflicts(client: TestClient, world) -> None:
    resource = publish_resource(client)
    ask(client, resource.id)
    headers = login(client, "police.officer")
    again = client.post("/api/v1/exchange/requests", headers=headers, json={
        "resource_id": resource.id, "purpose": "户籍业务办理", "scenario": "窗口受理"})
    assert again.status_code == 409
    own = client.post("/api/v1/exchange/requests", headers=login(client, "hr.officer"), json={
        "resource_id": resource.id, "purpose": "户籍业务办理", "scenario": "窗口受理"})
    assert own.status_code == 409
