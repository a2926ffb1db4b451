"""The node's signing-key history: every public key is kept by key id, a rotation or a suite
switch retires the old key with its reason, and receipts signed by an earlier key still verify
(unless that key was retired as compromised)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from govshare.cli import app as cli
from govshare.core.audit import Actor, AuditRecord
from govshare.core.config import reset_settings_cache
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.core.signing import issue_receipt, node_keypair
from govshare.orgs import node_keys
from govshare.orgs.models import KeyRetirement
from tests.factories import login

ACTOR = Actor.system("test-keys")
BODY = b'{"rows": []}'


def _switch(monkeypatch: pytest.MonkeyPatch, suite: str) -> None:
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", suite)
    reset_settings_cache()


def test_suite_switch_and_rotation_keep_earlier_receipts_verifiable(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _switch(monkeypatch, "intl")
    intl_receipt = issue_receipt("req-1", "R1", BODY)
    _switch(monkeypatch, "sm")
    sm_receipt = issue_receipt("req-2", "R2", BODY)
    assert sm_receipt.key_id != intl_receipt.key_id and sm_receipt.suite == "sm"
    with db.session() as session:
        rows = {row.key_id: row for row in node_keys.history(session, ACTOR)}
        assert rows[intl_receipt.key_id].retired_reason == KeyRetirement.SUITE_SWITCH
        assert rows[sm_receipt.key_id].valid_to is None
        assert node_keys.check_receipt(session, intl_receipt, BODY).ok
        assert node_keys.check_receipt(session, sm_receipt, BODY).ok
        forged = type(intl_receipt)(**{**intl_receipt.as_dict(), "resource": "R9"})
        assert not node_keys.check_receipt(session, forged, BODY).ok
        assert not node_keys.check_receipt(session, intl_receipt, b"other content").ok

    with db.session() as session:
        new = node_keys.rotate(session, ACTOR, note="yearly")
    assert node_keypair().suite == "sm" and new.key_id != sm_receipt.key_id
    assert issue_receipt("req-3", "R3", BODY).key_id == new.key_id  # signing uses the new key at once
    with db.session() as session:
        old = node_keys.find(session, sm_receipt.key_id)
        assert old is not None and old.retired_reason == KeyRetirement.ROTATED and old.retired_note == "yearly"
        assert node_keys.check_receipt(session, sm_receipt, BODY).ok
        actions = {r.action for r in session.scalars(select(AuditRecord))}
        assert {"node.key.record", "node.key.retire", "node.key.rotate"} <= actions


def test_a_key_retired_as_compromised_no_longer_verifies(db: Database) -> None:
    receipt = issue_receipt("req-1", "R1", BODY)
    with db.session() as session:
        node_keys.rotate(session, ACTOR, KeyRetirement.COMPROMISED, "private key file leaked")
    with db.session() as session:
        check = node_keys.check_receipt(session, receipt, BODY)
        assert not check.ok and "compromised" in check.reason
        with pytest.raises(InvalidInput, match="one of rotated, compromised"):
            node_keys.rotate(session, ACTOR, KeyRetirement.SUITE_SWITCH)


def test_a_receipt_naming_an_unknown_key_is_refused(db: Database) -> None:
    receipt = issue_receipt("req-1", "R1", BODY)
    stranger = type(receipt)(**{**receipt.as_dict(), "key_id": "0123456789abcdef"})
    with db.session() as session:
        check = node_keys.check_receipt(session, stranger, BODY)
    assert not check.ok and "no record" in check.reason


def test_keys_cli_lists_rotates_and_verifies_old_receipts(db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    receipt = issue_receipt("req-1", "R1", BODY)
    (tmp_path / "receipt.txt").write_text(receipt.header())
    (tmp_path / "body.json").write_bytes(BODY)
    rotated = runner.invoke(cli, ["keys", "rotate", "--note", "scheduled", "--format", "json"])
    assert rotated.exit_code == 0, rotated.output
    listed = json.loads(runner.invoke(cli, ["keys", "list", "--format", "json"]).stdout)
    assert [k["in_use"] for k in listed] == [False, True]
    assert listed[0]["key_id"] == receipt.key_id and listed[0]["retired_reason"] == "rotated"
    checked = runner.invoke(cli, ["node", "verify-receipt", str(tmp_path / "receipt.txt"), "--content",
                                  str(tmp_path / "body.json"), "--format", "json"])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True
    (tmp_path / "body.json").write_bytes(b"changed")
    refused = runner.invoke(cli, ["node", "verify-receipt", str(tmp_path / "receipt.txt"), "--content",
                                  str(tmp_path / "body.json")])
    assert refused.exit_code == 1 and "hash" in refused.output
    bad = runner.invoke(cli, ["keys", "rotate", "--reason", "suite_switch"])
    assert bad.exit_code != 0 and len(bad.output.strip().splitlines()) == 1


def test_key_history_api_is_public_and_page_is_for_administrators(client: TestClient, world) -> None:
    issue_receipt("req-1", "R1", BODY)
    listed = client.get("/api/v1/node/keys").json()
    assert len(listed) == 1 and listed[0]["in_use"] and listed[0]["key_id"] == client.get("/api/v1/node/key").json()[
        "key_id"]
    login(client, "hr.user")
    assert client.get("/admin/node-keys", headers={"accept": "text/html"}).status_code == 403
    login(client, "auditor")
    page = client.get("/admin/node-keys", headers={"accept": "text/html"})
    assert page.status_code == 200 and listed[0]["key_id"] in page.text
