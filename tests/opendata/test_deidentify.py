"""De-identification holds in every format and API: no ID number or name of the person dataset
ever leaves, not through files, rows, CKAN's datastore_search (q and filters included) nor the
preview; de-identified items cannot be used to filter, sort or search."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from fastapi.testclient import TestClient


def _clear_values(open_world) -> list[str]:  # type: ignore[no-untyped-def]
    return [v for p in open_world.persons for v in (p["公民身份号码"], p["姓名"])]


def _assert_clean(text: str, open_world) -> None:  # type: ignore[no-untyped-def]
    for value in _clear_values(open_world):
        assert value not in text, value


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_every_download_format_is_de_identified(client: TestClient, open_world, fmt: str) -> None:
    answer = client.get(f"/open/datasets/{open_world.people['slug']}/download.{fmt}")
    assert answer.status_code == 200, answer.text
    if fmt == "xlsx":
        frame = pl.read_excel(io.BytesIO(answer.content))
    elif fmt == "parquet":
        frame = pl.read_parquet(io.BytesIO(answer.content))
    elif fmt == "json":
        frame = pl.DataFrame(json.loads(answer.content)["records"])
    else:
        frame = pl.read_csv(io.BytesIO(answer.content), infer_schema_length=0)
    assert frame.height == 40
    _assert_clean(frame.write_csv(), open_world)
    if fmt != "xlsx":  # bytes of the zipped sheet are not text
        _assert_clean(answer.content.decode("utf-8", "replace"), open_world)
    ids = frame["公民身份号码"].to_list()
    assert all(isinstance(v, str) and len(v) == 16 for v in ids)  # pseudonyms, stable and distinct
    assert len(set(ids)) == 40
    assert frame["姓名"].null_count() == 40
    assert set(frame["参保日期"].cast(pl.String).to_list()) <= {"2010"}  # generalised to the year


def test_rows_api_preview_and_datastore_are_de_identified(client: TestClient, open_world) -> None:
    slug = open_world.people["slug"]
    for url in (
        f"/api/open/v1/datasets/{slug}/rows?limit=100",
        f"/open/datasets/{slug}",
        f"/api/3/action/datastore_search?resource_id={slug}.csv&limit=100",
        f"/api/open/v1/datasets/{slug}",
        f"/api/3/action/package_show?id={slug}",
    ):
        answer = client.get(url, headers={"accept": "text/html"})
        assert answer.status_code == 200, (url, answer.text[:200])
        _assert_clean(answer.text, open_world)


def test_datastore_q_never_matches_clear_values(client: TestClient, open_world) -> None:
    slug = open_world.people["slug"]
    person = open_world.persons[3]
    for q in (person["公民身份号码"], person["姓名"], person["公民身份号码"][:10]):
        answer = client.get("/api/3/action/datastore_search", params={"resource_id": f"{slug}.csv", "q": q})
        assert answer.status_code == 200
        assert answer.json()["result"]["total"] == 0, q
    found = client.get("/api/3/action/datastore_search", params={"resource_id": f"{slug}.csv", "q": "330102"})
    assert found.json()["result"]["total"] > 0  # 所属区划 is not protected and still searchable
    _assert_clean(found.text, open_world)


@pytest.mark.parametrize(
    "param,value",
    [
        ("filters", json.dumps({"公民身份号码": "11010519491231002X"})),
        ("filters", json.dumps({"姓名": "王小明"})),
        ("sort", "公民身份号码 asc"),
        ("fields", "_id,姓名"),
    ],
)
def test_protected_items_cannot_filter_or_sort(client: TestClient, open_world, param: str, value: str) -> None:
    answer = client.get(
        "/api/3/action/datastore_search", params={"resource_id": f"{open_world.people['slug']}.csv", param: value}
    )
    if param == "fields":  # asking for the suppressed item returns it suppressed
        assert answer.status_code == 200
        assert all(r["姓名"] is None for r in answer.json()["result"]["records"])
        return
    assert answer.status_code == 409
    assert answer.json()["error"]["__type"] == "Validation Error"
    rest = client.get(f"/api/open/v1/datasets/{open_world.people['slug']}/rows", params={param: value})
    assert rest.status_code == 422


def test_open_filters_work_on_unprotected_items(client: TestClient, open_world) -> None:
    answer = client.get(
        "/api/3/action/datastore_search",
        params={
            "resource_id": f"{open_world.people['slug']}.csv",
            "filters": json.dumps({"所属区划": "330106"}),
            "sort": "缴费基数 desc",
            "limit": 5,
        },
    )
    result = answer.json()["result"]
    assert answer.status_code == 200 and result["total"] == 13 and len(result["records"]) == 5
    assert [r["缴费基数"] for r in result["records"]] == sorted(
        (r["缴费基数"] for r in result["records"]), reverse=True
    )


def test_pseudonyms_are_stable_across_outputs(client: TestClient, open_world) -> None:
    slug = open_world.people["slug"]
    rows = client.get(f"/api/open/v1/datasets/{slug}/rows?limit=3").json()["records"]
    ckan = client.get(f"/api/3/action/datastore_search?resource_id={slug}.csv&limit=3").json()["result"]["records"]
    assert [r["公民身份号码"] for r in rows] == [r["公民身份号码"] for r in ckan]


def test_unknown_items_in_rules_are_refused(open_world, db) -> None:  # type: ignore[no-untyped-def]
    from govshare.catalog.models import CatalogResource
    from govshare.core.errors import InvalidInput
    from govshare.opendata import deidentify
    from govshare.opendata.deidentify import ItemRule
    from govshare.opendata.models import Method
    from tests.exchange.conftest import operator

    _principal, actor = operator()
    with db.session() as session, pytest.raises(InvalidInput):
        deidentify.configure(
            session,
            actor,
            session.get(CatalogResource, open_world.people["id"]),
            [ItemRule("不存在的信息项", Method.SUPPRESS)],
        )


def test_direct_identifiers_are_recognised_by_element_and_by_name() -> None:
    from govshare.opendata.deidentify import is_direct_identifier

    assert is_direct_identifier("证件号", "DE0001")  # the catalog's seed code of 公民身份号码
    assert is_direct_identifier("证件号", "DE0101")  # the standards registry's
    assert is_direct_identifier("联系人手机", "")
    assert not is_direct_identifier("所属区划", "DE0008")
