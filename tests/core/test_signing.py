"""Signed receipts: any change to the receipt or the content is caught, on both suites."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app as cli
from govshare.core.config import reset_settings_cache
from govshare.core.db import Database
from govshare.core.signing import Receipt, issue_receipt, node_keypair, verify_receipt


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_receipt_round_trip_and_tampering(db: Database, monkeypatch: pytest.MonkeyPatch, suite: str) -> None:
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", suite)
    reset_settings_cache()
    content = "姓名,公民身份号码\n张三,11010519491231002X\n".encode()
    receipt = issue_receipt("req-1", "330000/00001", content)
    key = node_keypair().public_key
    assert receipt.suite == suite
    assert verify_receipt(receipt, key, content).ok
    assert not verify_receipt(receipt, key, content + b"x").ok
    assert "altered" in verify_receipt(replace(receipt, resource="330000/00002"), key).reason
    assert not verify_receipt(Receipt.from_header(receipt.header()), key, content + b"!").ok
    assert verify_receipt(Receipt.from_header(receipt.header()), key, content).ok


def test_key_is_created_once_and_published(client: TestClient) -> None:
    first = client.get("/api/v1/node/key").json()
    assert client.get("/api/v1/node/key").json() == first
    assert len(base64.b64decode(first["public_key"])) == 32


def test_cli_verify_receipt(db: Database, tmp_path: Path) -> None:
    content = b"rows"
    receipt = issue_receipt("req-2", "330000/00001", content)
    (tmp_path / "r.json").write_text(json.dumps(receipt.as_dict()), encoding="utf-8")
    (tmp_path / "data").write_bytes(content)
    runner = CliRunner()
    ok = runner.invoke(cli, ["node", "verify-receipt", str(tmp_path / "r.json"), "--content", str(tmp_path / "data"),
                             "--format", "json"])
    assert ok.exit_code == 0, ok.output and json.loads(ok.stdout)["ok"]
    (tmp_path / "data").write_bytes(b"rowz")
    bad = runner.invoke(cli, ["node", "verify-receipt", str(tmp_path / "r.json"), "--content", str(tmp_path / "data")])
    assert bad.exit_code == 1 and "content does not match" in bad.output
    (tmp_path / "junk").write_text("not a receipt", encoding="utf-8")
    assert runner.invoke(cli, ["node", "verify-receipt", str(tmp_path / "junk")]).exit_code == 1


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_first_key_pair_is_made_once_under_concurrent_first_use(db: Database, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path, suite: str) -> None:
    """A new node's first answers are signed at once by many threads: one pair is made, and
    every thread signs with it (two creators used to leave mismatched key files behind)."""
    from concurrent.futures import ThreadPoolExecutor

    from govshare.core import signing

    monkeypatch.setenv("GOVSHARE_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", suite)
    reset_settings_cache()
    signing._keypair_at.cache_clear()
    with ThreadPoolExecutor(16) as pool:
        keys = set(pool.map(lambda _: node_keypair().public_key, range(64)))
    signing._keypair_at.cache_clear()
    assert keys == {node_keypair().public_key}  # and the files on disk load as that same pair
