"""Chinese search: words, abbreviations, one- and two-character queries, facets, filters,
sorting, highlighting, paging, and hostile input treated as text."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.catalog.conftest import entry, publish
from tests.factories import login


@pytest.fixture
def catalog(client: TestClient, world) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    made = {
        "insurance": publish(client, "hr.officer", entry("社会保险参保信息")),
        "jobs": publish(
            client,
            "hr.officer",
            entry(
                "就业登记信息",
                summary="劳动者就业与失业登记。",
                share_type="unconditional",
                share_conditions="",
                open=True,
                open_conditions="脱敏后开放",
            ),
        ),
        "household": publish(
            client,
            "police.officer",
            entry(
                "户籍人口基本信息",
                catalog="base",
                class_code="101001",
                share_type="unconditional",
                share_conditions="",
                summary="常住户籍人口的基本信息，税务、社保等部门共享使用。",
                items=[
                    {
                        "name": "公民身份号码",
                        "data_type": "string",
                        "length": 18,
                        "element_code": "DE0101",
                    }
                ],
            ),
        ),
        "vehicles": publish(
            client, "police.officer", entry("机动车驾驶证信息", summary="驾驶证核发与记分。")
        ),
    }
    login(client, "police.user")
    return made


def _search(client: TestClient, **params: object) -> dict:
    response = client.get("/api/v1/catalog/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _names(result: dict) -> set[str]:
    return {hit["name"] for hit in result["items"]}


def test_words_and_segmentation(client: TestClient, catalog) -> None:
    assert _names(_search(client, q="参保")) == {"社会保险参保信息"}
    assert _names(_search(client, q="户籍人口")) == {"户籍人口基本信息"}
    assert _names(_search(client, q="人口 驾驶证")) == set()  # every word must match


def test_abbreviations_from_the_dictionary(client: TestClient, catalog) -> None:
    found = _search(client, q="社保")
    assert "社会保险参保信息" in _names(found)
    assert "户籍人口基本信息" in _names(found)  # its summary says 社保 literally
    assert ["社保", "社会保险", "社会保障"] in found["terms"]
    assert _names(_search(client, q="人社厅")) == {
        "社会保险参保信息",
        "就业登记信息",
    }  # the provider's name
    assert _names(_search(client, q="驾照")) == {"机动车驾驶证信息"}


def test_one_and_two_character_queries(client: TestClient, catalog) -> None:
    assert _names(_search(client, q="税")) == {"户籍人口基本信息"}
    assert _names(_search(client, q="就业")) == {"就业登记信息"}
    assert _names(_search(client, q="户")) == {"户籍人口基本信息"}


def test_dictionary_edits_apply_at_once(client: TestClient, catalog) -> None:
    assert _names(_search(client, q="车管")) == set()
    admin = login(client, "admin")
    response = client.put(
        "/api/v1/catalog/terms/车管", json={"expansions": ["机动车", "驾驶证"]}, headers=admin
    )
    assert response.status_code == 200
    assert _names(_search(client, q="车管")) == {"机动车驾驶证信息"}
    assert client.delete("/api/v1/catalog/terms/驾照", headers=admin).status_code == 204
    assert _names(_search(client, q="驾照")) == set()
    assert (
        login(client, "hr.officer")
        and client.put(
            "/api/v1/catalog/terms/x",
            json={"expansions": ["y"]},
            headers=login(client, "hr.officer"),
        ).status_code
        == 403
    )


def test_facets_filters_sorting_paging(client: TestClient, catalog, world) -> None:
    everything = _search(client)
    assert everything["total"] == 4
    providers = {f["label"]: f["count"] for f in everything["facets"]["provider"]}
    assert providers == {world.hr.name: 2, world.police.name: 2}
    assert {f["value"]: f["count"] for f in everything["facets"]["catalog"]} == {
        "department": 3,
        "base": 1,
    }
    assert {f["value"] for f in everything["facets"]["open"]} == {"true", "false"}
    only_open = _search(client, open="true")
    assert _names(only_open) == {"就业登记信息"}
    assert _names(_search(client, share_type="unconditional", provider=world.police.id)) == {
        "户籍人口基本信息"
    }
    assert _names(_search(client, **{"class": "101"})) == {"户籍人口基本信息"}
    assert _search(client, region="330000")["total"] == 4
    assert _search(client, region="330100")["total"] == 0
    by_name = _search(client, sort="name")
    assert [h["name"] for h in by_name["items"]] == sorted(h["name"] for h in by_name["items"])
    first, second = (
        _search(client, sort="code", limit=2),
        _search(client, sort="code", limit=2, offset=2),
    )
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert not _names(first) & _names(second)


def test_matches_are_highlighted_and_escaped(client: TestClient, catalog) -> None:
    hit = _search(client, q="社保")["items"]
    insurance = next(h for h in hit if h["name"] == "社会保险参保信息")
    assert "<mark>社会保险</mark>" in insurance["name_html"]
    page = client.get("/catalog", params={"q": "<script>社保"}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "<script>社保" not in page.text


def test_empty_query_lists_everything_and_long_query_is_refused(
    client: TestClient, catalog
) -> None:
    assert _search(client, q="")["total"] == 4
    assert _search(client, q="   ")["total"] == 4
    response = client.get("/api/v1/catalog/search", params={"q": "社" * 1000})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "q"
    assert "100" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "hostile",
    [
        '社保" OR "1',
        "社保 OR 驾驶证",
        "NEAR(社保 驾驶证)",
        "社保*",
        "^社保",
        "社保'; DROP TABLE catalog_resource; --",
        "1' OR '1'='1",
        "社保 & 驾驶证 | !",
        "column:社保",
        '"""',
        "( ) : * ^ - +",
    ],
)
def test_operators_and_sql_are_plain_text(client: TestClient, catalog, hostile: str) -> None:
    result = _search(client, q=hostile)
    assert "机动车驾驶证信息" not in _names(result)  # no OR, NEAR, column filter or SQL took effect
    assert _search(client)["total"] == 4  # the table is still there


def test_business_system_searches_with_a_catalog_token(client: TestClient, catalog, world) -> None:
    admin = login(client, "admin")
    made = client.post(
        "/api/v1/clients",
        json={"name": "审批系统", "department_id": world.police.id},
        headers=admin,
    )
    token = client.post(
        f"/api/v1/clients/{made.json()['id']}/tokens", json={"scopes": ["catalog"]}, headers=admin
    ).json()["token"]
    client.cookies.clear()
    found = client.get(
        "/api/v1/catalog/search", params={"q": "社保"}, headers={"authorization": f"Bearer {token}"}
    )
    assert found.status_code == 200 and found.json()["total"] >= 1
    refused = client.post(
        "/api/v1/catalog/resources", json=entry(), headers={"authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("words", "matches"),
    [(["信息"], True), (["户"], True), (["社会保险"], True), (["人口", "税务"], True),
     (["驾驶证"], True), (["就业", "保险"], False), (["地质灾害"], False)],
)
def test_in_memory_index_agrees_with_the_backend_index(db, catalog, words: list[str], matches: bool) -> None:
    """The search matches words in memory (postings.py); the backend's own full-text index
    (FTS5 or tsvector, still used by the open-data portal) must find the same resources."""
    from sqlalchemy import text

    from govshare.catalog import facets, fulltext, postings, segment

    query = [[segment.word_tokens(w)] for w in words]
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        idx = facets.index(session)
        tokens = postings.index(session, idx.generation, idx.ids)
        for in_name in (False, True):
            found = session.execute(
                text(fulltext.match_sql(dialect, in_name)), {"q": fulltext.query_text(dialect, query)}
            ).scalar()
            expected = sorted(int(i) for i in (found or "").split(",") if i)
            assert sorted(int(i) for i in idx.ids[tokens.match(query, in_name)]) == expected
        assert tokens.match(query).any() == matches


def test_a_publication_reaches_the_in_memory_index(client: TestClient, catalog) -> None:
    assert _search(client, q="地质灾害")["total"] == 0
    publish(client, "police.officer", entry("地质灾害隐患点信息"))
    assert _names(_search(client, q="地质灾害")) == {"地质灾害隐患点信息"}
