"""Quality checks as a service: run, audit, store, and read the history of a resource.

The exchange calls `run_check` on every load with the dataset version it is creating, and
refuses the load when `report.ok` is false; pages, API and CLI call the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.errors import AppError, NotFound
from govshare.quality.engine import CheckOptions, check_file
from govshare.quality.models import QualityReportRecord
from govshare.quality.report import QualityReport
from govshare.quality.schema import ResourceSchema


@dataclass
class CheckRun:
    report: QualityReport
    record: QualityReportRecord | None


def run_check(session: Session, actor: Actor, path: str | Path, schema: ResourceSchema,
              options: CheckOptions | None = None, *, dataset_version_ref: str | None = None,
              store: bool = True) -> CheckRun:
    """Check a file, write the audit record, and (by default) store the masked report."""
    options = options or CheckOptions()
    name = options.name or Path(path).name
    try:
        report = check_file(path, schema, options)
    except AppError as exc:
        audit_unreadable(session, actor, name, schema, exc)
        raise
    return record_check(session, actor, report, schema, name, dataset_version_ref=dataset_version_ref,
                        store=store)


def audit_unreadable(session: Session, actor: Actor, name: str, schema: ResourceSchema, exc: AppError) -> None:
    """A check that could not read its file is audited as a failed check."""
    audit.record(session, actor, "quality.check", object_type="file", object_id=name,
                 outcome=audit.Outcome.FAILURE, details={"resource": schema.resource_code, "reason": exc.message})


def record_check(session: Session, actor: Actor, report: QualityReport, schema: ResourceSchema, name: str, *,
                 dataset_version_ref: str | None = None, store: bool = True) -> CheckRun:
    """Audits a finished check and (by default) stores its masked report: for `run_check` and
    for the exchange loader, whose check runs batch by batch inside the load."""
    record = None
    if store:
        data = report.to_dict()
        record = QualityReportRecord(
            resource_code=schema.resource_code, dataset_version_ref=dataset_version_ref,
            department_id=actor.department_id, file_name=name[:300], file_format=report.file["format"],
            encoding=report.file.get("encoding"), rows=report.rows, errors=report.errors,
            warnings=report.warnings, score=report.score, passed=report.ok, checked_by=actor.name,
            report=data)
        session.add(record)
        session.flush()
    audit.record(session, actor, "quality.check", object_type="quality_report",
                 object_id=record.id if record else name,
                 details={"file": name, "resource": schema.resource_code, "rows": report.rows,
                          "errors": report.errors, "score": report.score,
                          "dataset_version": dataset_version_ref})
    return CheckRun(report, record)


def _visible(principal: Principal | None) -> Any:
    """Administrators see every report; department staff their department's."""
    stmt = select(QualityReportRecord)
    if principal is not None and not principal.is_platform_wide:
        stmt = stmt.where(QualityReportRecord.department_id == principal.department_id)
    return stmt


def list_reports(session: Session, principal: Principal | None, resource_code: str | None = None,
                 limit: int = 50, offset: int = 0) -> list[QualityReportRecord]:
    stmt = _visible(principal)
    if resource_code:
        stmt = stmt.where(QualityReportRecord.resource_code == resource_code)
    stmt = stmt.order_by(QualityReportRecord.checked_at.desc(), QualityReportRecord.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def get_report(session: Session, actor: Actor, principal: Principal | None, report_id: int) -> QualityReportRecord:
    record = session.scalars(_visible(principal).where(QualityReportRecord.id == report_id)).first()
    if record is None:  # another department's report answers 404, so its existence does not leak
        raise NotFound(f"quality report {report_id} not found", f"质量报告 {report_id} 不存在", field="id")
    audit.record(session, actor, "quality.report.read", object_type="quality_report", object_id=report_id)
    return record


def history(session: Session, principal: Principal | None, resource_code: str, limit: int = 100) -> list[dict]:
    """A resource's reports, oldest first: for the history chart and table."""
    rows = list_reports(session, principal, resource_code, limit)
    return [{"id": r.id, "checked_at": r.checked_at, "file": r.file_name, "rows": r.rows, "score": r.score,
             "errors": r.errors, "passed": r.passed, "dataset_version": r.dataset_version_ref}
            for r in reversed(rows)]


def record_out(record: QualityReportRecord) -> dict[str, Any]:
    return {"id": record.id, "checked_at": record.checked_at, "resource_code": record.resource_code,
            "dataset_version_ref": record.dataset_version_ref, "file_name": record.file_name,
            "file_format": record.file_format, "encoding": record.encoding, "rows": record.rows,
            "errors": record.errors, "warnings": record.warnings, "score": record.score,
            "passed": record.passed, "checked_by": record.checked_by}
