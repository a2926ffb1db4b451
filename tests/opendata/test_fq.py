"""CKAN's fq beyond field:value AND terms: quoted values, OR within a field, parentheses for a
field's alternatives, negation; everything else a Search Query Error (400), never a 500. And
datastore_search's per-field q."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from govshare.opendata import fq
from tests.opendata.conftest import AIR_ITEMS, _publish, open_entry

FIELDS = {"organization", "groups", "frequency", "res_format"}


@pytest.mark.parametrize(
    "text,chosen,excluded",
    [
        ("", {}, {}),
        ("groups:101", {"groups": {"101"}}, {}),
        ('frequency:"daily"', {"frequency": {"daily"}}, {}),
        ('groups:101 AND frequency:"每 日"', {"groups": {"101"}, "frequency": {"每 日"}}, {}),
        ("groups:101 OR groups:201", {"groups": {"101", "201"}}, {}),
        ("groups:101 || groups:201", {"groups": {"101", "201"}}, {}),
        ("(groups:101 OR groups:201) frequency:daily", {"groups": {"101", "201"}, "frequency": {"daily"}}, {}),
        ("res_format:(CSV OR JSON)", {"res_format": {"CSV", "JSON"}}, {}),
        ('res_format:("CSV" OR JSON OR xlsx)', {"res_format": {"CSV", "JSON", "xlsx"}}, {}),
        ("-groups:101", {}, {"groups": {"101"}}),
        ("NOT groups:101 groups:201", {"groups": {"201"}}, {"groups": {"101"}}),
        ("-groups:(101 OR 201)", {}, {"groups": {"101", "201"}}),
        ("+groups:101 groups:(101 OR 201)", {"groups": {"101"}}, {}),  # AND of one field: intersection
        ("groups:101 groups:201", {"groups": set()}, {}),
    ],
)
def test_parse_supported_syntax(text: str, chosen: dict, excluded: dict) -> None:
    found = fq.parse(text, FIELDS)
    assert found.chosen == chosen and found.excluded == excluded


@pytest.mark.parametrize(
    "text",
    [
        "groups:101 OR frequency:daily",  # OR across fields
        "groups:10*",
        "groups:[100 TO 200]",
        "groups:101^2",
        "name:x",  # unknown field
        "groups:",
        "groups:(101 AND 201)",
        "groups:((101))",
        "(groups:101",
        "groups:101)",
        'groups:"unterminated',
        'groups:""',
        "NOT -groups:101",
        "NOT (groups:101)",
        "-groups:101 OR groups:201",
        "groups:101 OR",
        "AND",
        "text",
        "groups:a\\b",
        'groups:"a\x01"',
        "groups:" + "1" * 101,
        "groups:1 " * 60,
        "x" * 1001,
    ],
)
def test_parse_refuses_the_rest(text: str) -> None:
    with pytest.raises(fq.Syntax):
        fq.parse(text, FIELDS)


def _search(client: TestClient, **params: str) -> dict:
    answer = client.get("/api/3/action/package_search", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def test_fq_on_the_portal(client: TestClient, open_world) -> None:
    empty = _publish(client, open_entry("公交线路站点开放目录", AIR_ITEMS), "police.officer")  # no data loaded
    everything = _search(client, q="*:*", rows="100")
    names = {p["name"] for p in everything["results"]}
    assert {open_world.air["slug"], open_world.people["slug"], empty["slug"]} <= names
    groups = {p["name"]: p["groups"][0]["name"] for p in everything["results"]}
    org = {p["name"]: p["organization"]["name"] for p in everything["results"]}
    air, people = open_world.air["slug"], open_world.people["slug"]

    with_data = _search(client, fq="res_format:(CSV OR JSON)", rows="100")
    assert {p["name"] for p in with_data["results"]} == names - {empty["slug"]}
    assert _search(client, fq="res_format:CSV res_format:parquet")["count"] == with_data["count"]
    assert _search(client, fq="res_format:PDF")["count"] == 0
    assert {p["name"] for p in _search(client, fq="-res_format:CSV", rows="100")["results"]} == {empty["slug"]}

    by_org = _search(client, fq=f'organization:"{org[air]}"', rows="100")
    assert air in {p["name"] for p in by_org["results"]} and people not in {p["name"] for p in by_org["results"]}
    not_org = _search(client, fq=f"-organization:{org[air]}", rows="100")
    assert {p["name"] for p in not_org["results"]} == {n for n in names if org[n] != org[air]}
    either = _search(client, fq=f"organization:{org[air]} OR organization:{org[people]}", rows="100")
    assert either["count"] == len(names)
    assert _search(client, fq=f"organization:{org[air]} organization:{org[people]}")["count"] == 0
    alternatives = _search(client, fq=f"groups:({groups[air]} OR {groups[people]})", rows="100")
    assert {air, people} <= {p["name"] for p in alternatives["results"]}
    facets = _search(client, **{"facet.field": json.dumps(["res_format"])})["search_facets"]["res_format"]["items"]
    expected = {f: with_data["count"] for f in ("CSV", "XLSX", "JSON", "PARQUET")}
    assert {i["name"]: i["count"] for i in facets} == expected


@pytest.mark.parametrize(
    "value",
    ["groups:101 OR res_format:CSV", "groups:10*", "name:x; DROP TABLE x", "groups:(101", '"', "groups:\x00"],
)
def test_unsupported_fq_is_a_search_query_error(client: TestClient, open_world, value: str) -> None:
    answer = client.get("/api/3/action/package_search", params={"fq": value})
    assert answer.status_code == 400
    body = answer.json()
    assert body["success"] is False and body["error"]["__type"] == "Search Query Error"


def test_private_resources_stay_out_of_negated_fq(client: TestClient, open_world) -> None:
    found = _search(client, fq="-groups:999", rows="100")
    names = {p["name"] for p in found["results"]}
    assert not names & {s["slug"] for s in open_world.secret}


def _datastore(client: TestClient, resource: str, q: object, status: int = 200) -> dict:
    answer = client.post("/api/3/action/datastore_search", json={"resource_id": f"{resource}.csv", "q": q})
    assert answer.status_code == status, answer.text
    return answer.json()


def test_datastore_search_q_per_field(client: TestClient, open_world) -> None:
    air = open_world.air["slug"]
    assert _datastore(client, air, {"监测站点": "云栖"})["result"]["total"] == 38  # every 4th of 150 rows
    both = _datastore(client, air, {"监测站点": "云栖", "首要污染物": "O3"})["result"]
    assert both["total"] > 0 and all(r["监测站点"] == "西湖区云栖" and r["首要污染物"] == "O3" for r in both["records"])
    assert _datastore(client, air, {"空气质量指数": "30"})["result"]["total"] > 0  # numbers as text
    as_text = client.get(
        "/api/3/action/datastore_search", params={"resource_id": f"{air}.csv", "q": json.dumps({"监测站点": "和睦"})}
    )
    assert as_text.json()["result"]["total"] == 38
    many = {str(n): "x" for n in range(30)}
    for bad in ({"不存在": "x"}, {"监测站点": "x" * 500}, {"监测站点": {"nested": 1}}, many):
        body = _datastore(client, air, bad, 409)
        assert body["error"]["__type"] == "Validation Error"


def test_per_field_q_never_touches_de_identified_items(client: TestClient, open_world) -> None:
    people = open_world.people["slug"]
    person = open_world.persons[3]
    for item in ("公民身份号码", "姓名", "参保日期"):
        body = _datastore(client, people, {item: str(person[item])[:4]}, 409)
        assert body["error"]["__type"] == "Validation Error" and person[item] not in json.dumps(body)
    assert _datastore(client, people, {"所属区划": "330102"})["result"]["total"] > 0
