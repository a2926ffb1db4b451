"""`govshare systems ...`: census import, metrics loading, the zombie audit and its reports
from the shell, with progress bars on the long jobs and --format json everywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.progress import Progress

from govshare.cli_support import operator, operator_principal, unit_of_work
from govshare.core.errors import InvalidInput
from govshare.core.output import FormatOption, emit, fail
from govshare.systems import (
    assessment,
    cases,
    census_import,
    holdings,
    integration,
    inventory,
    metrics,
    reports,
)
from govshare.systems.models import CaseStatus, Lifecycle

systems_app = typer.Typer(
    help="Information systems: census, metrics, zombie audit. 信息系统普查与僵尸系统核查。",
    no_args_is_help=True,
)
COMMANDS = [("systems", systems_app)]


def _read(path: Path) -> bytes:
    if not path.is_file():
        fail(f"no such file: {path}")
    return path.read_bytes()


@systems_app.command("template")
def template(
    out: Path = typer.Argument(..., help="where to write the census form (.xlsx)"),
    fmt: str = FormatOption,
) -> None:
    """Write the blank census form departments fill in."""
    out.write_bytes(census_import.template())
    emit({"written": str(out), "columns": len(census_import.COLUMNS)}, fmt)


@systems_app.command("import")
def import_census(
    path: Path = typer.Argument(..., help="a filled census form (.xlsx)"), fmt: str = FormatOption
) -> None:
    """Import a census return. Any problem (reported by sheet, row and column) imports nothing."""
    content = _read(path)
    with unit_of_work() as session:
        try:
            with Progress(transient=True) as progress:
                progress.add_task(
                    "census", total=None
                )  # one transaction: no partial steps to count
                returns = census_import.import_census(
                    session, operator(), operator_principal(), content, path.name
                )
        except InvalidInput as exc:
            if fmt == "json" and exc.details:
                emit({"error": exc.message, "problems": exc.details}, fmt)
            else:
                for problem in exc.details or []:
                    typer.echo(problem["message"], err=True)
            raise
        emit(
            [
                {
                    "return": r.id,
                    "department_id": r.department_id,
                    "created": r.created,
                    "updated": r.updated,
                }
                for r in returns
            ],
            fmt,
        )


@systems_app.command("metrics")
def load_metrics(
    path: Path = typer.Argument(..., help="daily metrics, .csv or .json"), fmt: str = FormatOption
) -> None:
    """Load daily usage and resource metrics; re-sent days replace stored ones."""
    content = _read(path)
    with unit_of_work() as session, Progress(transient=True) as progress:
        task = progress.add_task("metrics", total=3)
        frame = metrics.parse(content, "json" if path.suffix.lower() == ".json" else "csv")
        progress.advance(task)
        result = metrics.load(session, operator(), operator_principal(), frame, path.name)
        progress.advance(task, 2)
    emit(
        {
            "rows": result.rows,
            "systems": result.systems,
            "replaced": result.replaced,
            "systems_with_gaps": len(result.gaps),
        },
        fmt,
    )


@systems_app.command("audit")
def run_audit(
    as_of: str = typer.Option(None, help="audit date, YYYY-MM-DD (default today)"),
    fmt: str = FormatOption,
) -> None:
    """Run the zombie audit with this node's thresholds; flagged systems become proposals."""
    day = _date(as_of) if as_of else None
    with unit_of_work() as session, Progress(transient=True) as progress:
        task = progress.add_task("audit", total=5)
        run = assessment.run_audit(
            session, operator(), day, progress=lambda _step: progress.advance(task)
        )
        by_rule = dict(assessment.counts_by_rule(session, run.id))
    emit(
        {
            "run": run.id,
            "as_of": run.as_of,
            "systems": run.systems,
            "flagged": run.flagged,
            **by_rule,
        },
        fmt,
    )


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"expected a date like 2026-01-31, got {value!r}")


@systems_app.command("report")
def report(
    out: Path = typer.Argument(..., help="output file: .xlsx or .html"),
    kind: str = typer.Option("audit", help="audit | inventory | integration"),
    fmt: str = FormatOption,
) -> None:
    """Export the latest audit's zombie candidates, the inventory, or the integration lists."""
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".html") or (suffix == ".html" and kind != "audit"):
        fail("write .xlsx (any kind) or .html (audit only)")
    with unit_of_work() as session:
        principal = operator_principal()
        if kind == "inventory":
            out.write_bytes(reports.inventory_xlsx(session, principal))
        elif kind == "integration":
            out.write_bytes(integration.list_xlsx(session, principal))
        elif kind == "audit":
            run = assessment.latest_run(session)
            if run is None:
                fail("no audit has run yet: govshare systems audit")
            rows = reports.audit_rows(session, run)
            if suffix == ".html":
                out.write_text(reports.audit_html(run, rows), encoding="utf-8")
            else:
                out.write_bytes(reports.audit_xlsx(rows))
        else:
            fail(f"unknown report kind {kind!r}; expected audit, inventory or integration")
    emit({"written": str(out), "kind": kind}, fmt)


@systems_app.command("list")
def list_systems(
    department: int = typer.Option(None, help="department id"),
    state: Lifecycle = typer.Option(None),
    fmt: str = FormatOption,
) -> None:
    """List systems in the inventory."""
    with unit_of_work() as session:
        rows, _ = inventory.list_systems(
            session, operator_principal(), department, state, limit=1_000_000
        )
        emit(
            [
                {
                    "id": s.id,
                    "code": s.code,
                    "name": s.name,
                    "department_id": s.department_id,
                    "state": s.state.value,
                    "network": s.network.value,
                }
                for s in rows
            ],
            fmt,
        )


@systems_app.command("cases")
def list_cases(status: CaseStatus = typer.Option(None), fmt: str = FormatOption) -> None:
    """List zombie cases and where each stands."""
    with unit_of_work() as session:
        rows = cases.list_cases(session, operator_principal(), status, limit=1_000_000)
        emit(
            [
                {
                    "case": c.id,
                    "system": s.name,
                    "status": c.status.value,
                    "rules": c.rules,
                    "deadline": c.deadline,
                }
                for c, s in rows
            ],
            fmt,
        )


@systems_app.command("resources")
def held_resources(
    system: str = typer.Argument(None, help="a system code (default: every system)"),
    hold: list[str] = typer.Option(
        None, "--hold", help="catalog resource code the system holds; repeat; replaces its list"
    ),
    unresolved: bool = typer.Option(False, help="only codes the catalog does not know"),
    reason: str = typer.Option("", help="why the list changes (kept in the system's history)"),
    fmt: str = FormatOption,
) -> None:
    """List the catalog resources systems hold, or set one system's (codes are checked
    against the catalog: an unknown code is refused)."""
    if hold and not system:
        fail("--hold needs the system's code")
    with unit_of_work() as session:
        principal = operator_principal()
        ids = None
        if system:
            found = inventory.by_codes(session, [system]).get(system)
            if found is None:
                fail(f"no system with code {system!r}")
            ids = [found.id]
            if hold:
                inventory.update_system(
                    session, operator(), principal, found.id, {"resource_codes": hold}, reason
                )
                session.flush()
        emit(holdings.links(session, principal, ids, unresolved), fmt)
