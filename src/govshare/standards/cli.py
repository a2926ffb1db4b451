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
