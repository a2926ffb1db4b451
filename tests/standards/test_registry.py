"""The data-element and code-table registry: shipped content, versions, import and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import Conflict, InvalidInput
from govshare.standards import registry
from tests.factories import login

ADMIN = Actor.system("test")


def test_shipped_elements_and_code_tables(db: Database) -> None:
    with db.session() as session:
        names = {e.identifier: e.name_zh for e in registry.list_elements(session)}
        ethnic = registry.get_code_table(session, "GB/T 3304")
        gender = registry.get_code_table(session, "GB/T 2261.1")
    for identifier in ("DE0101", "DE0102", "DE0103", "DE0104", "DE0105", "DE0106", "DE0107", "DE0108",
                       "DE0201", "DE0202", "DE0203", "DE0204", "DE0205", "DE0901", "DE0904"):
        assert identifier in names
    nationalities = [e for e in ethnic.entries if "01" <= e["code"] <= "56"]
    assert len(nationalities) == 56 and nationalities[0]["name_zh"] == "汉族"
    assert gender.codes() == ["0", "1", "2", "9"]


def test_a_new_version_supersedes_and_a_silent_change_is_refused(db: Database) -> None:
    with db.session() as session:
        element = registry.get_element(session, "DE0108").content()
    changed = {**element, "domain": "^1[3-9][0-9]{9}$|^0[0-9]{9,11}$", "name_en": "Phone number"}
    with db.session() as session, pytest.raises(Conflict) as caught:
        registry.import_bundle(session, ADMIN, {"elements": [changed]})
    assert "new version" in caught.value.message
    with db.session() as session:
        result = registry.import_bundle(session, ADMIN, {"elements": [{**changed, "version": "2"}]})
    assert result.added == ["DE0108@2"] and result.superseded == ["DE0108@1"]
    with db.session() as session:
        assert registry.get_element(session, "DE0108").version == "2"
        assert registry.get_element(session, "DE0108", "1").status == "superseded"
        assert registry.field_lookup(session)("DE0108").pattern.startswith("^1[3-9]")  # type: ignore[union-attr]


def test_bad_definitions_are_named(db: Database) -> None:
    with db.session() as session, pytest.raises(InvalidInput) as caught:
        registry.import_bundle(session, ADMIN, {"code_tables": [
            {"identifier": "T1", "version": "1", "name_zh": "测试", "entries": [{"code": "1", "name_zh": "a"},
                                                                              {"code": "1", "name_zh": "b"}]}]})
    assert "appear twice" in caught.value.message
    with db.session() as session, pytest.raises(InvalidInput) as caught:
        registry.import_bundle(session, ADMIN, {"elements": [
            {"identifier": "X1", "version": "1", "name_zh": "x", "data_type": "code", "domain": "T9"}]})
    assert caught.value.field == "data_type"


def test_xlsx_round_trip_keeps_codes_as_text(db: Database) -> None:
    with db.session() as session:
        bundle = registry.export_bundle(session)
    back = registry.bundle_from_xlsx(registry.export_xlsx(bundle))
    ethnic = next(t for t in back["code_tables"] if t["identifier"] == "GB/T 3304")
    assert ethnic["entries"][0]["code"] == "01"  # not 1
    with db.session() as session:
        result = registry.import_bundle(session, ADMIN, back)
    assert not result.added and len(result.unchanged) == len(bundle["elements"]) + len(bundle["code_tables"])


def test_api_lists_and_only_the_administrator_imports(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "hr.user")
    elements = client.get("/api/v1/standards/elements", params={"q": "身份"}).json()
    assert [e["identifier"] for e in elements] == ["DE0101"]
    table = client.get("/api/v1/standards/code-tables/GB/T 2261.1").json()
    assert [e["code"] for e in table["entries"]] == ["0", "1", "2", "9"]
    new = {"code_tables": [{"identifier": "GS-TEST", "version": "1", "name_zh": "测试",
                            "entries": [{"code": "A", "name_zh": "甲"}]}]}
    files = {"file": ("t.json", json.dumps(new).encode(), "application/json")}
    headers = {"x-csrf-token": client.get("/", headers={"accept": "text/html"}).text
               .split('name="csrf-token" content="', 1)[1].split('"', 1)[0]}
    assert client.post("/api/v1/standards/import", files=files, headers=headers).status_code == 403
    client.cookies.clear()
    headers = login(client, "admin")
    response = client.post("/api/v1/standards/import", files=files, headers=headers)
    assert response.status_code == 200 and response.json()["added"] == ["GS-TEST@1"]
    assert client.get("/api/v1/standards/export", params={"format": "xlsx"}).content[:2] == b"PK"
    page = client.get("/standards")
    assert page.status_code == 200 and "GS-TEST" in page.text and "公民身份号码" in page.text
    assert client.get("/standards/tables/GB/T 3304").status_code == 200
    assert client.get("/standards/elements/DE0104").status_code == 200


def test_cli_lists_shows_exports_and_imports(db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["standards", "elements", "--format", "json"])
    assert result.exit_code == 0 and any(e["identifier"] == "DE0103" for e in json.loads(result.stdout))
    result = runner.invoke(app, ["standards", "table", "GB/T 3304", "--format", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)["entries"]) == 58
    out = tmp_path / "registry.xlsx"
    assert runner.invoke(app, ["standards", "export", str(out)]).exit_code == 0
    result = runner.invoke(app, ["standards", "import", str(out), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == []
    result = runner.invoke(app, ["standards", "element", "DE9999"])
    assert result.exit_code == 1 and "DE9999" in result.output
