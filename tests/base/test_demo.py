"""The issue's 'done when', on the demo province: 人社厅 (granted by the demo) verifies a citizen,
lists and verifies the citizen's certificates and looks up an enterprise by credit code, all
through the exchange and all audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govshare.base.models import Certificate, CertificateType
from govshare.core.audit import Actor, AuditRecord
from govshare.core.db import Database
from govshare.demo.generator import DEMO_PASSWORD, build_demo
from tests.factories import login

PURPOSE = "社会保险参保登记中核验参保人身份"


def test_demo_department_verifies_lists_and_looks_up(client: TestClient, db: Database) -> None:
    with db.session() as session:
        build_demo(session, Actor.system("demo"), seed=3, scale="tiny")
    with db.session() as session:
        card = session.scalars(select(Certificate).join(CertificateType).where(CertificateType.code == "0101")).first()
        holder, name = card.holder_code, card.holder_name  # type: ignore[union-attr]
        licence = session.scalars(
            select(Certificate).join(CertificateType).where(CertificateType.code == "0301")
        ).first()
        credit_code = licence.holder_code  # type: ignore[union-attr]
        before = session.scalar(select(func.count()).select_from(AuditRecord))
    headers = login(client, "zj-rs.user", DEMO_PASSWORD)
    verified = client.post(
        "/api/v1/base/persons/verify", headers=headers, json={"purpose": PURPOSE, "id_number": holder, "name": name}
    )
    assert verified.status_code == 200 and verified.json()["match"] is True
    listed = client.post(
        "/api/v1/certificates/holders", headers=headers, json={"purpose": PURPOSE, "holder_code": holder}
    )
    assert listed.status_code == 200
    identifiers = [c["identifier"] for c in listed.json()["certificates"]]
    assert card.identifier in identifiers  # type: ignore[union-attr]
    for identifier in identifiers:
        assert client.get(f"/api/v1/certificates/{identifier}/verify").json()["ok"]
    enterprise = client.get(f"/api/v1/base/legal-persons/{credit_code}", headers=headers, params={"purpose": PURPOSE})
    assert enterprise.status_code == 200 and enterprise.json()["rows"][0]["机构名称"] == licence.holder_name  # type: ignore
    with db.session() as session:
        calls = session.scalars(
            select(AuditRecord).where(
                AuditRecord.id > before, AuditRecord.action.in_(("exchange.verify", "exchange.query"))
            )
        ).all()
        assert len(calls) >= 3 and all(c.purpose == PURPOSE for c in calls)
