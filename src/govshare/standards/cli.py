"""`id` commands: explain a citizen number, credit code or division code from the shell.

Clerks and data stewards paste values from spreadsheets; the command says which rule a value
breaks (in English and Chinese) instead of a bare "invalid", and exits 1 so scripts can
filter bad rows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from govshare.core.output import FormatOption, emit, fail
from govshare.standards.identifiers import IdentifierCheck, check_identifier

id_app = typer.Typer(
    help="Check identifiers: citizen ID, unified social credit code, division code. "
    "校验公民身份号码、统一社会信用代码、行政区划代码。",
    no_args_is_help=True,
)


class IdKind(StrEnum):
    auto = "auto"
    citizen = "citizen"
    uscc = "uscc"
    division = "division"


KIND_LABELS = {
    "citizen": "citizen identity number / 公民身份号码 (GB 11643)",
    "uscc": "unified social credit code / 统一社会信用代码 (GB 32100)",
    "division": "administrative division code / 行政区划代码 (GB/T 2260)",
}


def _fact_text(value: Any) -> Any:
    # Nested facts such as {"code": "9", "zh": "工商", "en": "..."} read better as one phrase.
    if isinstance(value, dict) and {"zh", "en"} <= value.keys():
        prefix = f"{value['code']} " if "code" in value else ""
        return f"{prefix}{value['zh']} ({value['en']})"
    if isinstance(value, bool):
        return "yes / 是" if value else "no / 否"
    return value


def _text_view(result: IdentifierCheck) -> dict[str, Any]:
    view: dict[str, Any] = {
        "value": result.value,
        "kind": KIND_LABELS[result.kind],
        "valid": "yes / 有效" if result.ok else "no / 无效",
    }
    if result.normalized is not None:
        view["normalized"] = result.normalized
    for i, problem in enumerate(result.problems, 1):
        view[f"problem {i}"] = f"{problem.message} / {problem.message_zh}"
    for i, warning in enumerate(result.warnings, 1):
        view[f"warning {i}"] = f"{warning['message']} / {warning['message_zh']}"
    for key, value in result.facts.items():
        if key != "warnings":
            view[key] = _fact_text(value)
    return view


@id_app.command("check")
def check_command(
    value: str = typer.Argument(..., help="the value to check / 待校验的值"),
    kind: IdKind = typer.Option(
        IdKind.auto, "--kind", "-k", case_sensitive=False,
        help="auto (by shape), citizen, uscc or division",
    ),
    fmt: str = FormatOption,
) -> None:
    """Explain VALUE: what it is, what could be read from it, and what is wrong with it."""
    result = check_identifier(value, kind.value)
    if fmt == "json":
        emit(result.to_dict(), fmt)
    else:
        emit(_text_view(result), fmt, title=KIND_LABELS[result.kind])
    if not result.ok:
        label = KIND_LABELS[result.kind].split(" (")[0]
        fail(f"invalid {label}: {result.reason} ({result.reason_zh})")


# --- `govshare standards …`: the data-element and code-table registry ----------------------

standards_app = typer.Typer(
    help="Data elements and code tables: list, show, import, export. 数据元与代码表。",
    no_args_is_help=True,
)


def _element_row(e: Any) -> dict[str, Any]:
    return {"identifier": e.identifier, "version": e.version, "name_zh": e.name_zh, "name_en": e.name_en,
            "data_type": e.data_type, "format": e.format, "domain": f"{e.domain_kind}:{e.domain}"
            if e.domain_kind else "", "source": e.source_standard, "status": e.status}


@standards_app.command("elements")
def elements_command(q: str = typer.Option(None, help="identifier or name contains"),
                     all_versions: bool = typer.Option(False, "--all", help="include superseded versions"),
                     fmt: str = FormatOption) -> None:
    """List data elements (数据元)."""
    from govshare.cli_support import unit_of_work
    from govshare.standards import registry

    with unit_of_work() as session:
        emit([_element_row(e) for e in registry.list_elements(session, q, all_versions)], fmt)


@standards_app.command("element")
def element_command(identifier: str, version: str = typer.Option(None), fmt: str = FormatOption) -> None:
    """Show one data element and what the quality engine checks for it."""
    from dataclasses import asdict

    from govshare.cli_support import unit_of_work
    from govshare.standards import registry

    with unit_of_work() as session:
        element = registry.get_element(session, identifier, version)
        spec = registry.field_spec(element, lambda t: registry.find_code_table(session, t))
        checks = {k: v for k, v in asdict(spec).items() if v not in (None, False, "", []) and
                  k in ("type", "pattern", "max_length", "min_length", "minimum", "maximum", "code_table",
                        "validator", "date_format", "personal")}
        emit({**element.content(), "status": element.status, "checks": checks}, fmt,
             title=f"{element.identifier} {element.name_zh}")


@standards_app.command("tables")
def tables_command(all_versions: bool = typer.Option(False, "--all", help="include superseded versions"),
                   fmt: str = FormatOption) -> None:
    """List code tables (代码表)."""
    from govshare.cli_support import unit_of_work
    from govshare.standards import registry

    with unit_of_work() as session:
        emit([{"identifier": t.identifier, "version": t.version, "name_zh": t.name_zh, "name_en": t.name_en,
               "codes": len(t.entries), "source": t.source_standard, "status": t.status}
              for t in registry.list_code_tables(session, all_versions)], fmt)


@standards_app.command("table")
def table_command(identifier: str, version: str = typer.Option(None), fmt: str = FormatOption) -> None:
    """Show a code table with its codes."""
    from govshare.cli_support import unit_of_work
    from govshare.standards import registry

    with unit_of_work() as session:
        table = registry.get_code_table(session, identifier, version)
        if fmt == "json":
            emit({**table.content(), "status": table.status}, fmt)
        else:
            emit(table.entries, fmt, title=f"{table.identifier}-{table.version} {table.name_zh}")


@standards_app.command("import")
def import_command(path: str = typer.Argument(..., help="a .json or .xlsx file as written by export"),
                   fmt: str = FormatOption) -> None:
    """Import elements and code tables; a changed definition needs a new version."""
    from pathlib import Path

    from govshare.cli_support import operator, unit_of_work
    from govshare.standards import registry

    file = Path(path)
    if not file.is_file():
        fail(f"{path}: no such file")
    with unit_of_work() as session:
        registry.ensure_seeded(session, operator())
        result = registry.import_bundle(session, operator(), registry.parse_bundle(file.read_bytes(), file.name))
        emit(result.to_dict(), fmt)


@standards_app.command("export")
def export_command(path: str = typer.Argument(..., help="output .json or .xlsx"),
                   all_versions: bool = typer.Option(False, "--all", help="include superseded versions"),
                   fmt: str = FormatOption) -> None:
    """Export the registry (current versions) as JSON or XLSX."""
    import json
    from pathlib import Path

    from govshare.cli_support import unit_of_work
    from govshare.standards import registry

    with unit_of_work() as session:
        bundle = registry.export_bundle(session, all_versions)
    out = Path(path)
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(registry.export_xlsx(bundle))
    else:
        out.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    emit({"file": str(out), "elements": len(bundle["elements"]), "code_tables": len(bundle["code_tables"])}, fmt)


COMMANDS = [("standards", standards_app)]
