"""Nothing that is not open ever leaks: every public route of the app (found from its router,
so a route added later is covered too) is called with a private and a shared-only resource,
and neither their names nor their codes appear in any answer; each named lookup is a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from govshare.opendata import ckan

FILL = {"fmt": "csv", "ext": "ttl", "action": "package_show"}


def public_get_routes() -> list[str]:
    from govshare.web.app import _dependency_calls, _routers

    found = []
    for route in (r for router in _routers() for r in router.routes):
        if (
            isinstance(route, APIRoute)
            and "GET" in route.methods
            and any(getattr(c, "govshare_public", False) for c in _dependency_calls(route))
        ):
            found.append(route.path)
    return found


def _fill(path: str, name: str, department: int) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1).split(":")[0]
        return {"name": name, "department_id": str(department)}.get(key, FILL.get(key, "x"))

    return re.sub(r"\{([^}]+)\}", value, path)


def _assert_secret_absent(text: str, secrets: list[dict[str, Any]]) -> None:
    for secret in secrets:
        for needle in (secret["name"], secret["code"], secret["slug"]):
            assert needle not in text, needle


def test_every_public_route_hides_private_and_shared_resources(app, client: TestClient, open_world, world) -> None:
    routes = public_get_routes()
    assert any(p.startswith("/open/datasets/{name}") for p in routes) and "/api/3/action/{action}" in routes
    checked = 0
    for secret in open_world.secret:
        for path in routes:
            if path.startswith("/static"):
                continue
            url = _fill(path, secret["slug"], world.hr.id)
            # q is a distinctive part of the name: a leak would show the whole name, an echo only the part
            # CKAN actions take the dataset as ?id=; other pages may echo what a visitor typed
            # into their own forms (certificate verification does), which is not a leak.
            params = {"q": secret["name"][-3:]}
            if "action" in path:
                params["id"] = secret["slug"]
            answer = client.get(url, params=params, headers={"accept": "text/html"})
            assert answer.status_code < 500, (url, answer.text[:300])
            if "{name}" in path:
                assert answer.status_code == 404, (url, answer.status_code)
            _assert_secret_absent(answer.text, open_world.secret)
            checked += 1
    assert checked > 20


def test_search_sitemap_and_catalogs_list_only_open_resources(client: TestClient, open_world) -> None:
    for url in (
        "/sitemap.xml",
        "/catalog.ttl",
        "/catalog.jsonld",
        "/catalog.rdf",
        "/open",
        "/api/open/v1/datasets",
        "/api/3/action/package_list",
        "/api/3/action/tag_list",
        "/api/3/action/organization_list?all_fields=true",
        "/api/3/action/group_list?all_fields=true",
    ):
        answer = client.get(url, headers={"accept": "text/html"})
        assert answer.status_code == 200, url
        _assert_secret_absent(answer.text, open_world.secret)
    assert open_world.air["slug"] in client.get("/sitemap.xml").text
    names = client.get("/api/3/action/package_list").json()["result"]
    assert sorted(names) == sorted([open_world.air["slug"], open_world.people["slug"]])
    for secret in open_world.secret:
        found = client.get("/api/3/action/package_search", params={"q": secret["name"]}).json()["result"]
        assert found["count"] == 0


@pytest.mark.parametrize(
    "action,param", [("package_show", "id"), ("resource_show", "id"), ("datastore_search", "resource_id")]
)
def test_ckan_lookups_of_hidden_resources_are_not_found(
    client: TestClient, open_world, action: str, param: str
) -> None:
    for secret in open_world.secret:
        value = secret["slug"] + (".csv" if action != "package_show" else "")
        answer = client.get(f"/api/3/action/{action}", params={param: value})
        assert answer.status_code == 404
        body = answer.json()
        assert body["success"] is False and body["error"]["__type"] == "Not Found Error"
        _assert_secret_absent(answer.text, open_world.secret)


def test_hidden_resources_404_on_rest_downloads_and_dcat(client: TestClient, open_world) -> None:
    for secret in open_world.secret:
        for url in (
            f"/api/open/v1/datasets/{secret['slug']}",
            f"/api/open/v1/datasets/{secret['slug']}/rows",
            f"/open/datasets/{secret['slug']}/download.csv",
            f"/open/datasets/{secret['slug']}/dcat.ttl",
            f"/open/datasets/{secret['slug']}/datapackage.json",
            f"/open/datasets/{secret['slug']}",
        ):
            assert client.get(url).status_code == 404, url


def test_a_resource_with_unprotected_identifiers_is_not_open(client: TestClient, open_world, db) -> None:
    """Removing the de-identification of the ID number takes the person dataset off the portal."""
    from govshare.catalog.models import CatalogResource
    from govshare.opendata import deidentify
    from govshare.opendata.deidentify import ItemRule
    from govshare.opendata.models import Method
    from tests.exchange.conftest import operator

    people = open_world.people
    assert client.get(f"/api/3/action/package_show?id={people['slug']}").status_code == 200
    _principal, actor = operator()
    with db.session() as session:
        resource = session.get(CatalogResource, people["id"])
        deidentify.configure(session, actor, resource, [ItemRule("姓名", Method.SUPPRESS)])
        assert deidentify.missing_rules(resource, deidentify.rules_for(session, resource.id)) == ["公民身份号码"]
    assert client.get(f"/api/3/action/package_show?id={people['slug']}").status_code == 404
    assert people["slug"] not in client.get("/sitemap.xml").text
    assert client.get(f"/open/datasets/{people['slug']}/download.csv").status_code == 404


def test_ckan_actions_are_all_covered() -> None:
    assert set(ckan.ACTIONS) >= {
        "package_list",
        "package_search",
        "package_show",
        "organization_list",
        "organization_show",
        "group_list",
        "tag_list",
        "resource_show",
        "datastore_search",
        "status_show",
    }
