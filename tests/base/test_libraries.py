"""The base libraries are base-catalog resources of their lead departments, shared
unconditionally, served through the exchange's query, verify, download and change feed, and
every call is audited with personal identifiers pseudonymised."""

from __future__ import annotations

import csv
import io

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy import select

from govshare.base import population
from govshare.base.generator import PERSON_COLUMNS
from govshare.base.libraries import LIBRARIES, resource_of
from govshare.catalog.vocab import CatalogKind, ShareType
from govshare.core.audit import AuditRecord, verify_chain
from govshare.core.db import Database
from govshare.core.signing import Receipt, node_keypair, verify_receipt
from govshare.exchange.models import LoadMode
from govshare.orgs.models import Department
from tests.base.conftest import ACTOR, PURPOSE, grant, library_id
from tests.catalog.conftest import entry
from tests.factories import login


def test_each_library_is_an_unconditional_base_resource_of_its_lead_department(db: Database, province) -> None:
    with db.session() as session:
        for library in LIBRARIES:
            resource = resource_of(session, library.key)
            assert resource is not None and resource.catalog == CatalogKind.BASE, library.key
            assert resource.share_type == ShareType.UNCONDITIONAL
            provider = session.get(Department, resource.provider_id)
            assert library.lead in provider.name  # type: ignore[union-attr]
    assert province.summary.rows["persons"] == 300


def test_base_item_cannot_be_cataloged_conditional_or_not_shared(client: TestClient, world) -> None:
    headers = login(client, "police.officer")
    for share_type, extra in (
        ("conditional", {"share_conditions": "仅限公安业务"}),
        ("not_shared", {"share_conditions": "", "share_basis": "《居民身份证法》第六条"}),
    ):
        data = entry(
            f"人口基础信息（{share_type}）", catalog="base", class_code="101001", share_type=share_type, **extra
        )
        created = client.post("/api/v1/catalog/resources", json=data, headers=headers)
        assert created.status_code == 201, created.text
        assert "base_unconditional" in [f["code"] for f in created.json()["findings"]]
        refused = client.post(f"/api/v1/catalog/resources/{created.json()['id']}/submit", headers=headers)
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "cross_check" and error["field"] == "share_type"
        assert "base_unconditional" in [d["code"] for d in error["details"]]
        assert "unconditionally" in error["message"]


def test_verify_citizen_and_look_up_enterprise_through_the_exchange(client: TestClient, db: Database, province) -> None:
    headers = login(client, "hr.user")
    person = province.frames.persons.row(0, named=True)
    refused = client.post(
        "/api/v1/base/persons/verify",
        headers=headers,
        json={"purpose": PURPOSE, "id_number": person["公民身份号码"], "name": person["姓名"]},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_grant"

    grant(client, "hr.user", library_id(client, headers, "person"))
    grant(client, "hr.user", library_id(client, headers, "enterprise"))
    headers = login(client, "hr.user")
    same = client.post(
        "/api/v1/base/persons/verify",
        headers=headers,
        json={"purpose": PURPOSE, "id_number": person["公民身份号码"], "name": person["姓名"]},
    )
    assert same.status_code == 200, same.text
    assert same.json()["match"] is True
    assert verify_receipt(
        Receipt.from_header(same.headers["x-govshare-receipt"]), node_keypair().public_key, same.content
    ).ok
    wrong = client.post(
        "/api/v1/base/persons/verify",
        headers=headers,
        json={"purpose": PURPOSE, "id_number": person["公民身份号码"], "name": person["姓名"] + "某"},
    )
    assert wrong.json() == {
        "resource": wrong.json()["resource"],
        "found": True,
        "match": False,
        "items": {"公民身份号码": True, "姓名": False},
    }

    enterprise = province.frames.legal_persons.filter(pl.col("主体类型") == "enterprise").row(0, named=True)
    found = client.get(
        f"/api/v1/base/legal-persons/{enterprise['统一社会信用代码']}", headers=headers, params={"purpose": PURPOSE}
    )
    assert found.status_code == 200, found.text
    row = found.json()["rows"][0]
    assert row["机构名称"] == enterprise["机构名称"]
    # The legal representative is a person of the population library.
    assert row["法定代表人公民身份号码"] in set(province.frames.persons["公民身份号码"])

    bad = client.get("/api/v1/base/legal-persons/91330100MA0000000X", headers=headers, params={"purpose": PURPOSE})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "credit_code"

    with db.session() as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.action.in_(("exchange.verify", "exchange.query")))
        ).all()
        assert len(records) == 4  # three allowed, the first refused
        assert {r.outcome for r in records} == {"success", "denied"}
        logged = " ".join(r.details for r in records)
        assert person["公民身份号码"] not in logged and enterprise["统一社会信用代码"] not in logged
        assert verify_chain(session).ok


def test_download_and_change_feed_of_the_person_library(client: TestClient, db: Database, province) -> None:
    headers = login(client, "hr.user")
    resource_id = library_id(client, headers, "person")
    grant(client, "hr.user", resource_id)
    headers = login(client, "hr.user")
    download = client.get(
        f"/api/v1/exchange/resources/{resource_id}/download",
        headers=headers,
        params={"purpose": PURPOSE, "format": "csv"},
    )
    assert download.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(download.text)))) == 300

    persons = province.frames.persons.select(PERSON_COLUMNS)
    changed = persons.head(1).with_columns(pl.lit("3").alias("人员状态"))  # emigrated
    version = population.load_persons(db, ACTOR, changed, LoadMode.UPSERT)
    assert version.status.value == "live" and version.changes == 1 and version.rows_live == 300
    feed = client.get(
        f"/api/v1/exchange/resources/{resource_id}/changes", headers=headers, params={"purpose": PURPOSE, "cursor": 0}
    )
    assert feed.status_code == 200, feed.text
    [change] = feed.json()["changes"]
    assert change["op"] == "upsert" and change["row"]["人员状态"] == "3"
    assert change["row"]["公民身份号码"] == persons["公民身份号码"][0]


def test_division_library_serves_points_it_can_vouch_for(client: TestClient, province) -> None:
    headers = login(client, "hr.user")
    grant(client, "hr.user", library_id(client, headers, "division"))
    headers = login(client, "hr.user")
    city = client.get("/api/v1/base/divisions/330100", headers=headers, params={"purpose": PURPOSE}).json()["rows"][0]
    assert city["区划名称"] == "杭州市" and 119 < city["中心点经度"] < 121 and "近似" in city["坐标说明"]
    county = client.get("/api/v1/base/divisions/330102", headers=headers, params={"purpose": PURPOSE}).json()["rows"][0]
    assert county["中心点经度"] is None and county["边界"] is None
