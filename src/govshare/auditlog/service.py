"""Reading the audit log: search, export and verification for the audit administrator.
Nothing here writes to the log except the record of the reading itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, AuditRecord, ChainReport
from govshare.core.clock import SHANGHAI, day_start, today
from govshare.core.errors import InvalidInput

EXPORT_COLUMNS = (
    "id", "seq", "at", "actor", "actor_user_id", "department_id", "client_id", "action",
    "object_type", "object_id", "outcome", "purpose", "source_ip", "details", "alg",
    "prev_hash", "hash",
)
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class AuditQuery:
    since: date | None = None
    until: date | None = None
    actor: str | None = None
    department_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    purpose: str | None = None

    def describe(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items() if v}


def _statement(q: AuditQuery) -> Select[tuple[AuditRecord]]:
    if q.since and q.until and q.until < q.since:
        raise InvalidInput("'until' is before 'since'", "截止日期早于起始日期", field="until")
    stmt = select(AuditRecord)
    if q.since:
        stmt = stmt.where(AuditRecord.at >= day_start(q.since))
    if q.until:
        stmt = stmt.where(AuditRecord.at < day_start(q.until + timedelta(days=1)))
    if q.actor:
        stmt = stmt.where(AuditRecord.actor.contains(q.actor, autoescape=True))
    if q.department_id:
        stmt = stmt.where(AuditRecord.department_id == q.department_id)
    if q.action:
        stmt = stmt.where(AuditRecord.action.startswith(q.action, autoescape=True))
    if q.object_type:
        stmt = stmt.where(AuditRecord.object_type == q.object_type)
    if q.object_id:
        stmt = stmt.where(AuditRecord.object_id == q.object_id)
    if q.outcome:
        stmt = stmt.where(AuditRecord.outcome == q.outcome)
    if q.purpose:
        stmt = stmt.where(AuditRecord.purpose.contains(q.purpose, autoescape=True))
    return stmt


def search(
    session: Session, actor: Actor, q: AuditQuery, limit: int = 50, offset: int = 0
) -> tuple[list[AuditRecord], int]:
    stmt = _statement(q)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(AuditRecord.id.desc()).limit(limit).offset(offset)))
    audit.record(session, actor, "audit.search", object_type="audit_log", details=q.describe())
    return rows, total


def _rows(session: Session, q: AuditQuery, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    last = 0
    base = _statement(q)
    while True:
        chunk = session.scalars(base.where(AuditRecord.id > last).order_by(AuditRecord.id).limit(batch)).all()
        if not chunk:
            return
        for rec in chunk:
            yield tuple(
                rec.at.astimezone(SHANGHAI).isoformat() if col == "at" else getattr(rec, col)
                for col in EXPORT_COLUMNS
            )
        last = chunk[-1].id


def export(session: Session, actor: Actor, q: AuditQuery, fmt: str) -> bytes:
    """The matching records, oldest first, with their hashes so the export can be re-verified."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}", "导出格式无效", field="format")
    body = _export_csv(session, q) if fmt == "csv" else _export_xlsx(session, q)
    audit.record(session, actor, "audit.export", object_type="audit_log", details={**q.describe(), "format": fmt})
    return body


def _export_csv(session: Session, q: AuditQuery) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_rows(session, q))
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def _export_xlsx(session: Session, q: AuditQuery) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(list(EXPORT_COLUMNS))
    for row in _rows(session, q):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def verify(session: Session, actor: Actor, progress: Any = None) -> ChainReport:
    report = audit.verify_chain(session, progress)
    audit.record(session, actor, "audit.verify", object_type="audit_log", details=report.as_dict(),
                 outcome=audit.Outcome.SUCCESS if report.ok else audit.Outcome.FAILURE)
    return report


def events_per_day(session: Session, days: int = 14) -> list[tuple[str, int]]:
    """Counts for the dashboard chart, by Beijing day: one indexed range count per day, so
    the cost does not grow with the size of the log."""
    first = today() - timedelta(days=days - 1)
    counts = []
    for i in range(days):
        day = first + timedelta(days=i)
        n = session.scalar(
            select(func.count()).where(
                AuditRecord.at >= day_start(day), AuditRecord.at < day_start(day + timedelta(days=1))
            )
        )
        counts.append((day.isoformat(), n or 0))
    return counts
