"""CKAN's Action API: envelopes, errors and parameters as CKAN clients expect them, and bad
input (SQL, FTS operators, oversize values, bad JSON) answered with a 4xx in CKAN's shape."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


def _ok(answer) -> object:  # type: ignore[no-untyped-def]
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["success"] is True and body["help"].endswith("help_show?name=" + answer.url.path.rsplit("/", 1)[1])
    return body["result"]


def test_envelope_and_read_actions(client: TestClient, open_world, world) -> None:
    air = open_world.air["slug"]
    assert _ok(client.get("/api/3/action/status_show"))["ckan_version"].startswith("2.")
    assert client.get("/api/3").json() == {"version": 3}
    package = _ok(client.get("/api/3/action/package_show", params={"id": air}))
    assert package["name"] == air and package["title"] == "杭州市空气质量日报"
    assert package["organization"]["title"] == "浙江省公安厅"
    assert [r["format"] for r in package["resources"]] == ["CSV", "XLSX", "JSON", "PARQUET"]
    assert package["resources"][0]["datastore_active"] is True
    assert _ok(client.get("/api/3/action/resource_show", params={"id": f"{air}.csv"}))["package_id"] == air
    orgs = _ok(client.get("/api/3/action/organization_list"))
    assert package["organization"]["name"] in orgs and len(orgs) == 2
    org = _ok(
        client.get(
            "/api/3/action/organization_show",
            params={"id": package["organization"]["name"], "include_datasets": "true"},
        )
    )
    assert org["package_count"] == 1 and org["packages"][0]["name"] == air
    groups = _ok(client.get("/api/3/action/group_list"))
    assert package["groups"][0]["name"] in groups
    assert isinstance(_ok(client.get("/api/3/action/tag_list")), list)


def test_package_search_q_fq_sort_paging_and_facets(client: TestClient, open_world) -> None:
    result = _ok(
        client.get(
            "/api/3/action/package_search",
            params={
                "q": "空气",
                "facet.field": json.dumps(["organization", "groups", "frequency", "quality"]),
                "rows": 5,
            },
        )
    )
    assert result["count"] == 1 and result["results"][0]["name"] == open_world.air["slug"]
    assert set(result["search_facets"]) == {"organization", "groups", "frequency", "quality"}
    org = result["results"][0]["organization"]["name"]
    everything = _ok(
        client.get(
            "/api/3/action/package_search", params={"q": "*:*", "rows": 1, "start": 1, "sort": "metadata_modified desc"}
        )
    )
    assert everything["count"] == 2 and len(everything["results"]) == 1
    narrowed = _ok(client.get("/api/3/action/package_search", params={"fq": f"organization:{org}"}))
    assert narrowed["count"] == 1
    posted = client.post(
        "/api/3/action/package_search", json={"q": "参保", "rows": 10, "facet.field": ["organization"]}
    )
    assert _ok(posted)["count"] == 1


def test_datastore_search_limit_offset_fields_and_links(client: TestClient, open_world) -> None:
    resource_id = f"{open_world.air['slug']}.csv"
    result = _ok(
        client.get(
            "/api/3/action/datastore_search",
            params={"resource_id": resource_id, "limit": 10, "offset": 20, "fields": "监测站点,空气质量指数"},
        )
    )
    assert result["total"] == 150 and len(result["records"]) == 10 and result["records"][0]["_id"] == 21
    assert set(result["records"][0]) == {"_id", "监测站点", "空气质量指数"}
    assert [f["id"] for f in result["fields"]] == ["_id", "监测站点", "空气质量指数"]
    assert "offset=30" in result["_links"]["next"]
    q = _ok(client.get("/api/3/action/datastore_search", params={"resource_id": resource_id, "q": "云栖"}))
    assert q["total"] == 38 and all(r["监测站点"] == "西湖区云栖" for r in q["records"])
    filtered = _ok(
        client.post(
            "/api/3/action/datastore_search",
            json={"resource_id": resource_id, "filters": {"首要污染物": "O3"}, "limit": 1000},
        )
    )
    assert filtered["total"] == 50


BAD = [
    ("package_search", {"q": "'; DROP TABLE catalog_resource; --"}, 200, None),
    ("package_search", {"q": '空气 OR NOT "x" AND (y*)'}, 200, None),
    ("package_search", {"q": "x" * 5000}, 409, "Validation Error"),
    ("package_search", {"rows": "abc"}, 409, "Validation Error"),
    ("package_search", {"rows": "100000"}, 409, "Validation Error"),
    ("package_search", {"start": "-1"}, 409, "Validation Error"),
    ("package_search", {"fq": "organization:a OR groups:b"}, 400, "Search Query Error"),
    ("package_search", {"fq": "groups:[100 TO 300]"}, 400, "Search Query Error"),
    ("package_search", {"fq": "organization:(a OR b)"}, 200, None),
    ("package_search", {"fq": "name:x; DROP TABLE x"}, 400, "Search Query Error"),
    ("package_search", {"sort": "1; DROP TABLE x"}, 409, "Validation Error"),
    ("package_search", {"facet.field": "[not json"}, 409, "Validation Error"),
    ("package_search", {"facet.field": '{"a": 1}'}, 409, "Validation Error"),
    ("package_show", {}, 409, "Validation Error"),
    ("package_show", {"id": "x" * 500}, 404, "Not Found Error"),
    ("package_show", {"id": "' OR 1=1 --"}, 404, "Not Found Error"),
    ("resource_show", {"id": "nothing"}, 404, "Not Found Error"),
    ("organization_show", {"id": "org-' OR 1=1"}, 404, "Not Found Error"),
    ("datastore_search", {"filters": "{bad json"}, 409, "Validation Error"),
    ("datastore_search", {"filters": "[1, 2]"}, 409, "Validation Error"),
    ("datastore_search", {"filters": json.dumps({"不存在": 1})}, 409, "Validation Error"),
    ("datastore_search", {"filters": json.dumps({"空气质量指数": "abc"})}, 409, "Validation Error"),
    ("datastore_search", {"filters": json.dumps({"监测站点": "x" * 5000})}, 409, "Validation Error"),
    ("datastore_search", {"sort": '"监测站点"; DROP TABLE x'}, 409, "Validation Error"),
    ("datastore_search", {"limit": "1e9"}, 409, "Validation Error"),
    ("datastore_search", {"q": "x" * 500}, 409, "Validation Error"),
    ("datastore_search", {"q": "%' OR '1'='1"}, 200, None),
    ("datastore_search", {"fields": "监测站点,nope"}, 409, "Validation Error"),
    ("no_such_action", {}, 400, "Bad Request"),
]


@pytest.mark.parametrize("action,params,status,kind", BAD)
def test_bad_input_gets_ckan_errors_not_500(
    client: TestClient, open_world, action: str, params: dict, status: int, kind: str | None
) -> None:
    if action == "datastore_search":
        params = {"resource_id": f"{open_world.air['slug']}.csv", **params}
    answer = client.get(f"/api/3/action/{action}", params=params)
    body = answer.json()
    assert answer.status_code == status, body
    assert set(body) >= {"help", "success"}
    if kind is not None:
        assert body["success"] is False and body["error"]["__type"] == kind
        assert "message" in body["error"]
    if status == 200 and action == "datastore_search":
        assert body["result"]["total"] == 0


def test_bad_json_body_and_wrong_types_in_body(client: TestClient, open_world) -> None:
    answer = client.post(
        "/api/3/action/package_search", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["error"]["__type"] == "Bad Request"
    answer = client.post(
        "/api/3/action/package_search", content=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    answer = client.post("/api/3/action/package_search", json={"q": {"nested": 1}, "rows": True})
    assert answer.status_code == 409 and answer.json()["success"] is False
    answer = client.post(
        "/api/3/action/package_search", content=b"x" * 200_000, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400


def test_rest_api_bad_input_is_422(client: TestClient, open_world) -> None:
    slug = open_world.air["slug"]
    for params in (
        {"filters": "{bad"},
        {"cursor": "not-a-cursor"},
        {"limit": "x"},
        {"limit": "5000"},
        {"sort": "nope asc"},
    ):
        answer = client.get(f"/api/open/v1/datasets/{slug}/rows", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"]["code"] == "invalid"
    for params in ({"q": "x" * 500}, {"sort": "nope"}, {"rows": "-1"}, {"department": ["1"] * 50}):
        assert client.get("/api/open/v1/datasets", params=params).status_code == 422, params


def test_rest_rows_cursor_paging_walks_every_row_once(client: TestClient, open_world) -> None:
    slug, seen, cursor = open_world.air["slug"], [], None
    while True:
        answer = client.get(
            f"/api/open/v1/datasets/{slug}/rows", params={"limit": 40, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += answer["records"]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 150 and answer["total"] == 150
