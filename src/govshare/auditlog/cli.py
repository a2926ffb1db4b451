"""`audit` commands: verify the chain, search and export the log."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from govshare.auditlog import service
from govshare.auditlog.service import AuditQuery
from govshare.cli_support import operator, unit_of_work
from govshare.core.audit import AuditRecord
from govshare.core.output import FormatOption, emit, fail

audit_app = typer.Typer(help="The tamper-evident audit log. 审计日志。", no_args_is_help=True)


@audit_app.command("verify")
def verify(fmt: str = FormatOption) -> None:
    """Walk the hash chain; exit 1 and name the first broken record if it was tampered with."""
    with unit_of_work() as session:
        total = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
        with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True, disable=fmt == "json") as progress:
            task = progress.add_task("chain", total=total)
            report = service.verify(session, operator(), progress=lambda n: progress.update(task, completed=n))
    emit(report.as_dict(), fmt)
    if not report.ok:
        fail(f"audit chain broken at record #{report.first_broken_seq}: {report.reason}")


def _query(since: str | None, until: str | None, actor: str | None, action: str | None,
           outcome: str | None) -> AuditQuery:
    def day(value: str | None, name: str):  # type: ignore[no-untyped-def]
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            fail(f"--{name} must be a date like 2026-01-31, not {value!r}")
    return AuditQuery(since=day(since, "since"), until=day(until, "until"), actor=actor, action=action,
                      outcome=outcome)


@audit_app.command("search")
def search(since: str = typer.Option(None), until: str = typer.Option(None), actor: str = typer.Option(None),
           action: str = typer.Option(None), outcome: str = typer.Option(None),
           limit: int = typer.Option(50, min=1, max=10_000), fmt: str = FormatOption) -> None:
    """Show the newest matching records."""
    with unit_of_work() as session:
        rows, total = service.search(session, operator(), _query(since, until, actor, action, outcome), limit)
        emit([{"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action,
               "object": f"{r.object_type} {r.object_id}".strip(), "outcome": r.outcome} for r in rows], fmt,
             title=f"{total} records")


@audit_app.command("export")
def export(output: Path = typer.Argument(..., help="file to write (.csv or .xlsx)"),
           since: str = typer.Option(None), until: str = typer.Option(None), actor: str = typer.Option(None),
           action: str = typer.Option(None), outcome: str = typer.Option(None)) -> None:
    """Export matching records with their hashes (CSV with BOM for Excel, or XLSX)."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in service.EXPORT_FORMATS:
        fail(f"{output}: the file name must end in .csv or .xlsx")
    with unit_of_work() as session:
        body = service.export(session, operator(), _query(since, until, actor, action, outcome), fmt)
    output.write_bytes(body)
    typer.echo(f"wrote {output} ({len(body)} bytes)")


COMMANDS = [("audit", audit_app)]
