"""Building blocks for the systems tests: census workbooks, system payloads, metric rows."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from govshare.core.clock import today
from govshare.systems.census_import import COLUMNS, SHEET


def census_row(department: str, name: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "填报部门": department,
        "系统名称": name,
        "主要功能": f"{name}：受理、审批和查询业务",
        "用户数": 500,
        "使用部门数": 3,
        "使用地区": "全省",
        "使用频度": "每日",
        "审批部门": "省发展改革委",
        "审批时间": "2015-06-01",
        "资金来源": "省级财政",
        "部署网络": "外网",
        "等保级别": 3,
        "状态": "在用",
    }
    row.update(overrides)
    return row


def census_xlsx(rows: list[dict[str, Any]], sheet: str = SHEET) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([c.header for c in COLUMNS])
    for row in rows:
        ws.append([row.get(c.header) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def system_payload(department_id: int, name: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "department_id": department_id,
        "name": name,
        "function": f"{name}的业务办理与统计分析",
        "users": 800,
        "frequency": "daily",
        "network": "extranet",
        "approving_department": "省发改委",
        "funding_source": "省级财政",
    }
    data.update(overrides)
    return data


def metric_rows(
    code: str, days: int = 30, end: date | None = None, **values: Any
) -> list[dict[str, Any]]:
    """Healthy daily metrics for one system, ending yesterday unless told."""
    last = end or today() - timedelta(days=1)
    base = {
        "active_users": 120,
        "logins": 300,
        "transactions": 900,
        "data_changes": 200,
        "cpu_pct": 35.0,
        "memory_pct": 50.0,
        "storage_gb": 80.0,
        "network_bytes": 900_000_000,
        "deployments": 0,
        "incidents": 0,
    }
    base.update(values)
    return [
        {"system_code": code, "day": (last - timedelta(days=d)).isoformat(), **base}
        for d in range(days)
    ]


HEALTHY_FUNCTION = (
    "社会保险参保登记、缴费核定、待遇审核发放与基金征缴对账，支撑全省参保单位和个人在线办理社保业务"
)
KINDS = ("healthy", "detached", "replaceable", "idle", "unmaintained", "low_use")


def _deployed(rows: list[dict[str, Any]], every: int = 30) -> list[dict[str, Any]]:
    for i, row in enumerate(rows):
        row["deployments"] = 1 if i % every == 0 else 0
    return rows


def catalog_resources(db: Any, department_id: int, *names: str) -> list[str]:
    """Publishes one catalog resource per name for the department through the catalog's own
    workflow (as the platform administrator); returns their codes."""
    from govshare.catalog import workflow
    from govshare.catalog.schemas import ResourceIn
    from govshare.cli_support import operator, operator_principal
    from tests.catalog.conftest import entry

    principal, actor = operator_principal(), operator()
    codes = []
    with db.session() as session:
        for name in names:
            saved = workflow.create(
                session, principal, actor, ResourceIn(**entry(name, provider_id=department_id))
            )
            workflow.submit(session, principal, actor, saved.resource.id)
            workflow.publish(session, principal, actor, saved.resource.id, "同意")
            codes.append(saved.resource.code)
    return codes


def plant_zombies(
    client: Any, headers: dict[str, str], department_id: int, held: list[str]
) -> dict[str, dict[str, Any]]:
    """One healthy system and one zombie of every kind, with 400 days of metrics pushed
    through the API; the healthy one and its replaceable twin hold the catalog resources
    `held`. Returns kind → the created system."""
    expired = (today() - timedelta(days=400)).isoformat()
    specs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "healthy": ({"function": HEALTHY_FUNCTION, "resource_codes": held}, {}),
        "detached": ({}, {"transactions": 0, "data_changes": 0}),
        "replaceable": (
            {
                "function": "社会保险参保登记、缴费核定、待遇审核发放与基金征缴对账，"
                "支撑全省参保单位和个人办理社保业务及查询",
                "resource_codes": held,
            },
            {"logins": 100},
        ),
        "idle": ({}, {}),
        "unmaintained": ({"om_contract_expiry": expired}, {}),
        "low_use": ({"users": 12}, {"logins": 0}),
    }
    functions = {
        "detached": "婚姻登记预约与档案查询",
        "idle": "价格监测数据采集与发布",
        "unmaintained": "旅游景区客流统计和预警",
        "low_use": "殡葬服务机构年检备案",
    }
    created: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for kind, (fields, values) in specs.items():
        payload = system_payload(
            department_id, f"{kind}系统", **{"function": functions.get(kind, ""), **fields}
        )
        response = client.post("/api/v1/systems", json=payload, headers=headers)
        assert response.status_code == 201, response.text
        created[kind] = response.json()
        series = metric_rows(created[kind]["code"], days=400, **values)
        rows += series if kind == "unmaintained" else _deployed(series)
    for row in rows:
        if row["system_code"] == created["idle"]["code"] and date.fromisoformat(
            row["day"]
        ) > today() - timedelta(days=14):
            row.update(cpu_pct=4.0, network_bytes=1_000_000)
    response = client.post("/api/v1/systems/metrics", json={"metrics": rows}, headers=headers)
    assert response.status_code == 200, response.text
    return created
