"""The verify path after its speed work: the client's counters are taken at the end of the call
(so a call that another one pushed over the minute's allowance meanwhile is still refused and
leaves nothing counted), each verify is in the audit chain with its key pseudonymised, and a
revoked grant is refused on the very next verify."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govshare.core.audit import AuditRecord, Outcome
from govshare.core.auth import Principal
from govshare.core.db import Database
from govshare.exchange import data, limits, terms
from govshare.exchange.models import CallDay, RateCounter
from tests.exchange.conftest import approve, ask, person, system_token
from tests.factories import login

P = "户籍业务办理"


def _verify_body(i: int = 0) -> dict[str, Any]:
    return {"purpose": P, "values": {"公民身份号码": person(i)["公民身份号码"], "姓名": person(i)["姓名"]}}


def _granted(client: TestClient, loaded, calls_per_minute: int) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    client_id, token = system_token(client, "police.officer")
    approve(client, ask(client, loaded.id, client_id=client_id)["id"])
    assert client.put(f"/api/v1/exchange/clients/{client_id}/limits", headers=login(client, "admin"), json={
        "calls_per_minute": calls_per_minute, "rows_per_day": 1000, "rows_per_call": 10}).status_code == 200
    return token, f"/api/v1/exchange/resources/{loaded.id}/verify"


def _verify_counts(db: Database) -> tuple[int, int, int]:
    """(calls in minute windows, successful verify calls in the statistics, denied verify records)."""
    with db.session() as session:
        minute = session.scalar(select(func.coalesce(func.sum(RateCounter.count), 0))
                                .where(RateCounter.window.like("m%")))
        counted = session.scalar(select(func.coalesce(func.sum(CallDay.calls), 0)).where(
            CallDay.operation == "verify", CallDay.outcome == Outcome.SUCCESS))
        denied = session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "exchange.verify", AuditRecord.outcome == Outcome.DENIED))
    return int(minute or 0), int(counted or 0), int(denied or 0)


def test_a_call_pushed_over_the_minute_while_it_ran_is_refused_and_not_counted(
        client: TestClient, world, db: Database, loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    token, url = _granted(client, loaded, calls_per_minute=1)
    real_verify = data.verify

    def another_call_counted_meanwhile(session, call, values):  # type: ignore[no-untyped-def]
        # What a concurrent call of the same client does between this call's check and its end.
        session.execute(*limits.minute_charge(session, call.caller.principal))
        return real_verify(session, call, values)

    monkeypatch.setattr(data, "verify", another_call_counted_meanwhile)
    refused = client.post(url, headers=token, json=_verify_body())
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["details"]["window"] == "minute"
    assert _verify_counts(db) == (0, 0, 1)  # rolled back, counts included; the refusal recorded
    monkeypatch.setattr(data, "verify", real_verify)
    assert client.post(url, headers=token, json=_verify_body()).status_code == 200
    assert _verify_counts(db) == (1, 1, 1)


def test_the_minute_allowance_holds_for_verify(client: TestClient, world, db: Database, loaded) -> None:
    token, url = _granted(client, loaded, calls_per_minute=2)
    answers = [client.post(url, headers=token, json=_verify_body(i)).status_code for i in range(3)]
    assert answers == [200, 200, 429]
    assert _verify_counts(db) == (2, 2, 1)


def test_every_verify_has_its_audit_record_with_a_pseudonymised_key(client: TestClient, world, db: Database,
                                                                    loaded) -> None:
    token, url = _granted(client, loaded, calls_per_minute=100)
    answer = client.post(url, headers=token, json=_verify_body(3))
    assert answer.status_code == 200 and answer.json()["match"] is True
    with db.session() as session:
        logged = session.scalars(select(AuditRecord.details).where(AuditRecord.action == "exchange.verify")).all()
    assert [json.loads(d)["request_id"] for d in logged] == [answer.headers["x-request-id"]]
    assert person(3)["公民身份号码"] not in logged[0] and '"h:' in logged[0]  # a pseudonym, not the number


def test_a_revoked_grant_is_refused_on_the_very_next_verify(client: TestClient, world, loaded) -> None:
    token, url = _granted(client, loaded, calls_per_minute=100)
    assert client.post(url, headers=token, json=_verify_body()).status_code == 200
    grant_id = client.get("/api/v1/exchange/grants", headers=login(client, "hr.officer")).json()[0]["id"]
    assert client.post(f"/api/v1/exchange/grants/{grant_id}/revoke", json={"reason": "超范围使用"},
                       headers=login(client, "hr.officer")).status_code == 200
    refused = client.post(url, headers=token, json=_verify_body())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_grant"


def test_terms_of_a_caller_without_a_department_hold_no_grant(client: TestClient, world, db: Database,
                                                              loaded) -> None:
    _granted(client, loaded, calls_per_minute=100)  # a grant exists, but for another department
    with db.session() as session:
        found = terms.read(session, Principal(kind="user", name="运维", department_id=None), loaded.id, "verify")
    assert found is not None and found.grant is None and (found.calls, found.rows_today) == (0, 0)
