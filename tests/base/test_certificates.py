"""Electronic certificates: issued and signed by the issuing department on the node's suite;
verification by identifier detects a changed field or signature byte and reports revocation;
a consumer with a grant lists a holder's certificates and fetches one, all audited."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from govshare.base import certificates
from govshare.base.models import Certificate
from govshare.core.audit import AuditRecord
from govshare.core.config import reset_settings_cache
from govshare.core.db import Database
from govshare.core.signing import Receipt, node_keypair, verify_receipt
from tests.base.conftest import PURPOSE, grant
from tests.factories import login

ID_CARD = "0101"


def _id_card(client: TestClient, province, n: int = 0, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    person = province.frames.persons.row(n, named=True)
    headers = login(client, "police.officer")
    issued = client.post(
        "/api/v1/certificates",
        headers=headers,
        json={
            "type_code": ID_CARD,
            "holder_code": person["公民身份号码"],
            "holder_name": person["姓名"],
            "data": {
                "姓名": person["姓名"],
                "性别": "男" if person["性别代码"] == "1" else "女",
                "民族": "汉",
                "出生日期": person["出生日期"].isoformat(),
                "住址": person["住址"],
                "签发机关": "杭州市公安局",
            },
            **extra,
        },
    )
    assert issued.status_code == 201, issued.text
    return issued.json()


def _verify(client: TestClient, identifier: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/certificates/{identifier}/verify")  # public: no sign-in
    assert answer.status_code == 200
    return answer.json()


def test_identifier_layout_and_check_character() -> None:
    identifier = certificates.make_identifier("11330000000012345X", "0101", 42)
    assert len(identifier) == 31 and identifier[18:22] == "0101" and identifier[22:30] == "00000042"
    assert certificates.identifier_ok(identifier)
    assert not certificates.identifier_ok(identifier[:-1] + ("A" if identifier[-1] != "A" else "B"))


def test_issue_then_verify_by_identifier(client: TestClient, db: Database, province) -> None:
    issued = _id_card(client, province)
    identifier = issued["certificate"]["identifier"]
    result = _verify(client, identifier)
    assert result["ok"] is True and result["status"] == "valid"
    assert result["certificate"]["trust_grade"] == "A" and "*" in result["certificate"]["holder_code"]
    with db.session() as session:
        record = session.scalar(select(AuditRecord).where(AuditRecord.action == "base.certificate.issue"))
        assert record is not None and issued["certificate"]["holder_code"] not in record.details
        checked = session.scalar(select(AuditRecord).where(AuditRecord.action == "base.certificate.verify"))
        assert checked is not None and checked.actor == "public" and checked.object_id == identifier


def test_stored_field_changed_fails_with_reason(client: TestClient, db: Database, province) -> None:
    identifier = _id_card(client, province)["certificate"]["identifier"]
    with db.session() as session:
        cert = certificates.find(session, identifier)
        cert.data = {**cert.data, "住址": "篡改后的住址"}  # type: ignore[union-attr]
    result = _verify(client, identifier)
    assert result["ok"] is False and result["status"] == "tampered"
    assert "altered" in result["reasons"][0]


def test_one_signature_byte_changed_fails(client: TestClient, db: Database, province) -> None:
    identifier = _id_card(client, province)["certificate"]["identifier"]
    with db.session() as session:
        cert = certificates.find(session, identifier)
        raw = bytearray(base64.b64decode(cert.signature))  # type: ignore[union-attr]
        raw[10] ^= 0x01
        session.execute(
            update(Certificate)
            .where(Certificate.identifier == identifier)
            .values(signature=base64.b64encode(bytes(raw)).decode())
        )
    result = _verify(client, identifier)
    assert result["status"] == "tampered" and "signature" in result["reasons"][0]


def test_presented_copy_with_a_changed_field_or_signature_fails(client: TestClient, province) -> None:
    issued = _id_card(client, province)
    copy, signature = issued["certificate"], issued["signature"]
    assert client.post("/api/v1/certificates/verify", json={"certificate": copy, "signature": signature}).json()["ok"]
    forged = {**copy, "data": {**copy["data"], "出生日期": "1999-01-01"}}
    result = client.post("/api/v1/certificates/verify", json={"certificate": forged, "signature": signature}).json()
    assert result["status"] == "tampered" and "data.出生日期" in result["reasons"][0]
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x80
    result = client.post(
        "/api/v1/certificates/verify", json={"certificate": copy, "signature": base64.b64encode(bytes(raw)).decode()}
    ).json()
    assert result["status"] == "tampered" and "presented signature" in result["reasons"][0]


def test_revoked_certificate_says_so(client: TestClient, db: Database, province) -> None:
    identifier = _id_card(client, province)["certificate"]["identifier"]
    other = login(client, "hr.officer")
    refused = client.post(f"/api/v1/certificates/{identifier}/revoke", headers=other, json={"reason": "遗失"})
    assert refused.status_code == 403
    headers = login(client, "police.officer")
    revoked = client.post(
        f"/api/v1/certificates/{identifier}/revoke", headers=headers, json={"reason": "证件遗失，已补领"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    result = _verify(client, identifier)
    assert result["ok"] is False and result["status"] == "revoked" and "证件遗失" in result["reasons"][0]
    with db.session() as session:
        assert session.scalar(select(AuditRecord).where(AuditRecord.action == "base.certificate.revoke"))


def test_only_the_issuing_department_issues(client: TestClient, province) -> None:
    person = province.frames.persons.row(0, named=True)
    headers = login(client, "hr.officer")
    refused = client.post(
        "/api/v1/certificates",
        headers=headers,
        json={"type_code": ID_CARD, "holder_code": person["公民身份号码"], "holder_name": person["姓名"], "data": {}},
    )
    assert refused.status_code == 403
    headers = login(client, "police.officer")
    bad = client.post(
        "/api/v1/certificates",
        headers=headers,
        json={"type_code": ID_CARD, "holder_code": person["公民身份号码"][:17] + "Y", "holder_name": "某", "data": {}},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "holder_code"


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_each_suite_signs_and_detects_tampering(
    db: Database, province, monkeypatch: pytest.MonkeyPatch, suite: str
) -> None:
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", suite)
    reset_settings_cache()
    from tests.base.conftest import ACTOR

    person = province.frames.persons.row(1, named=True)
    with db.session() as session:
        cert = certificates.issue(
            session,
            certificates.admin_principal(ACTOR),
            ACTOR,
            certificates.IssueRequest(
                "0501",
                person["公民身份号码"],
                person["姓名"],
                {"姓名": person["姓名"], "准驾车型": "C1", "初次领证日期": "2015-06-01", "住址": person["住址"]},
            ),
        )
        identifier = cert.identifier
        assert cert.suite == suite and len(base64.b64decode(cert.signature)) == 64
    with db.session() as session:
        assert certificates.verify(session, identifier).ok
        cert = certificates.find(session, identifier)
        cert.holder_name = cert.holder_name + "甲"  # type: ignore[union-attr]
    with db.session() as session:
        result = certificates.verify(session, identifier)
        assert result.status == "tampered"


def test_consumer_with_grant_lists_and_fetches_a_holders_certificates(
    client: TestClient, db: Database, province
) -> None:
    issued = _id_card(client, province)
    holder, identifier = issued["certificate"]["holder_code"], issued["certificate"]["identifier"]
    headers = login(client, "hr.user")
    none = client.post(
        "/api/v1/certificates/holders", headers=headers, json={"purpose": PURPOSE, "holder_code": holder}
    )
    assert none.json()["certificates"] == [] and ID_CARD in none.json()["types_without_grant"]
    assert (
        client.post(f"/api/v1/certificates/{identifier}/fetch", headers=headers, json={"purpose": PURPOSE}).status_code
        == 403
    )

    types = {t["code"]: t for t in client.get("/api/v1/certificates/types", headers=headers).json()}
    grant(client, "hr.user", types[ID_CARD]["resource_id"])
    headers = login(client, "hr.user")
    listed = client.post(
        "/api/v1/certificates/holders", headers=headers, json={"purpose": PURPOSE, "holder_code": holder}
    )
    assert [c["identifier"] for c in listed.json()["certificates"]] == [identifier]
    assert verify_receipt(
        Receipt.from_header(listed.headers["x-govshare-receipt"]), node_keypair().public_key, listed.content
    ).ok
    fetched = client.post(f"/api/v1/certificates/{identifier}/fetch", headers=headers, json={"purpose": PURPOSE})
    assert fetched.status_code == 200, fetched.text
    body = fetched.json()
    assert body["complete"] is True
    assert client.post(
        "/api/v1/certificates/verify", json={"certificate": body["certificate"], "signature": body["signature"]}
    ).json()["ok"]
    pdf = client.post(
        f"/api/v1/certificates/{identifier}/fetch", headers=headers, json={"purpose": PURPOSE, "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.post(
        f"/api/v1/certificates/{identifier}/fetch", headers=headers, json={"purpose": PURPOSE, "format": "html"}
    )
    assert identifier in page.text and "<svg" in page.text
    with db.session() as session:
        calls = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "exchange.query", AuditRecord.outcome == "success")
        ).all()
        assert len(calls) == 4 and all(holder not in c.details for c in calls)


def _driving_licence(db: Database, province, n: int) -> str:  # type: ignore[no-untyped-def]
    from tests.base.conftest import ACTOR

    person = province.frames.persons.row(n, named=True)
    with db.session() as session:
        return certificates.issue(
            session,
            certificates.admin_principal(ACTOR),
            ACTOR,
            certificates.IssueRequest(
                "0501",
                person["公民身份号码"],
                person["姓名"],
                {"姓名": person["姓名"], "准驾车型": "C1", "初次领证日期": "2015-06-01", "住址": person["住址"]},
            ),
        ).identifier


def test_certificates_signed_before_a_suite_switch_and_a_rotation_still_verify(
    db: Database, province, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govshare.orgs import node_keys
    from tests.base.conftest import ACTOR

    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", "intl")
    reset_settings_cache()
    under_intl = _driving_licence(db, province, 1)
    monkeypatch.setenv("GOVSHARE_CRYPTO_SUITE", "sm")
    reset_settings_cache()
    under_sm = _driving_licence(db, province, 2)
    with db.session() as session:
        node_keys.rotate(session, ACTOR)
    after_rotation = _driving_licence(db, province, 3)
    with db.session() as session:
        suites = {i: certificates.find(session, i).suite for i in (under_intl, under_sm, after_rotation)}  # type: ignore[union-attr]
        assert suites == {under_intl: "intl", under_sm: "sm", after_rotation: "sm"}
        for identifier in (under_intl, under_sm, after_rotation):
            assert certificates.verify(session, identifier).ok, identifier
        old = certificates.find(session, under_intl)
        old.data = {**old.data, "准驾车型": "A1"}  # type: ignore[union-attr]
    with db.session() as session:
        tampered = certificates.verify(session, under_intl)
        assert tampered.status == "tampered" and "altered" in tampered.reasons[0][0]
        # claiming another key of the history does not make a signature verify
        cert = certificates.find(session, under_sm)
        cert.key_id = certificates.find(session, after_rotation).key_id  # type: ignore[union-attr]  # noqa: E501
    with db.session() as session:
        assert certificates.verify(session, under_sm).status == "tampered"
