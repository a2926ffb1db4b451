"""Operations of the exchange: the background worker inside the app delivers and flags (real
HTTP receiver, real database, real leases), two workers never push one delivery twice, webhook
secrets are encrypted at rest (and the migration encrypts existing ones), outbound URLs obey the
node's allow-list at registration and again at delivery, and large downloads are spooled to disk
while their receipt still covers the exact bytes."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import ipaddress
import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from govshare.cli import app as cli_app
from govshare.core import secretbox
from govshare.core.config import Outbound, get_settings, reset_settings_cache
from govshare.core.db import Database, utcnow
from govshare.core.migrate import alembic_config
from govshare.core.signing import Receipt, node_keypair, verify_receipt
from govshare.exchange import data, outbound, subscriptions, worker
from govshare.exchange.models import AccessRequest, Delivery, JobLease, LoadMode, Subscription
from tests.exchange.conftest import approve, ask, load_rows, person, system_token, write_csv
from tests.factories import SETUP, login

P = "户籍业务办理"


def _granted(client: TestClient, loaded) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    client_id, token = system_token(client, "police.officer")
    approve(client, ask(client, loaded.id, client_id=client_id)["id"])
    return client_id, token, f"/api/v1/exchange/resources/{loaded.id}"


def _subscribe(client: TestClient, token: dict, resource_id: int, url: str) -> dict:
    created = client.post("/api/v1/exchange/subscriptions", headers=token,
                          json={"resource_id": resource_id, "url": url, "purpose": P})
    assert created.status_code == 201, created.text
    return created.json()


def _wait_for(condition, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    """Polls until the background thread has done its work (no timing is measured)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- the worker inside the app ------------------------------------------------------------------


def test_worker_inside_the_app_delivers_and_flags_overdue(db: Database, world, loaded, client: TestClient,
                                                          tmp_path: Path, receiver, monkeypatch) -> None:  # type: ignore
    _, token, _ = _granted(client, loaded)
    sub = _subscribe(client, token, loaded.id, receiver.url("/changes"))
    pending = ask(client, loaded.id, purpose="另一个用途的申请")
    with db.session() as session:  # its 10 working days are over
        session.execute(update(AccessRequest).where(AccessRequest.id == pending["id"])
                        .values(due_on=utcnow().date() - timedelta(days=3)))
    load_rows(db, loaded.id, write_csv(tmp_path / "u.csv", [person(2) | {"参保状态": "03"}]), mode=LoadMode.UPSERT)

    monkeypatch.setenv("GOVSHARE_JOBS__IN_APP", "true")
    monkeypatch.setenv("GOVSHARE_JOBS__DELIVER_EVERY_SECONDS", "0.1")
    monkeypatch.setenv("GOVSHARE_JOBS__OVERDUE_EVERY_SECONDS", "0.1")
    reset_settings_cache()
    from govshare.web.app import create_app

    with TestClient(create_app(get_settings(), database=db)):  # the lifespan starts the worker
        assert receiver.arrived.wait(30), "the worker did not push the change"

        def flagged() -> bool:
            with db.session() as session:
                return session.get(AccessRequest, pending["id"]).escalated_at is not None  # type: ignore

        assert _wait_for(flagged), "the worker did not flag the overdue request"
    pushed = receiver.received[0]
    assert [c["row"]["参保状态"] for c in json.loads(pushed.body)["changes"]] == ["03"]
    expected = "sha256=" + hmac.new(sub["secret"].encode(), pushed.body, hashlib.sha256).hexdigest()
    assert pushed.headers["x-govshare-signature"] == expected  # signed with the plain secret
    with db.session() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.status.value, delivery.claimed_until, delivery.claimed_by) == ("delivered", None, "")
        jobs = {j.name: j for j in session.scalars(select(JobLease))}
        assert jobs["overdue"].last_error == "" and jobs["deliver"].last_finished_at is not None
    listed = CliRunner().invoke(cli_app, ["exchange", "jobs", "--format", "json"])
    assert sorted(j["name"] for j in json.loads(listed.stdout)) == ["deliver", "overdue"]


def test_two_workers_and_cron_never_push_a_delivery_twice(db: Database, world, loaded, client: TestClient,
                                                         tmp_path: Path, receiver) -> None:  # type: ignore
    _, token, _ = _granted(client, loaded)
    for n in range(6):
        _subscribe(client, token, loaded.id, receiver.url(f"/hook/{n}"))
    for version in range(3):
        load_rows(db, loaded.id, write_csv(tmp_path / f"u{version}.csv", [person(version) | {"参保状态": "09"}]),
                  mode=LoadMode.UPSERT)
    with db.session() as session:
        queued = session.scalar(select(text("count(*)")).select_from(Delivery))
    assert queued == 18
    settings = get_settings()
    senders = [threading.Thread(target=worker.run_due, args=(db, settings, SETUP, f"worker-{n}")) for n in range(2)]
    senders.append(threading.Thread(target=subscriptions.deliver_due, args=(db, SETUP, 100, "cron")))
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(120)
    # whatever the worker that held the deliver lease left, a later round sends
    subscriptions.deliver_due(db, SETUP)
    deliveries = [r.headers["x-govshare-delivery"] for r in receiver.received]
    assert len(deliveries) == 18 and len(set(deliveries)) == 18


def test_job_lease_is_held_by_one_worker_and_expires(db: Database) -> None:
    assert worker.take_lease(db, "overdue", "a", every=0, lease_seconds=60)
    assert not worker.take_lease(db, "overdue", "b", every=0, lease_seconds=60)  # a holds it
    refused = CliRunner().invoke(cli_app, ["exchange", "overdue"])
    assert refused.exit_code == 1 and "another worker" in refused.output
    with db.session() as session:  # a dies holding it: the lease runs out
        session.execute(update(JobLease).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert not worker.take_lease(db, "overdue", "b", every=3600, lease_seconds=60)  # ran a moment ago
    assert worker.take_lease(db, "overdue", "b", every=0, lease_seconds=60)
    with db.session() as session:
        session.execute(update(JobLease).values(lease_until=None))
    done = CliRunner().invoke(cli_app, ["exchange", "overdue", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["flagged"] == 0


# --- secrets at rest ----------------------------------------------------------------------------


@pytest.mark.parametrize("suite, algorithm", [("sm", "sm4-gcm"), ("intl", "aes-gcm")])
def test_secrets_are_encrypted_with_the_suite_cipher_under_the_node_secret(db: Database, monkeypatch, suite: str,
                                                                          algorithm: str) -> None:
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", suite)
    reset_settings_cache()
    stored = secretbox.encrypt("hook-secret", "exchange_subscription.secret")
    assert stored.startswith(f"enc1:{algorithm}:") and "hook-secret" not in stored
    assert secretbox.decrypt(stored, "exchange_subscription.secret") == "hook-secret"
    assert secretbox.encrypt("hook-secret", "exchange_subscription.secret") != stored  # fresh nonce
    secret_file = Path(get_settings().data_dir) / "keys" / "node-secret"
    assert secret_file.stat().st_mode & 0o077 == 0  # readable by the node's account only
    with pytest.raises(secretbox.SecretUnreadable, match="another column|altered"):
        secretbox.decrypt(stored, "another.column")
    tampered = stored[:-6] + ("AAAA==" if not stored.endswith("AAAA==") else "BBBB==")
    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.decrypt(tampered, "exchange_subscription.secret")
    with pytest.raises(secretbox.SecretUnreadable, match="not encrypted"):
        secretbox.decrypt("hook-secret", "exchange_subscription.secret")
    monkeypatch.setenv("GOVSHARE_NODE_SECRET", "another node's secret")
    reset_settings_cache()
    with pytest.raises(secretbox.SecretUnreadable, match="another node secret"):
        secretbox.decrypt(stored, "exchange_subscription.secret")


def test_subscription_secret_is_stored_encrypted_and_the_migration_encrypts_old_ones(
        db: Database, world, loaded, client: TestClient, tmp_path: Path, receiver) -> None:  # type: ignore
    _, token, _ = _granted(client, loaded)
    sub = _subscribe(client, token, loaded.id, receiver.url())
    with db.session() as session:
        stored = session.get(Subscription, sub["id"]).secret  # type: ignore[union-attr]
    assert stored.startswith("enc1:") and sub["secret"] not in stored
    config = alembic_config()
    try:
        with db.engine.begin() as connection:  # back to before 0610: secrets stored as given
            config.attributes["connection"] = connection
            command.downgrade(config, "0600_exchange")
        with db.engine.connect() as connection:
            plain = connection.execute(text("SELECT secret FROM exchange_subscription")).scalar_one()
        assert plain == sub["secret"]
    finally:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    with db.session() as session:
        migrated = session.get(Subscription, sub["id"]).secret  # type: ignore[union-attr]
    assert migrated.startswith("enc1:") and migrated != stored  # encrypted again, fresh nonce
    load_rows(db, loaded.id, write_csv(tmp_path / "u.csv", [person(3) | {"参保状态": "07"}]), mode=LoadMode.UPSERT)
    assert subscriptions.deliver_due(db, SETUP)["delivered"] == 1
    body = receiver.received[0].body
    assert receiver.received[0].headers["x-govshare-signature"] == \
        "sha256=" + hmac.new(sub["secret"].encode(), body, hashlib.sha256).hexdigest()


# --- outbound allow-list ------------------------------------------------------------------------


@pytest.mark.parametrize("address, allowed", [
    ("8.8.8.8", True), ("240e::1", True),
    ("169.254.169.254", False), ("100.100.100.200", False), ("fd00:ec2::254", False),  # metadata
    ("169.254.10.1", False), ("fe80::1", False),  # link-local
    ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False), ("100.64.0.1", False),  # private, shared
    ("127.0.0.1", False), ("::1", False), ("::ffff:127.0.0.1", False), ("0.0.0.0", False),
])
def test_default_policy_refuses_internal_addresses(address: str, allowed: bool) -> None:
    assert (outbound.address_problem(ipaddress.ip_address(address), Outbound(), named=False) is None) == allowed


def test_allowed_networks_and_hosts_open_only_what_they_name() -> None:
    policy = Outbound(allowed_networks=["10.20.0.0/16", "127.0.0.1/32"], allowed_hosts=["*.zwww.example"])
    assert outbound.address_problem(ipaddress.ip_address("10.20.3.4"), policy, named=False) is None
    assert outbound.address_problem(ipaddress.ip_address("10.21.3.4"), policy, named=False) is not None
    assert outbound.address_problem(ipaddress.ip_address("127.0.0.1"), policy, named=False) is None
    assert outbound.address_problem(ipaddress.ip_address("127.0.0.2"), policy, named=False) is not None
    # a named host may be private, never metadata or loopback outside the networks
    assert outbound.address_problem(ipaddress.ip_address("10.99.0.1"), policy, named=True) is None
    assert outbound.address_problem(ipaddress.ip_address("169.254.169.254"), policy, named=True) is not None
    assert outbound.address_problem(ipaddress.ip_address("127.0.0.5"), policy, named=True) is not None
    with pytest.raises(outbound.OutboundRefused, match="allowed_hosts"):
        outbound.target("http://8.8.8.8/hook", policy=policy)  # hosts listed: nothing else
    assert outbound.target("http://127.0.0.1:9/hook", policy=policy).address == ipaddress.ip_address("127.0.0.1")


@pytest.mark.parametrize("url, reason", [
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://10.0.0.5/hook", "private"),
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://localhost:8000/hook", "loopback"),
    ("ftp://example.org/x", "http(s)"),
    ("http://user:pw@8.8.8.8/x", "password"),
    ("http://no-such-host.invalid/x", "cannot be resolved"),
])
def test_registration_refuses_urls_outside_the_policy(client: TestClient, world, loaded, url: str,
                                                      reason: str) -> None:
    _, token, _ = _granted(client, loaded)
    refused = client.post("/api/v1/exchange/subscriptions", headers=token,
                          json={"resource_id": loaded.id, "url": url, "purpose": P})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "url" and reason in refused.json()["error"]["message"]
    endpoint = client.put(f"/api/v1/exchange/resources/{loaded.id}/dataset", headers=login(client, "hr.officer"),
                          json={"endpoint_url": url})
    assert endpoint.status_code == 422 and endpoint.json()["error"]["field"] == "endpoint_url"


def test_delivery_rechecks_the_address_and_connects_to_the_checked_one(
        client: TestClient, world, db: Database, loaded, tmp_path: Path, receiver, monkeypatch) -> None:  # type: ignore
    _, token, _ = _granted(client, loaded)
    _subscribe(client, token, loaded.id, receiver.url("/named", host="localhost"))
    load_rows(db, loaded.id, write_csv(tmp_path / "a.csv", [person(4) | {"参保状态": "05"}]), mode=LoadMode.UPSERT)
    assert subscriptions.deliver_due(db, SETUP)["delivered"] == 1
    assert receiver.received[0].headers["host"] == f"localhost:{receiver.port}"  # the name, on the checked address
    # The name now leads somewhere the node does not allow (here: the policy no longer allows
    # loopback, as a rebinding answer would lead outside it): the next push is refused, not sent.
    monkeypatch.setenv("GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS", "[]")
    reset_settings_cache()
    load_rows(db, loaded.id, write_csv(tmp_path / "b.csv", [person(4) | {"参保状态": "06"}]), mode=LoadMode.UPSERT)
    assert subscriptions.deliver_due(db, SETUP) == {"delivered": 0, "retry": 1, "gave_up": 0}
    assert len(receiver.received) == 1
    with db.session() as session:
        last = session.scalars(select(Delivery).order_by(Delivery.id.desc())).first()
        assert "outbound policy" in last.last_error and "loopback" in last.last_error  # type: ignore[union-attr]


def test_interface_call_to_an_endpoint_no_longer_allowed_is_a_502(
        client: TestClient, world, loaded, receiver, monkeypatch) -> None:  # type: ignore
    assert client.put(f"/api/v1/exchange/resources/{loaded.id}/dataset", headers=login(client, "hr.officer"),
                      json={"endpoint_url": receiver.url("/api")}).status_code == 200
    client_id, token = system_token(client, "police.officer")
    approve(client, ask(client, loaded.id, client_id=client_id, operations=["call"])["id"])
    monkeypatch.setenv("GOVSHARE_POLICY__OUTBOUND__ALLOWED_NETWORKS", "[]")
    reset_settings_cache()
    answer = client.post(f"/api/v1/exchange/resources/{loaded.id}/call", headers=token,
                         json={"purpose": P, "body": {}})
    assert answer.status_code == 502 and "outbound policy" in answer.json()["error"]["message"]
    assert receiver.received == []


# --- downloads larger than the spool ------------------------------------------------------------


@pytest.fixture
def many(client: TestClient, world, db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.exchange.conftest import publish_resource

    resource = publish_resource(client)
    path = write_csv(tmp_path / "many.csv", [person(i) for i in range(3000)])
    assert load_rows(db, resource.id, path, keys=["公民身份号码"]).status.value == "live"
    return resource


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_download_larger_than_the_spool_is_streamed_from_disk_with_a_valid_receipt(
        client: TestClient, world, db: Database, many, monkeypatch, fmt: str) -> None:  # type: ignore
    monkeypatch.setattr(data, "SPOOL_BYTES", 16 << 10)  # the node's threshold, made small
    monkeypatch.setattr(data, "DOWNLOAD_BATCH", 500)
    spooled: list[data.Spooled] = []
    original = data.Spooled.seal

    def keep(self):  # type: ignore[no-untyped-def]
        spooled.append(self)
        return original(self)

    monkeypatch.setattr(data.Spooled, "seal", keep)  # observe the spool the download used
    _, token, url = _granted(client, many)
    answer = client.get(f"{url}/download", headers=token, params={"purpose": P, "format": fmt})
    assert answer.status_code == 200, answer.text
    assert len(answer.content) > 16 << 10 and int(answer.headers["content-length"]) == len(answer.content)
    assert spooled[0].on_disk
    assert verify_receipt(Receipt.from_header(answer.headers["x-govshare-receipt"]), node_keypair().public_key,
                          answer.content).ok
    if fmt == "csv":
        table = list(csv.DictReader(io.StringIO(answer.text)))
        ids = [r["公民身份号码"] for r in table]
    else:
        frame = pl.read_parquet(io.BytesIO(answer.content))
        ids = frame["公民身份号码"].to_list()
        assert frame["缴费基数"].dtype.is_numeric()
    assert ids == [person(i)["公民身份号码"] for i in range(3000)]  # every row once, in file order
    assert answer.headers["x-govshare-rows"] == "3000"
