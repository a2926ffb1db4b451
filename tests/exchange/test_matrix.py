"""Every sharing type × grant state × caller gets exactly the right answer to a data call.

Callers: the provider's own department, another department, the public (no credentials) and a
platform administrator (who manages the exchange but does not read data). Revoking takes
effect on the very next call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from govshare.core.clock import today
from govshare.core.config import reset_settings_cache
from govshare.core.db import Database
from govshare.exchange.models import Grant
from tests.exchange.conftest import approve, ask, load_rows, person, publish_resource
from tests.factories import login

TYPES = ("unconditional", "conditional", "not_shared")
STATES = ("none", "pending", "approved", "narrowed", "refused", "expired", "revoked")
NARROW = {"items": ["公民身份号码", "参保状态"], "note": "仅提供参保状态"}


def _call(client: TestClient, resource_id: int, headers: dict | None = None) -> tuple[int, dict]:
    answer = client.post(f"/api/v1/exchange/resources/{resource_id}/query", headers=headers or {},
                         json={"purpose": "户籍业务办理", "limit": 5})
    return answer.status_code, answer.json()


def _ask(client: TestClient, share_type: str, resource_id: int) -> dict:
    if share_type == "not_shared":
        return ask(client, resource_id, "police.user", kind="coordination",
                   legal_basis="《中华人民共和国户口登记条例》第四条：户籍登记须核对社会保险信息")
    return ask(client, resource_id, "police.user")


def _answer(client: TestClient, share_type: str, request: dict, state: str) -> None:
    answerer = "admin" if share_type != "conditional" else "hr.officer"
    if state == "refused":
        headers = login(client, answerer)
        refused = client.post(f"/api/v1/exchange/requests/{request['id']}/refuse", headers=headers,
                              json={"reasons": "不符合共享条件"})
        assert refused.status_code == 200, refused.text
    elif state == "narrowed":
        assert approve(client, request["id"], answerer, **NARROW)["status"] == "narrowed"
    elif request["status"] != "approved":
        assert approve(client, request["id"], answerer)["status"] == "approved"


def _bring_to(client: TestClient, db: Database, share_type: str, resource_id: int, state: str) -> None:
    if state == "none":
        return
    request = _ask(client, share_type, resource_id)
    if state == "pending":
        assert request["status"] in ("pending", "compliance", "escalated")
        return
    _answer(client, share_type, request, state)
    grant_id = client.get(f"/api/v1/exchange/requests/{request['id']}", headers=login(client, "police.user")
                          ).json()["grant_id"]
    if state == "expired":
        with db.session() as session:
            session.execute(update(Grant).where(Grant.id == grant_id).values(
                starts_on=today() - timedelta(days=30), ends_on=today() - timedelta(days=1)))
    if state == "revoked":
        assert _call(client, resource_id, login(client, "police.user"))[0] == 200  # works until revoked
        revoked = client.post(f"/api/v1/exchange/grants/{grant_id}/revoke", headers=login(client, "hr.officer"),
                              json={"reason": "业务已办结"})
        assert revoked.status_code == 200, revoked.text


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("share_type", TYPES)
def test_matrix(client: TestClient, world, db: Database, tmp_path: Path, monkeypatch, share_type: str,
                state: str) -> None:  # type: ignore[no-untyped-def]
    if share_type == "unconditional" and state in ("pending", "narrowed", "refused"):
        # Only the authority's compliance check (a node policy) can hold, narrow or refuse these.
        monkeypatch.setenv("GOVSHARE_POLICY__UNCONDITIONAL_COMPLIANCE_CHECK", "true")
        reset_settings_cache()
    resource = publish_resource(client, share_type)
    from tests.exchange.conftest import write_csv

    load_rows(db, resource.id, write_csv(tmp_path / "p.csv", [person(i) for i in range(8)]), keys=["公民身份号码"])
    _bring_to(client, db, share_type, resource.id, state)

    status, body = _call(client, resource.id, login(client, "hr.user"))  # provider's own department
    assert status == 200 and len(body["rows"]) == 5 and len(body["items"]) == 6

    status, body = _call(client, resource.id, login(client, "police.user"))  # another department
    if state in ("approved", "narrowed"):
        assert status == 200, body
        expected = NARROW["items"] if state == "narrowed" else [i for i in body["rows"][0]]
        assert all(list(row) == expected for row in body["rows"])
        assert len(expected) == (2 if state == "narrowed" else 6)
    else:
        assert status == 403 and body["error"]["code"] == "no_grant", body

    client.cookies.clear()  # the public
    status, body = _call(client, resource.id)
    assert status == 401

    status, body = _call(client, resource.id, login(client, "admin"))  # administrator
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_a_browser_data_call_needs_its_csrf_header(client: TestClient, world, db: Database,
                                                   tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Data routes check their caller in the call's own thread (`authorize_in_call`): a signed-in
    browser's POST still needs the session's CSRF token, in the header since these take JSON."""
    from tests.exchange.conftest import write_csv

    resource = publish_resource(client, "unconditional")
    load_rows(db, resource.id, write_csv(tmp_path / "p.csv", [person(i) for i in range(3)]), keys=["公民身份号码"])
    headers = login(client, "hr.user")

    status, body = _call(client, resource.id, {"x-csrf-token": "forged"})
    assert status == 403 and body["error"]["code"] == "csrf", body
    status, body = _call(client, resource.id)
    assert status == 403 and body["error"]["code"] == "csrf", body
    status, body = _call(client, resource.id, headers)
    assert status == 200 and len(body["rows"]) == 3, body
