"""Open-data test world: an open dataset without personal data, an open person dataset whose
direct identifiers are de-identified, and private and shared-only resources that must never
show anywhere public."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govshare.core.db import Database
from govshare.opendata import deidentify
from govshare.opendata.deidentify import ItemRule
from govshare.opendata.models import Method
from tests.catalog.conftest import entry, publish
from tests.exchange.conftest import ITEMS, load_rows, operator, person, write_csv

AIR_ITEMS = [
    {"name": "监测站点", "data_type": "string", "length": 50},
    {"name": "监测日期", "data_type": "date"},
    {"name": "空气质量指数", "data_type": "number"},
    {"name": "首要污染物", "data_type": "string", "length": 20},
]
STATIONS = ["西湖区云栖", "拱墅区和睦", "滨江区浦沿", "萧山区城厢"]
PRIVATE_NAME = "绝密测试资源甲乙丙"
SHARED_NAME = "仅共享测试资源丁戊己"


def air_rows(n: int = 150) -> list[dict[str, Any]]:
    return [
        {
            "监测站点": STATIONS[i % 4],
            "监测日期": f"2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}",
            "空气质量指数": 30 + i % 120,
            "首要污染物": ("PM2.5", "O3", "PM10")[i % 3],
        }
        for i in range(n)
    ]


def write_air(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[i["name"] for i in AIR_ITEMS])
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass
class OpenWorld:
    air: dict[str, Any]  # open, no personal data, 150 rows
    people: dict[str, Any]  # open, ID number pseudonymised, name suppressed, phone-free
    private: dict[str, Any]  # not open, has data
    shared: dict[str, Any]  # unconditionally shared, not open, has data
    persons: list[dict[str, Any]]

    @property
    def secret(self) -> list[dict[str, Any]]:
        return [self.private, self.shared]


def open_entry(name: str, items: list[dict[str, Any]], open_: bool = True, **extra: Any) -> dict[str, Any]:
    data = entry(name, items=items, share_type="unconditional", share_conditions="", **extra)
    data.update(
        open=open_,
        open_conditions="无条件开放，使用时注明来源" if open_ else "",
        summary=f"{name}：按日发布。",
        update_cycle="daily",
    )
    return data


def slug(code: str) -> str:
    return code.replace("/", "-").lower()


def _publish(client: TestClient, data: dict[str, Any], officer: str = "hr.officer") -> dict[str, Any]:
    found = publish(client, officer, data)
    found["slug"] = slug(found["code"])
    found["name"] = data["name"]
    return found


@pytest.fixture
def open_world(client: TestClient, world, db: Database, tmp_path: Path) -> OpenWorld:  # type: ignore[no-untyped-def]
    air = _publish(client, open_entry("杭州市空气质量日报", AIR_ITEMS), "police.officer")
    load_rows(db, air["id"], write_air(tmp_path / "air.csv", air_rows()))
    persons = [person(i) for i in range(40)]
    people_path = write_csv(tmp_path / "persons.csv", persons)
    people = _publish(client, open_entry("社会保险参保人员开放样本", ITEMS))
    load_rows(db, people["id"], people_path, keys=["公民身份号码"])
    principal, actor = operator()
    with db.session() as session:
        from govshare.catalog.models import CatalogResource

        resource = session.get(CatalogResource, people["id"])
        deidentify.configure(
            session,
            actor,
            resource,
            [
                ItemRule("公民身份号码", Method.PSEUDONYMISE),
                ItemRule("姓名", Method.SUPPRESS),
                ItemRule("参保日期", Method.GENERALISE),
            ],
        )
    private = _publish(client, open_entry(PRIVATE_NAME, AIR_ITEMS, open_=False))
    load_rows(db, private["id"], write_air(tmp_path / "private.csv", air_rows(20)))
    shared = _publish(client, open_entry(SHARED_NAME, AIR_ITEMS, open_=False))
    load_rows(db, shared["id"], write_air(tmp_path / "shared.csv", air_rows(20)))
    return OpenWorld(air, people, private, shared, persons)
