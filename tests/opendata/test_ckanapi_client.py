"""The ckanapi client from PyPI, pointed at a running govshare, lists, searches, shows and
calls datastore_search, getting what the portal shows."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import live_server  # noqa: F401  (fixture)


def test_ckanapi_against_a_live_server(live_server: str, open_world, client) -> None:  # noqa: F811
    import ckanapi

    ckan = ckanapi.RemoteCKAN(live_server, user_agent="govshare-tests/1.0 (ckanapi)")
    names = ckan.action.package_list()
    assert sorted(names) == sorted([open_world.air["slug"], open_world.people["slug"]])
    found = ckan.action.package_search(q="空气质量", facet_field=["organization"], rows=10)
    assert found["count"] == 1 and found["results"][0]["title"] == "杭州市空气质量日报"
    package = ckan.action.package_show(id=open_world.air["slug"])
    csv_resource = next(r for r in package["resources"] if r["format"] == "CSV")
    rows = ckan.action.datastore_search(resource_id=csv_resource["id"], limit=5, filters={"首要污染物": "O3"})
    assert rows["total"] == 50 and len(rows["records"]) == 5
    page = client.get(
        f"/api/open/v1/datasets/{open_world.air['slug']}/rows", params={"limit": 5, "filters": '{"首要污染物": "O3"}'}
    ).json()
    assert [r["空气质量指数"] for r in rows["records"]] == [r["空气质量指数"] for r in page["records"]]
    assert ckan.action.organization_list() and ckan.action.status_show()["ckan_version"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id=open_world.private["slug"])
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="many")
