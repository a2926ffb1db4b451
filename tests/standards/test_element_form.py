"""The authority adds and versions single data elements: on a page (CSRF, validation messages)
and through the API, with the registry's versioning rules and an audit record either way."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import Actor, AuditRecord
from govshare.core.db import Database
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.standards import registry
from tests.factories import login

ACTOR = Actor.system("test")
PLATE = {"identifier": "DE9001", "version": "1.0", "name_zh": "机动车号牌号码", "name_en": "Plate number",
         "definition": "公安机关核发的机动车号牌号码", "data_type": "string", "format": "c..8",
         "domain_kind": "pattern", "domain": "^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$",
         "source_standard": "GA 36-2018", "personal": ""}


def test_add_then_version_then_refuse_a_silent_change(db: Database) -> None:
    with db.session() as session:
        added = registry.save_element(session, ACTOR, PLATE)
        assert added.outcome == "added" and added.definition.format == "c..8" and added.definition.personal is None
        assert registry.save_element(session, ACTOR, PLATE, identifier="DE9001").outcome == "unchanged"
        with pytest.raises(Conflict) as same_version:
            registry.save_element(session, ACTOR, {**PLATE, "name_en": "Vehicle plate"}, identifier="DE9001")
        assert same_version.value.field == "version"
        versioned = registry.save_element(session, ACTOR, {**PLATE, "version": "1.1", "name_en": "Vehicle plate"},
                                          identifier="DE9001")
        assert versioned.outcome == "versioned" and versioned.superseded == ["DE9001@1.0"]
        assert [(v.version, v.status) for v in registry.element_versions(session, "DE9001")] == [
            ("1.0", "superseded"), ("1.1", "current")]
        assert registry.get_element(session, "DE9001").name_en == "Vehicle plate"
        with pytest.raises(Conflict):  # adding an identifier that exists
            registry.save_element(session, ACTOR, {**PLATE, "version": "2.0"})
        with pytest.raises(NotFound):  # a new version of an element nobody added
            registry.save_element(session, ACTOR, PLATE, identifier="DE9999")
        session.commit()
    with db.session() as session:
        actions = [(r.action, r.object_id) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "data_element"))]
    assert ("standards.element.add", "DE9001") in actions and ("standards.element.version", "DE9001") in actions


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"identifier": "DE 90"}, "identifier", "letters, digits"),
    ({"name_zh": ""}, "name_zh", "name_zh is required"),
    ({"data_type": "text"}, "data_type", "data_type must be one of"),
    ({"format": "x12"}, "format", "is not a notation"),
    ({"domain": "[0-9"}, "domain", "not a regular expression"),
    ({"domain": "(?=a)a"}, "domain", "not a regular expression"),  # Python accepts it, polars does not
    ({"domain_kind": "range", "domain": "10..1"}, "domain", "low..high"),
    ({"domain_kind": "range", "domain": "ten"}, "domain", "low..high"),
    ({"domain_kind": "", "domain": "abc"}, "domain_kind", "needs its kind"),
    ({"domain_kind": "validator", "domain": "luhn"}, "domain", "validator must be one of"),
    ({"domain_kind": "code_table", "domain": "GB/T 0000"}, "domain", "not registered"),
    ({"personal": "face"}, "personal", "personal data kind"),
    ({"version": "v" * 31}, "version", "longer than 30"),
])
def test_bad_definitions_name_the_field(db: Database, change: dict, field: str, words: str) -> None:
    with db.session() as session, pytest.raises(InvalidInput) as refused:
        registry.save_element(session, ACTOR, {**PLATE, **change})
    assert refused.value.field == field and words in refused.value.message


def test_a_range_may_leave_out_one_bound(db: Database) -> None:
    with db.session() as session:
        saved = registry.save_element(session, ACTOR, {**PLATE, "identifier": "DE9002", "data_type": "number",
                                                       "format": "", "domain_kind": "range", "domain": "0.."})
        spec = registry.field_spec(saved.definition, lambda t: None)
    assert spec.minimum == 0 and spec.maximum is None


def _csrf(client: TestClient) -> str:
    return client.get("/", headers={"accept": "text/html"}).text.split(
        'name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_the_form_adds_and_versions_an_element(client: TestClient, world, db: Database) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "admin")
    page = client.get("/standards/elements/new")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and 'id="domain_kind"' in page.text
    form = {**PLATE, "csrf_token": headers["x-csrf-token"]}
    assert client.post("/standards/elements/new", data={**form, "csrf_token": "forged"}).status_code == 403
    bad = client.post("/standards/elements/new", data={**form, "format": "x12"}, follow_redirects=False)
    assert bad.status_code == 422 and "表示格式“x12”无效" in bad.text
    assert 'id="format" name="format"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="机动车号牌号码"' in bad.text  # what was typed is kept
    done = client.post("/standards/elements/new", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/standards/elements/DE9001?version=1.0")
    shown = client.get(done.headers["location"])
    assert "数据元已新增" in shown.text and 'id="edit-element"' in shown.text
    edit = client.get("/standards/elements/DE9001/edit")
    assert edit.status_code == 200 and "GA 36-2018" in edit.text and "readonly" in edit.text
    silent = client.post("/standards/elements/DE9001/edit", data={**form, "name_en": "Vehicle plate"})
    assert silent.status_code == 409 and "已存在且内容不同" in silent.text
    renamed = client.post("/standards/elements/DE9001/edit",
                          data={**form, "identifier": "DE0101", "version": "1.1", "name_en": "Vehicle plate"},
                          follow_redirects=False)
    assert renamed.status_code == 303 and "/standards/elements/DE9001?version=1.1" in renamed.headers["location"]
    assert client.get("/api/v1/standards/elements/DE0101").json()["name_en"] != "Vehicle plate"
    assert client.get("/api/v1/standards/elements/DE9001").json()["versions"] == ["1.0", "1.1"]
    with db.session() as session:
        records = [(r.action, r.outcome) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.actor == "admin", AuditRecord.object_type == "data_element"))]
    assert ("standards.element.add", "success") in records and ("standards.element.version", "success") in records
    assert records.count(("standards.element.save", "failure")) == 2  # the bad format, the silent change


def test_only_the_authority_edits(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "hr.officer")
    assert client.get("/standards/elements/new").status_code == 403
    assert client.get("/standards/elements/DE0101/edit").status_code == 403
    assert 'id="edit-element"' not in client.get("/standards/elements/DE0101").text
    assert client.post("/standards/elements/new", data={**PLATE, "csrf_token": _csrf(client)}).status_code == 403
    assert client.post("/api/v1/standards/elements", json=PLATE,
                       headers={"x-csrf-token": _csrf(client)}).status_code == 403


def test_the_api_adds_and_versions_an_element(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "admin")
    added = client.post("/api/v1/standards/elements", json=PLATE, headers=headers)
    assert added.status_code == 201 and added.json()["outcome"] == "added"
    body = {k: v for k, v in PLATE.items() if k != "identifier"}
    assert client.put("/api/v1/standards/elements/DE9001", json=body, headers=headers).status_code == 200
    conflict = client.put("/api/v1/standards/elements/DE9001", json={**body, "definition": "改"}, headers=headers)
    assert conflict.status_code == 409 and conflict.json()["error"]["field"] == "version"
    bad = client.put("/api/v1/standards/elements/DE9001", json={**body, "version": "2", "domain": "[0-9"},
                     headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "domain"
    versioned = client.put("/api/v1/standards/elements/DE9001", json={**body, "version": "2", "definition": "改"},
                           headers=headers)
    assert versioned.status_code == 201 and versioned.json()["superseded"] == ["DE9001@1.0"]
    assert client.get("/api/v1/standards/elements/DE9001").json()["definition"] == "改"
