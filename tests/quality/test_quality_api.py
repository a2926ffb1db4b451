"""A data officer uploads a file through the API and pages; reports are stored, audited and
visible to their department only."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import AuditRecord
from govshare.core.db import Database
from govshare.quality import resources
from govshare.quality.schema import to_table_schema
from tests.factories import login
from tests.quality.helpers import people, person_schema, write_csv


def _files(tmp_path: Path, rows: list[list[str]], encoding: str = "utf-8") -> dict:
    csv = write_csv(tmp_path / "persons.csv", rows, encoding=encoding).read_bytes()
    schema = json.dumps(to_table_schema(person_schema()), ensure_ascii=False).encode()
    return {"file": ("户籍人口.csv", csv, "text/csv"), "schema_file": ("schema.json", schema, "application/json")}


def _bad_rows() -> list[list[str]]:
    rows = people(5)
    rows[3][0] = rows[3][0][:17] + ("0" if rows[3][0][17] != "0" else "1")
    return rows


def test_officer_checks_a_gbk_file_and_the_report_is_stored_and_audited(
        client: TestClient, world, db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    response = client.post("/api/v1/quality/check", files=_files(tmp_path, _bad_rows(), "gbk"), headers=headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["file"]["name"] == "户籍人口.csv" and report["file"]["encoding"] == "gbk"
    assert report["ok"] is False and report["errors"] == 1
    bad = next(s for s in report["samples"] if s["rule"] == "gb11643.check_digit")
    assert bad["row"] == 5 and "********" in bad["value"]
    stored = client.get(f"/api/v1/quality/reports/{report['id']}").json()
    assert stored["score"] == report["score"]
    with db.session() as session:
        actions = [r.action for r in session.scalars(select(AuditRecord).where(AuditRecord.actor == "hr.officer"))]
    assert "quality.check" in actions and "quality.report.read" in actions
    html = client.get(f"/api/v1/quality/reports/{report['id']}", params={"format": "html"})
    assert html.status_code == 200 and "质量报告" in html.text
    xlsx = client.get(f"/api/v1/quality/reports/{report['id']}", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_other_departments_do_not_see_the_report(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    report_id = client.post("/api/v1/quality/check", files=_files(tmp_path, people(2)), headers=headers).json()["id"]
    client.cookies.clear()
    login(client, "police.officer")
    assert client.get(f"/api/v1/quality/reports/{report_id}").status_code == 404
    assert client.get("/api/v1/quality/reports").json() == []
    client.cookies.clear()
    login(client, "admin")
    assert [r["id"] for r in client.get("/api/v1/quality/reports").json()] == [report_id]


def test_consumer_may_not_check(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.user")
    response = client.post("/api/v1/quality/check", files=_files(tmp_path, people(2)), headers=headers)
    assert response.status_code == 403


def test_unknown_resource_code_is_named(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    files = {"file": _files(tmp_path, people(2))["file"]}
    response = client.post("/api/v1/quality/check", files=files, data={"resource_code": "R-001"}, headers=headers)
    assert response.status_code == 404
    assert "R-001 is not in the catalog" in response.json()["error"]["message"]


def test_resource_history_through_a_schema_provider(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def provider(session, code):  # type: ignore[no-untyped-def]
        return person_schema() if code == "330000/RK-001" else None

    resources.register_schema_provider(provider)
    try:
        headers = login(client, "hr.officer")
        files = {"file": _files(tmp_path, people(3))["file"]}
        for _ in range(2):
            response = client.post("/api/v1/quality/check", files=files, data={"resource_code": "330000/RK-001"},
                                   headers=headers)
            assert response.status_code == 200, response.text
        history = client.get("/api/v1/quality/history/330000/RK-001")
        assert history.status_code == 200
        assert len(history.json()) == 2
        page = client.get("/quality/history/330000/RK-001")
        assert page.status_code == 200 and "data-chart" in page.text
    finally:
        resources.unregister_schema_provider(provider)


def test_upload_page_shows_the_report(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    page = client.get("/quality")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and "htmx-indicator" in page.text
    response = client.post("/quality/check", files=_files(tmp_path, _bad_rows(), "gbk"),
                           data={"csrf_token": headers["x-csrf-token"]})
    assert response.status_code == 200
    assert "校验码应为" in response.text and "GBK" in response.text.upper()
    assert "<script>" not in response.text  # strict CSP: no inline scripts


def test_upload_page_without_schema_shows_the_error(client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    files = {"file": _files(tmp_path, people(1))["file"]}
    response = client.post("/quality/check", files=files, data={"csrf_token": headers["x-csrf-token"]})
    assert response.status_code == 422 and "Table Schema" in response.text


def test_report_pages_uploads_and_downloads_are_not_stored_by_browsers(
        client: TestClient, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Reports hold personal data (masked, still personal): no page, upload answer or
    download of them may be kept in a browser or proxy cache."""
    headers = login(client, "hr.officer")
    answers = {"upload page": client.get("/quality")}
    answers["upload result"] = client.post("/quality/check", files=_files(tmp_path, _bad_rows()),
                                           data={"csrf_token": headers["x-csrf-token"]})
    answers["refused upload"] = client.post("/quality/check", files={"file": _files(tmp_path, people(1))["file"]},
                                            data={"csrf_token": headers["x-csrf-token"]})
    report_id = client.post("/api/v1/quality/check", files=_files(tmp_path, _bad_rows()), headers=headers).json()["id"]
    answers["stored report page"] = client.get(f"/quality/reports/{report_id}")
    answers["history page"] = client.get("/quality/history/330000/RK-001")
    for fmt in ("json", "html", "xlsx"):
        answers[f"{fmt} download"] = client.get(f"/api/v1/quality/reports/{report_id}", params={"format": fmt})
    for what, response in answers.items():
        assert response.status_code in (200, 422), (what, response.status_code)
        assert response.headers.get("cache-control") == "no-store", what
    assert client.get("/standards").headers.get("cache-control") != "no-store"  # only where reports are
