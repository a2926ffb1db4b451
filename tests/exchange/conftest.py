"""Exchange test helpers: a published person resource with data, consumer systems with tokens,
and the request → approve path through the real API."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govshare.core.db import Database
from govshare.exchange import datasets, loading
from govshare.exchange.models import LoadMode
from govshare.standards.identifiers import make_citizen_id
from tests.catalog.conftest import entry, publish
from tests.exchange.receiver import receiver  # noqa: F401 - fixture
from tests.factories import login

ITEMS = [
    {"name": "公民身份号码", "data_type": "string", "length": 18, "element_code": "DE0001"},
    {"name": "姓名", "data_type": "string", "length": 50, "element_code": "DE0002"},
    {"name": "参保状态", "data_type": "string", "length": 2},
    {"name": "参保日期", "data_type": "date"},
    {"name": "缴费基数", "data_type": "number"},
    {"name": "所属区划", "data_type": "string", "length": 6},
]
HEADER = [i["name"] for i in ITEMS]
SURNAMES = "王李张刘陈杨黄赵吴周"


def person(i: int) -> dict[str, Any]:
    """Person i: a valid ID number, a name, and values that vary predictably with i."""
    division = ("330102", "330106", "330203")[i % 3]
    return {"公民身份号码": make_citizen_id(division, date(1960, 1, 1) + timedelta(days=i // 900), i % 900 + 1),
            "姓名": SURNAMES[i % 10] + "小" + "明红刚丽"[i % 4], "参保状态": ("01", "02")[i % 2],
            "参保日期": (date(2010, 1, 1) + timedelta(days=i)).isoformat(), "缴费基数": 3000 + i,
            "所属区划": division}


def write_csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8",
              header: list[str] | None = None) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header or HEADER, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def person_entry(share_type: str = "conditional", name: str = "社会保险参保人员信息") -> dict[str, Any]:
    extra: dict[str, Any] = {"share_type": share_type, "items": ITEMS}
    if share_type == "unconditional":
        extra["share_conditions"] = ""
    if share_type == "not_shared":
        extra.update(share_conditions="", share_basis="《中华人民共和国社会保险法》第九十二条：涉及个人隐私")
    return entry(name, **extra)


@dataclass
class Published:
    id: int
    code: str


def publish_resource(client: TestClient, share_type: str = "conditional", officer: str = "hr.officer",
                     name: str = "社会保险参保人员信息") -> Published:
    found = publish(client, officer, person_entry(share_type, name))
    return Published(found["id"], found["code"])


def operator():  # type: ignore[no-untyped-def]
    from govshare.cli_support import operator, operator_principal

    return operator_principal(), operator()


def load_rows(db: Database, resource_id: int, path: Path, mode: LoadMode = LoadMode.REPLACE,
              keys: list[str] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    principal, actor = operator()
    if keys is not None:
        with db.session() as session:
            datasets.configure(session, principal, actor, resource_id, datasets.DatasetSettings(key_items=keys))
    return loading.load(db, principal, actor, loading.LoadRequest(resource_id, path, path.name, mode, **kwargs))


def system_token(client: TestClient, username: str, name: str = "业务系统", scopes: list[str] | None = None
                 ) -> tuple[int, dict[str, str]]:
    """Registers a business system for the user's department; returns its id and bearer headers."""
    headers = login(client, username)
    created = client.post("/api/v1/clients", json={"name": name}, headers=headers)
    assert created.status_code == 201, created.text
    issued = client.post(f"/api/v1/clients/{created.json()['id']}/tokens",
                         json={"scopes": scopes or ["exchange", "exchange.request"], "days": 30}, headers=headers)
    assert issued.status_code == 201, issued.text
    return created.json()["id"], {"authorization": f"Bearer {issued.json()['token']}"}


def ask(client: TestClient, resource_id: int, username: str = "police.officer", **extra: Any) -> dict[str, Any]:
    headers = login(client, username)
    body = {"resource_id": resource_id, "purpose": "户籍业务办理中核验参保状态", "scenario": "窗口受理",
            **extra}
    answer = client.post("/api/v1/exchange/requests", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def approve(client: TestClient, request_id: int, username: str = "hr.officer", **body: Any) -> dict[str, Any]:
    headers = login(client, username)
    answer = client.post(f"/api/v1/exchange/requests/{request_id}/approve", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def people(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "persons.csv", [person(i) for i in range(60)])


@pytest.fixture
def loaded(client: TestClient, world, db: Database, people: Path) -> Published:  # type: ignore[no-untyped-def]
    """A conditional person resource of 人社厅 with 60 persons loaded, keyed by ID number."""
    resource = publish_resource(client)
    version = load_rows(db, resource.id, people, keys=["公民身份号码"])
    assert version.status.value == "live", version.error
    return resource
