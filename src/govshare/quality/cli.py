"""`govshare quality …`: check a file from the shell, and write schemas to check against.

Exit status: 0 when no errors were found, 2 when the file breaks the schema (the report
says where), 1 when the check could not run (unreadable file, unknown resource…).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govshare.core.errors import AppError
from govshare.core.output import FormatOption, emit, fail

quality_app = typer.Typer(help="Check data files against standards. 数据质量检查。", no_args_is_help=True)
ERRORS_FOUND = 2
REPORT_FORMATS = ("text", "json", "html", "xlsx")


def _load_schema(schema_path: str | None, resource: str | None, session: Any) -> Any:
    from govshare.quality.resources import schema_for_resource
    from govshare.quality.schema import from_table_schema

    if bool(schema_path) == bool(resource):
        fail("give exactly one of --resource CODE or --schema schema.json")
    if resource:
        return schema_for_resource(session, resource)
    path = Path(schema_path or "")
    if not path.is_file():
        fail(f"{schema_path}: no such schema file")
    try:
        return from_table_schema(json.loads(path.read_text(encoding="utf-8-sig")))
    except json.JSONDecodeError as exc:
        fail(f"{schema_path}: not JSON ({exc})")


@quality_app.command("check")
def check_command(
    file: str = typer.Argument(..., help="CSV (UTF-8, BOM, GBK, GB18030), XLSX, JSON Lines or Parquet"),
    resource: str = typer.Option(None, "--resource", "-r", help="catalog resource code"),
    schema: str = typer.Option(None, "--schema", "-s", help="Table Schema JSON file"),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, html or xlsx", case_sensitive=False),
    output: str = typer.Option(None, "--output", "-o", help="write the report here (needed for xlsx)"),
    encoding: str = typer.Option(None, help="override the detected encoding, e.g. gb18030"),
    input_format: str = typer.Option(None, "--input-format", help="csv, xlsx, jsonl or parquet"),
    store: bool = typer.Option(True, "--store/--no-store", help="keep the report in the database"),
    lang: str = typer.Option("zh", help="language of html reports: zh or en"),
) -> None:
    """Check FILE against a resource's schema; exit 2 when errors are found."""
    from govshare.cli_support import operator, unit_of_work
    from govshare.quality.engine import CheckOptions
    from govshare.quality.service import run_check

    if fmt not in REPORT_FORMATS:
        fail(f"unknown format {fmt!r}; expected one of {', '.join(REPORT_FORMATS)}")
    if fmt == "xlsx" and not output:
        fail("an xlsx report needs --output FILE.xlsx")
    if not Path(file).is_file():
        fail(f"{file}: no such file")
    with unit_of_work() as session, _progress(fmt, output) as progress:
        task = progress.add_task(Path(file).name, total=None)
        options = CheckOptions(encoding=encoding, format=input_format,
                               progress=lambda done, total: progress.update(task, completed=done, total=total))
        try:
            run = run_check(session, operator(), file, _load_schema(schema, resource, session), options,
                            store=store)
        except AppError as exc:
            session.commit()  # keep the audit record of the failed check
            fail(exc.message)
    _write(run.report, fmt, output, lang)
    if not run.report.ok:
        raise typer.Exit(ERRORS_FOUND)


def _progress(fmt: str, output: str | None) -> Progress:
    quiet = fmt in ("json", "html") and not output  # stdout carries the report itself
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=quiet or not sys.stderr.isatty(), transient=True)


def _write(report: Any, fmt: str, output: str | None, lang: str) -> None:
    from govshare.quality.report import render_html, render_xlsx

    if fmt == "text":
        _print_text(report)
        return
    content: str | bytes = {"json": report.to_json, "html": lambda: render_html(report, lang),
                            "xlsx": lambda: render_xlsx(report)}[fmt]()
    if output:
        Path(output).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        typer.echo(f"report written to {output}", err=True)
    else:
        typer.echo(content)


def _print_text(report: Any) -> None:
    data = report.to_dict()
    console = Console()
    emit({"file": data["file"]["name"], "format": data["file"]["format"], "encoding": data["file"]["encoding"],
          "rows": data["rows"], "score": data["score"], "errors": data["errors"], "warnings": data["warnings"],
          **{f"score {d}": s for d, s in data["dimensions"].items() if s is not None},
          "seconds": data["seconds"]}, "text", title="quality report / 质量报告")
    for issue in data["issues"]:
        console.print(f"[{issue['severity']}] {issue['message']} / {issue['message_zh']}", markup=False)
    failing = [r for r in data["rules"] if r["failures"]]
    if failing:
        table = Table(title="rules with failures / 未通过的规则")
        for column in ("item", "rule", "failures", "expected"):
            table.add_column(column)
        for r in failing:
            table.add_row(r["item"], r["rule"], str(r["failures"]), r["expected_zh"])
        console.print(table)
    for d in data["duplicates"]:
        if d["groups"]:
            what = "+".join(d["key"]) or "whole rows / 整行"
            console.print(f"duplicates {what}: {d['groups']} groups, {d['surplus_rows']} surplus rows "
                          f"(counted) / 重复 {d['groups']} 组，多余 {d['surplus_rows']} 行（计入）", markup=False)
    if data["samples"]:
        table = Table(title="sample failing rows / 问题行样例")
        for column in ("row", "item", "value", "expected"):
            table.add_column(column)
        for s in data["samples"][:30]:
            table.add_row(str(s["row"]), s["item"], s["value"] or "", s["expected_zh"])
        console.print(table)


@quality_app.command("schema")
def schema_command(
    item: list[str] = typer.Option(..., "--item", "-i",
                                   help="NAME or NAME=ELEMENT (e.g. 身份证号=DE0101); add ! for required"),
    key: list[str] = typer.Option([], "--key", "-k", help="primary-key item(s)"),
    output: str = typer.Option(None, "--output", "-o"),
    update_cycle: str = typer.Option(None, help="daily, weekly, monthly … or 每日, 每月 …"),
    fmt: str = FormatOption,
) -> None:
    """Write a Table Schema for items that use registered data elements."""
    from govshare.cli_support import unit_of_work
    from govshare.quality.schema import ItemSpec, schema_from_items, to_table_schema
    from govshare.standards.registry import field_lookup

    specs = []
    for text in item:
        required = text.endswith("!")
        name, _, element = text.rstrip("!").partition("=")
        specs.append(ItemSpec(name=name.strip(), element=element.strip() or None, required=required))
    with unit_of_work() as session:
        schema = schema_from_items(specs, field_lookup(session), primary_key=key, update_cycle=update_cycle)
    table_schema = to_table_schema(schema)
    if output:
        Path(output).write_text(json.dumps(table_schema, ensure_ascii=False, indent=1), encoding="utf-8")
        emit({"file": output, "items": len(specs), "rules": len(schema.rules)}, fmt)
    else:
        typer.echo(json.dumps(table_schema, ensure_ascii=False, indent=1))


COMMANDS = [("quality", quality_app)]
