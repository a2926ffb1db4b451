"""The census (大普查) of the published catalog: per department, region or class, the number of
resources and items, how many are shared of each type and opened, and the six census figures;
the totals, and how the catalog grew month by month."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from govshare.catalog.codes import class_names
from govshare.catalog.models import CatalogResource, ResourceVersion
from govshare.catalog.vocab import ShareType
from govshare.core.clock import SHANGHAI
from govshare.orgs.models import Department, Division

GROUPINGS = ("department", "region", "class")
FIGURES = (
    "stored_gb",
    "stored_records",
    "shared_gb",
    "shared_records",
    "opened_gb",
    "opened_records",
)
COLUMNS = ("resources", "items", "unconditional", "conditional", "not_shared", "open", *FIGURES)
LABELS_ZH = {
    "key": "代码",
    "label": "名称",
    "resources": "资源数",
    "items": "信息项数",
    "unconditional": "无条件共享",
    "conditional": "有条件共享",
    "not_shared": "不予共享",
    "open": "向社会开放",
    "stored_gb": "存储总量(GB)",
    "stored_records": "结构化记录总数",
    "shared_gb": "共享数据量(GB)",
    "shared_records": "共享记录数",
    "opened_gb": "开放数据量(GB)",
    "opened_records": "开放记录数",
}


def _measures() -> list[Any]:
    r, v = CatalogResource, ResourceVersion

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    return [
        func.count(r.id),
        func.coalesce(func.sum(r.item_count), 0),
        count_if(r.share_type == ShareType.UNCONDITIONAL),
        count_if(r.share_type == ShareType.CONDITIONAL),
        count_if(r.share_type == ShareType.NOT_SHARED),
        count_if(r.open.is_(True)),
        *(func.coalesce(func.sum(getattr(v, f)), 0) for f in FIGURES),
    ]


def _key(by: str) -> Any:
    if by == "department":
        return CatalogResource.provider_id
    if by == "region":
        return CatalogResource.region_code
    return func.substr(CatalogResource.class_code, 1, 3)


def _labels(session: Session, by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "department":
        return dict(
            session.execute(
                select(Department.id, Department.name).where(Department.id.in_(keys))
            ).all()
        )
    if by == "region":
        return dict(
            session.execute(
                select(Division.code, Division.name).where(Division.code.in_(keys))
            ).all()
        )
    return class_names(session)


def _row(key: Any, label: str, values: tuple) -> dict[str, Any]:
    row: dict[str, Any] = {"key": str(key), "label": label}
    for column, value in zip(COLUMNS, values, strict=True):
        row[column] = round(float(value), 3) if column.endswith("_gb") else int(value or 0)
    return row


def census(session: Session, by: str = "department") -> dict[str, Any]:
    if by not in GROUPINGS:
        from govshare.core.errors import InvalidInput

        raise InvalidInput(
            f"by must be one of {', '.join(GROUPINGS)}",
            f"统计口径应为 {'、'.join(GROUPINGS)} 之一",
            field="by",
        )
    key = _key(by)
    base = (
        select(key, *_measures())
        .select_from(CatalogResource)
        .join(ResourceVersion, ResourceVersion.id == CatalogResource.published_version_id)
    )
    rows = session.execute(base.group_by(key).order_by(key)).all()
    labels = _labels(session, by, [r[0] for r in rows])
    total = session.execute(
        select(*_measures())
        .select_from(CatalogResource)
        .join(ResourceVersion, ResourceVersion.id == CatalogResource.published_version_id)
    ).one()
    return {
        "by": by,
        "rows": sorted(
            (_row(r[0], labels.get(r[0], str(r[0])), tuple(r[1:])) for r in rows),
            key=lambda x: (-x["resources"], x["key"]),
        ),
        "totals": _row("total", "合计", tuple(total)),
        "trend": growth(session),
    }


def growth(session: Session, months: int = 24) -> list[dict[str, Any]]:
    """Resources published, cumulative at the end of each month (Beijing time)."""
    stamps = session.scalars(
        select(CatalogResource.first_published_at).where(
            CatalogResource.first_published_at.is_not(None)
        )
    ).all()
    per_month = Counter(s.astimezone(SHANGHAI).strftime("%Y-%m") for s in stamps)
    if not per_month:
        return []
    first, last = min(per_month), max(max(per_month), date.today().strftime("%Y-%m"))
    out, running = [], 0
    year, month = int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        label = f"{year:04d}-{month:02d}"
        running += per_month.get(label, 0)
        out.append({"month": label, "new": per_month.get(label, 0), "total": running})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out[-months:]


def charts(report: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Charts of the census page, each with its figures as a text alternative."""
    from govshare.core.i18n import translate
    from govshare.web.dashboard import chart

    totals = report["totals"]
    top = report["rows"][:15]
    return [
        chart("census_resources_by", [(r["label"], r["resources"]) for r in top]),
        chart(
            "census_share_types",
            [
                (translate(k, lang), totals[k])
                for k in ("unconditional", "conditional", "not_shared")
                if totals[k]
            ],
            "pie",
        ),
        chart("census_growth", [(p["month"], p["total"]) for p in report["trend"]]),
    ]
