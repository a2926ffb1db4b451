"""`govshare catalog …`: import, export, check, census and search from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from govshare.catalog import census as census_service
from govshare.catalog import resources, transfer, workflow
from govshare.catalog import search as search_service
from govshare.catalog.models import CatalogResource
from govshare.catalog.vocab import ShareType, label
from govshare.cli_support import operator, operator_principal, unit_of_work
from govshare.core.output import FormatOption, emit, err_console, fail

catalog_app = typer.Typer(
    help="Information-resource catalog. 政务信息资源目录。", no_args_is_help=True
)


@contextmanager
def _progress(description: str) -> Iterator[Progress]:
    """A progress bar on stderr, so --format json output on stdout stays clean."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        yield progress


@catalog_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help=".xlsx, .csv or .json"),
    submit: bool = typer.Option(False, help="submit the entries for review after import"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every row, write nothing"),
    fmt: str = FormatOption,
) -> None:
    """Import the national template: every row is checked first; all rows or none are written."""
    content = file.read_bytes()
    with _progress(f"import {file.name}") as progress, unit_of_work() as session:
        task = progress.add_task(f"import {file.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = transfer.import_file(
            session,
            operator_principal(),
            operator(),
            file.name,
            content,
            dry_run=dry_run,
            submit=submit,
            progress=advance,
        )
    emit(
        result.summary("zh")
        if fmt == "json"
        else {k: v for k, v in result.summary("zh").items() if k != "codes"},
        fmt,
    )


@catalog_app.command("export")
def export_cmd(
    file: Path = typer.Argument(
        ..., dir_okay=False, help="catalog.xlsx, catalog.csv or catalog.json"
    ),
    provider: int = typer.Option(None, help="only this provider (department id)"),
) -> None:
    """Export the published catalog in the national template (by the file's suffix)."""
    kind = (
        transfer.kind_of(file.name)
        if file.suffix
        else fail("give the file a .xlsx, .csv or .json suffix")
    )
    with unit_of_work() as session:
        content, _media = transfer.export(session, operator(), kind, provider)
    file.write_bytes(content)
    typer.echo(f"{file} ({len(content)} bytes)")


@catalog_app.command("check")
def check_cmd(
    file: Path = typer.Argument(
        None,
        exists=True,
        dir_okay=False,
        help="a file to check without importing; none: the whole catalog",
    ),
    fmt: str = FormatOption,
) -> None:
    """共享校核: check a file (nothing written) or every entry in the catalog; exit 1 on errors."""
    if file is not None:
        with unit_of_work() as session:
            result = transfer.import_file(
                session,
                operator_principal(),
                operator(),
                file.name,
                file.read_bytes(),
                dry_run=True,
            )
        emit(
            [w.out("zh") for w in result.warnings]
            or {"ok": True, "rows": len(result.created + result.updated)},
            fmt,
        )
        return
    rows = []
    with unit_of_work() as session, _progress("check") as progress:
        entries = list(session.scalars(select(CatalogResource.id).order_by(CatalogResource.code)))
        task = progress.add_task("共享校核", total=len(entries))
        for resource_id in entries:
            resource = resources.get_resource(session, operator_principal(), resource_id)
            rows += [
                {"code": resource.code, **f.out("zh")}
                for f in workflow.checks_for(session, resource)
            ]
            progress.advance(task)
    emit(rows, fmt)
    if any(r["level"] == "error" for r in rows):
        raise typer.Exit(1)


@catalog_app.command("census")
def census_cmd(
    by: str = typer.Option("department", help="department, region or class"),
    xlsx: Path = typer.Option(None, help="also write the census workbook here"),
    snapshot: bool = typer.Option(
        False, "--snapshot", help="store the census as it stands now (its change over time)"
    ),
    fmt: str = FormatOption,
) -> None:
    """The census (大普查): resources, items, sharing, openness and the six figures."""
    if snapshot:
        with unit_of_work() as session:
            point = census_service.take_snapshot(session, operator(), "cli")
        emit(point if fmt == "json" else [point], fmt, title="大普查快照")
        return
    with unit_of_work() as session, _progress("census") as progress:
        task = progress.add_task("大普查", total=2 if xlsx else 1)
        census_service.ensure_snapshot(session)
        report = census_service.census(session, by)
        progress.advance(task)
        if xlsx:
            xlsx.write_bytes(transfer.census_workbook(session, operator()))
            progress.advance(task)
    if fmt == "json":
        emit(report, fmt)
        return
    emit([*report["rows"], report["totals"]], fmt, title=f"大普查 · {by}")


@catalog_app.command("search")
def search_cmd(
    query: str = typer.Argument("", help="Chinese words or abbreviations, e.g. 社保"),
    share_type: ShareType = typer.Option(None, help="unconditional, conditional, not_shared"),
    provider: int = typer.Option(None, help="provider department id"),
    limit: int = typer.Option(20, min=1, max=500),
    fmt: str = FormatOption,
) -> None:
    """Search the published catalog as users do (synonyms, facets)."""
    with unit_of_work() as session:
        result = search_service.search(
            session,
            query,
            search_service.Filters(share_type=share_type, provider_id=provider),
            limit=limit,
        )
    if fmt == "json":
        emit(
            {
                "total": result.total,
                "terms": result.terms,
                "items": [
                    {k: v for k, v in h.items() if not k.endswith("_html")} for h in result.hits
                ],
                "facets": result.facets,
            },
            fmt,
        )
        return
    emit(
        [
            {
                "code": h["code"],
                "name": h["name"],
                "provider": h["provider_name"],
                "share_type": label(h["share_type"]),
                "open": h["open"],
            }
            for h in result.hits
        ],
        fmt,
        title=f"{result.total} · {' + '.join('/'.join(g) for g in result.terms)}",
    )


COMMANDS = [("catalog", catalog_app)]
