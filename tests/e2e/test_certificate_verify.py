"""Anyone scans a certificate's QR code (or types its identifier) on the public verification
page: the police issues an ID card, the page says it is authentic; after one stored field is
changed the same page says the certificate was altered."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from govshare.base import certificates
from govshare.base.build import prepare
from govshare.base.models import Certificate
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.standards.identifiers import make_citizen_id

pytestmark = pytest.mark.e2e
ACTOR = Actor.system("e2e")


def _issue(db: Database) -> str:
    from datetime import date

    prepare(db, ACTOR)
    holder = make_citizen_id("330106", date(1990, 5, 17), 123)
    with db.session() as session:
        cert = certificates.issue(
            session,
            certificates.admin_principal(ACTOR),
            ACTOR,
            certificates.IssueRequest(
                "0101",
                holder,
                "陈晓燕",
                {
                    "姓名": "陈晓燕",
                    "性别": "男",
                    "民族": "汉",
                    "出生日期": "1990-05-17",
                    "住址": "浙江省杭州市西湖区文三路1号",
                    "签发机关": "杭州市公安局西湖分局",
                },
            ),
        )
        return cert.identifier


def test_verify_by_identifier_then_see_a_tampered_one_rejected(
    page,
    live_server: str,
    db: Database,  # type: ignore[no-untyped-def]
    world,
) -> None:
    identifier = _issue(db)
    page.goto(f"{live_server}/certificates/verify")
    page.fill("#cert-id", identifier)
    page.keyboard.press("Enter")  # keyboard only
    result = page.locator("#verify-result")
    result.wait_for()
    assert result.get_attribute("data-status") == "valid"
    assert "真实有效" in result.inner_text() and "陈*" in result.inner_text()

    with db.session() as session:
        session.execute(update(Certificate).where(Certificate.identifier == identifier).values(trust_grade="B"))
    page.goto(f"{live_server}/certificates/verify?id={identifier}")
    result = page.locator("#verify-result")
    assert result.get_attribute("data-status") == "tampered"
    assert "篡改" in result.inner_text()
