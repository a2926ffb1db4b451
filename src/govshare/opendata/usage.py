"""View, download and API-call counters per dataset and day (no personal data is kept)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core.db import utcnow
from govshare.opendata.models import UsageDay

KINDS = ("views", "downloads", "api_calls")


def count(session: Session, resource_id: int, kind: str) -> None:
    assert kind in KINDS
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"resource_id": resource_id, "day": utcnow().date(), **{k: int(k == kind) for k in KINDS}}
    stmt = maker(UsageDay).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["resource_id", "day"], set_={kind: getattr(UsageDay, kind) + 1})
    session.execute(stmt)


def totals(session: Session, resource_id: int) -> dict[str, int]:
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(UsageDay, k)), 0) for k in KINDS]).where(
            UsageDay.resource_id == resource_id
        )
    ).one()
    return dict(zip(KINDS, (int(v) for v in row), strict=True))


def daily(session: Session, days: int = 30) -> list[dict[str, Any]]:
    since = utcnow().date() - timedelta(days=days - 1)
    rows = session.execute(
        select(UsageDay.day, *[func.sum(getattr(UsageDay, k)) for k in KINDS])
        .where(UsageDay.day >= since)
        .group_by(UsageDay.day)
        .order_by(UsageDay.day)
    ).all()
    found = {r[0]: r[1:] for r in rows}
    out = []
    for n in range(days):
        day = since + timedelta(days=n)
        values = found.get(day, (0, 0, 0))
        out.append({"day": day.isoformat(), **dict(zip(KINDS, (int(v or 0) for v in values), strict=True))})
    return out


def top(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    total = func.sum(UsageDay.views + UsageDay.downloads + UsageDay.api_calls)
    rows = session.execute(
        select(CatalogResource.code, CatalogResource.name, total.label("n"))
        .join(CatalogResource, CatalogResource.id == UsageDay.resource_id)
        .group_by(CatalogResource.code, CatalogResource.name)
        .order_by(total.desc())
        .limit(limit)
    )
    return [{"code": r.code, "name": r.name, "count": int(r.n)} for r in rows]


def since(days: int) -> date:
    return utcnow().date() - timedelta(days=days)
