"""One way for every CLI command to print data: a Rich table for people, JSON for scripts.

Commands call `emit(rows_or_object, fmt)`; failures call `fail(reason)`, which prints one line
to stderr and exits non-zero, so scripts can rely on both conventions.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

FORMATS = ("text", "json")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=_jsonable, indent=2)


def emit(data: Any, fmt: str = "text", *, title: str | None = None) -> None:
    """Print `data` (a mapping, or a sequence of mappings) as a table or as JSON."""
    if fmt == "json":
        typer.echo(to_json(data))
        return
    if fmt != "text":
        fail(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if isinstance(data, Mapping):
        table = Table(title=title, show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in data.items():
            table.add_row(str(key), _text(value))
        console.print(table)
        return
    rows: Sequence[Mapping[str, Any]] = list(data)
    if not rows:
        console.print("(none)")
        return
    table = Table(title=title)
    columns = list(rows[0].keys())
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_text(row.get(c)) for c in columns))
    console.print(table)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=_jsonable)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def fail(reason: str, code: int = 1) -> NoReturn:
    """Print a one-line reason to stderr and exit non-zero."""
    err_console.print(f"error: {reason}", markup=False, highlight=False, soft_wrap=True)
    sys.stdout.flush()
    raise typer.Exit(code)


FormatOption = typer.Option("text", "--format", "-f", help="text (table) or json", case_sensitive=False)
