"""Base pages: the overview for signed-in users, the public verification page, the issuer's view."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from govshare.base.models import Certificate
from govshare.core.db import Database
from tests.base.test_certificates import _id_card
from tests.factories import login


def test_overview_lists_libraries_and_types(client: TestClient, province) -> None:
    login(client, "hr.user")
    page = client.get("/base", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "自然人基础信息库" in page.text and "300" in page.text and "居民身份证" in page.text
    assert "<script>" not in page.text and "data-chart" in page.text
    english = client.get("/base?lang=en")
    assert "Base libraries" in english.text and "Resident identity card" in english.text


def test_public_verification_page_shows_valid_then_tampered(client: TestClient, db: Database, province) -> None:
    identifier = _id_card(client, province)["certificate"]["identifier"]
    client.cookies.clear()
    valid = client.get(f"/certificates/verify?id={identifier}")
    assert valid.status_code == 200 and 'data-status="valid"' in valid.text and "真实有效" in valid.text
    assert province.frames.persons["公民身份号码"][0] not in valid.text  # the holder is masked
    with db.session() as session:
        session.execute(update(Certificate).where(Certificate.identifier == identifier).values(holder_name="李四"))
    tampered = client.get(f"/certificates/verify?id={identifier}")
    assert 'data-status="tampered"' in tampered.text and "篡改" in tampered.text
    unknown = client.get("/certificates/verify?id=ABC")
    assert 'data-status="unknown"' in unknown.text


def test_issuer_sees_the_rendered_copy_others_do_not(client: TestClient, province) -> None:
    identifier = _id_card(client, province)["certificate"]["identifier"]
    login(client, "police.officer")
    page = client.get(f"/certificates/view/{identifier}")
    assert page.status_code == 200 and "居民身份证" in page.text and "srcdoc" in page.text
    login(client, "hr.officer")
    assert client.get(f"/certificates/view/{identifier}").status_code == 404
