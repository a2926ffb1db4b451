"""The authority adds a code table and adds, renames and retires its codes, on a page (CSRF,
validation messages) and through the API: each change is the table's next version, audited,
and the quality engine follows the current version."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.core.audit import Actor, AuditRecord
from govshare.core.db import Database
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.standards import registry
from tests.factories import login

ACTOR = Actor.system("test")
PLATES = {"identifier": "GA/T 16.7", "version": "1", "name_zh": "机动车号牌种类代码", "name_en": "Plate kinds",
          "source_standard": "GA/T 16.7-2012",
          "entries": [{"code": "01", "name_zh": "大型汽车号牌", "name_en": "Large vehicle"},
                      {"code": "02", "name_zh": "小型汽车号牌", "name_en": "Small vehicle"},
                      {"code": "03", "name_zh": "使馆汽车号牌", "name_en": "Embassy vehicle"}]}
SECOND = {**PLATES, "version": "2",
          "entries": [{"code": "01", "name_zh": "大型汽车号牌", "name_en": "Large motor vehicle"},
                      {"code": "02", "name_zh": "小型汽车号牌", "name_en": "Small vehicle"},
                      {"code": "52", "name_zh": "新能源小型汽车号牌", "name_en": "New-energy small vehicle"}]}


def test_add_version_retire_and_refuse_reuse(db: Database) -> None:
    with db.session() as session:
        added = registry.save_code_table(session, ACTOR, PLATES)
        assert added.outcome == "added" and added.codes == {"added": ["01", "02", "03"], "renamed": [], "retired": []}
        again = registry.save_code_table(session, ACTOR, PLATES, identifier="GA/T 16.7")
        assert again.outcome == "unchanged" and again.codes == {"added": [], "renamed": [], "retired": []}
        with pytest.raises(Conflict) as silent:
            registry.save_code_table(session, ACTOR, {**SECOND, "version": "1"}, identifier="GA/T 16.7")
        assert silent.value.field == "version"
        versioned = registry.save_code_table(session, ACTOR, SECOND, identifier="GA/T 16.7")
        assert versioned.outcome == "versioned" and versioned.superseded == ["GA/T 16.7@1"]
        assert versioned.codes == {"added": ["52"], "renamed": ["01"], "retired": ["03"]}
        assert registry.get_code_table(session, "GA/T 16.7").codes() == ["01", "02", "52"]
        assert registry.get_code_table(session, "GA/T 16.7", "1").codes() == ["01", "02", "03"]  # history kept
        assert list(registry.retired_codes(session, "GA/T 16.7")) == ["03"]
        reuse = {**SECOND, "version": "3", "entries": [*SECOND["entries"], {"code": "03", "name_zh": "警用号牌"}]}
        with pytest.raises(InvalidInput) as reused:
            registry.save_code_table(session, ACTOR, reuse, identifier="GA/T 16.7")
        assert reused.value.field == "entries" and "not reused" in reused.value.message
        restored = {**SECOND, "version": "3", "entries": [*SECOND["entries"], PLATES["entries"][2]]}
        assert registry.save_code_table(session, ACTOR, restored, identifier="GA/T 16.7").codes["added"] == ["03"]
        with pytest.raises(Conflict):  # adding an identifier that exists
            registry.save_code_table(session, ACTOR, {**PLATES, "version": "9"})
        with pytest.raises(NotFound):
            registry.save_code_table(session, ACTOR, PLATES, identifier="GA/T 99")
        session.commit()
    with db.session() as session:
        records = [(r.action, r.details) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "code_table").order_by(AuditRecord.id))]
    actions = [a for a, _ in records]
    assert actions.count("standards.code_table.add") == 1 and actions.count("standards.code_table.version") == 2
    assert {"added": ["52"], "renamed": ["01"], "retired": ["03"]}.items() <= json.loads(records[1][1]).items()


def test_the_engine_follows_the_current_version(db: Database) -> None:
    with db.session() as session:
        registry.save_code_table(session, ACTOR, PLATES)
        registry.save_element(session, ACTOR, {"identifier": "DE9010", "version": "1", "name_zh": "号牌种类",
                                               "data_type": "string", "domain_kind": "code_table",
                                               "domain": "GA/T 16.7"})
        lookup = registry.field_lookup(session)
        assert lookup("DE9010").enum == ["01", "02", "03"]  # type: ignore[union-attr]
        registry.save_code_table(session, ACTOR, SECOND, identifier="GA/T 16.7")
        spec = registry.field_lookup(session)("DE9010")
    assert spec is not None and spec.enum == ["01", "02", "52"] and spec.code_table == "GA/T 16.7-2"


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"identifier": "GA/T 16.7/edit"}, "identifier", "letters, digits, spaces"),
    ({"identifier": "表"}, "identifier", "letters, digits, spaces"),
    ({"name_zh": ""}, "name_zh", "name_zh is required"),
    ({"version": "v" * 31}, "version", "longer than 30"),
    ({"entries": []}, "entries", "every entry needs a code"),
    ({"entries": [{"code": "01", "name_zh": ""}]}, "entries", "Chinese name"),
    ({"entries": [{"code": "01", "name_zh": "甲"}, {"code": "01", "name_zh": "乙"}]}, "entries", "appear twice"),
    ({"entries": [{"code": "0" * 61, "name_zh": "甲"}]}, "entries", "longer than 60"),
])
def test_bad_tables_name_the_field(db: Database, change: dict, field: str, words: str) -> None:
    with db.session() as session, pytest.raises(InvalidInput) as refused:
        registry.save_code_table(session, ACTOR, {**PLATES, **change})
    assert refused.value.field == field and words in refused.value.message


def _rows(entries: list[dict[str, str]], retire: tuple[int, ...] = ()) -> dict[str, str]:
    form = {"rows": str(len(entries))}
    for i, entry in enumerate(entries):
        form |= {f"{k}-{i}": entry.get(k, "") for k in ("code", "name_zh", "name_en")}
        form |= {f"retire-{i}": "1"} if i in retire else {}
    return form


def test_the_form_adds_a_table_then_renames_adds_and_retires_codes(client: TestClient, world,  # type: ignore[no-untyped-def]
                                                                    db: Database) -> None:
    headers = login(client, "admin")
    assert 'id="add-table"' in client.get("/standards").text
    page = client.get("/standards/tables/new")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and 'id="code-0"' in page.text
    fields = {k: v for k, v in PLATES.items() if k != "entries"}
    form = {**fields, **_rows(PLATES["entries"]), "csrf_token": headers["x-csrf-token"]}
    assert client.post("/standards/tables/new", data={**form, "csrf_token": "forged"}).status_code == 403
    bad = client.post("/standards/tables/new", data={**form, "name_zh-1": ""})
    assert bad.status_code == 422 and "每个代码都须有中文名称" in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="使馆汽车号牌"' in bad.text  # what was typed is kept
    done = client.post("/standards/tables/new", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/standards/tables/GA/T%2016.7?version=1&done=added"
    shown = client.get(done.headers["location"])
    assert "代码表已新增" in shown.text and 'id="edit-table"' in shown.text
    edit = client.get("/standards/tables/GA/T 16.7/edit")
    assert edit.status_code == 200 and "readonly" in edit.text and 'id="retire-2"' in edit.text
    rows = [SECOND["entries"][0], SECOND["entries"][1], PLATES["entries"][2], SECOND["entries"][2]]
    silent = client.post("/standards/tables/GA/T 16.7/edit", data={**form, **_rows(rows, retire=(2,))})
    assert silent.status_code == 409 and "已存在且内容不同" in silent.text
    saved = client.post("/standards/tables/GA/T 16.7/edit",
                        data={**form, "identifier": "GB/T 3304", "version": "2", **_rows(rows, retire=(2,))},
                        follow_redirects=False)
    assert saved.status_code == 303 and "/standards/tables/GA/T%2016.7?version=2" in saved.headers["location"]
    table = client.get("/api/v1/standards/code-tables/GA/T 16.7").json()
    assert [e["code"] for e in table["entries"]] == ["01", "02", "52"] and table["versions"] == ["1", "2"]
    assert table["retired"] == [{"code": "03", "name_zh": "使馆汽车号牌", "name_en": "Embassy vehicle"}]
    assert 'id="retired"' in client.get("/standards/tables/GA/T 16.7").text
    assert len(client.get("/api/v1/standards/code-tables/GB/T 3304").json()["entries"]) == 58  # untouched
    with db.session() as session:
        records = [(r.action, r.outcome) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.actor == "admin", AuditRecord.object_type == "code_table"))]
    assert ("standards.code_table.add", "success") in records
    assert ("standards.code_table.version", "success") in records
    assert records.count(("standards.code_table.save", "failure")) == 2  # the missing name, the silent change


def test_the_pages_answer_in_english(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    login(client, "admin")
    client.cookies.set("lang", "en")
    page = client.get("/standards/tables/GB/T 2261.1/edit", headers={"accept-language": "en"})
    assert page.status_code == 200 and "Retire" in page.text and "Edit code table" in page.text


def test_only_the_authority_changes_code_tables(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "hr.officer")
    assert client.get("/standards/tables/new").status_code == 403
    assert client.get("/standards/tables/GB/T 2261.1/edit").status_code == 403
    assert 'id="edit-table"' not in client.get("/standards/tables/GB/T 2261.1").text
    assert 'id="add-table"' not in client.get("/standards").text
    form = {**{k: v for k, v in PLATES.items() if k != "entries"}, **_rows(PLATES["entries"])}
    assert client.post("/standards/tables/new", data={**form, "csrf_token": headers["x-csrf-token"]}).status_code == 403
    assert client.post("/api/v1/standards/code-tables", json=PLATES, headers=headers).status_code == 403
    assert client.put("/api/v1/standards/code-tables/GB/T 2261.1", json=PLATES, headers=headers).status_code == 403


def test_the_api_adds_and_versions_a_code_table(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    headers = login(client, "admin")
    added = client.post("/api/v1/standards/code-tables", json=PLATES, headers=headers)
    assert added.status_code == 201 and added.json()["outcome"] == "added"
    assert added.json()["code_table"]["identifier"] == "GA/T 16.7"
    assert client.post("/api/v1/standards/code-tables", json=PLATES, headers=headers).status_code == 409
    body = {k: v for k, v in SECOND.items() if k != "identifier"}
    url = "/api/v1/standards/code-tables/GA/T 16.7"
    assert client.put(url, json={**body, "version": "1"}, headers=headers).status_code == 409
    assert client.put(url, json={**body, "entries": []}, headers=headers).status_code == 422
    assert client.put(url, json={**body, "entries": [{"code": "01"}]}, headers=headers).status_code == 422
    versioned = client.put(url, json=body, headers=headers)
    assert versioned.status_code == 201
    assert versioned.json()["codes"] == {"added": ["52"], "renamed": ["01"], "retired": ["03"]}
    assert client.put(url, json=body, headers=headers).status_code == 200  # resubmitted unchanged
    assert client.put("/api/v1/standards/code-tables/GA/T 99", json=body, headers=headers).status_code == 404
    assert client.get(url).json()["versions"] == ["1", "2"]
