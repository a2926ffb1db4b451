"""The census (大普查) of the published catalog: per department, region or class, the number of
resources and items, how many are shared of each type and opened, and the six census figures;
the totals, and their change over time from stored snapshots (one per month at least: taken on
demand by the authority or the CLI, and automatically when the current month has none)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from govshare.catalog.codes import class_names
from govshare.catalog.models import CatalogResource, CensusSnapshot, ResourceVersion
from govshare.catalog.vocab import ShareType
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.clock import SHANGHAI
from govshare.core.db import utcnow
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


def census(session: Session, by: str = "department", trend: bool = True) -> dict[str, Any]:
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
        "trend": over_time(session) if trend else [],
    }


TRIGGERS = ("manual", "cli", "auto")


def period_of(moment: Any = None) -> str:
    """The census period (month, Beijing time) of a moment: 2026-11."""
    return (moment or utcnow()).astimezone(SHANGHAI).strftime("%Y-%m")


def take_snapshot(session: Session, actor: Actor, trigger: str = "manual") -> dict[str, Any]:
    """Stores the census as it stands now (totals and per-department rows)."""
    report = census(session, "department", trend=False)
    snapshot = CensusSnapshot(
        period=period_of(),
        taken_at=utcnow(),
        taken_by=actor.name,
        trigger=trigger,
        totals=report["totals"],
        by_department=report["rows"],
    )
    session.add(snapshot)
    session.flush()
    audit.record(
        session,
        actor,
        "catalog.census.snapshot",
        object_type="catalog_census_snapshot",
        object_id=str(snapshot.id),
        details={"period": snapshot.period, "trigger": trigger,
                 "resources": report["totals"]["resources"]},
    )
    return _point(snapshot)


def ensure_snapshot(session: Session) -> bool:
    """Takes this month's snapshot when there is none yet (the census is read at least once a
    month by someone, so months are not skipped while the platform is used). Taken by the
    system, not by the reader: an auditor reading the census changes nothing."""
    if session.scalar(select(CensusSnapshot.id).where(CensusSnapshot.period == period_of()).limit(1)):
        return False
    take_snapshot(session, Actor.system("catalog-census"), "auto")
    return True


def _point(s: CensusSnapshot) -> dict[str, Any]:
    return {"month": s.period, "taken_at": s.taken_at.isoformat(), "trigger": s.trigger,
            **{c: s.totals.get(c, 0) for c in COLUMNS}, "total": s.totals.get("resources", 0)}


def over_time(session: Session, months: int = 24) -> list[dict[str, Any]]:
    """The totals of the latest snapshot of each month, oldest first, with the change in
    resources since the previous month (`new`)."""
    latest: dict[str, CensusSnapshot] = {}
    for s in session.scalars(select(CensusSnapshot).order_by(CensusSnapshot.taken_at, CensusSnapshot.id)):
        latest[s.period] = s
    out, previous = [], None
    for period in sorted(latest)[-months:]:
        point = _point(latest[period])
        point["new"] = point["total"] - previous if previous is not None else point["total"]
        previous = point["total"]
        out.append(point)
    return out


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
