"""`workdays` commands: deadlines in working days, and entering a year's holiday notice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from govshare.cli_support import operator, unit_of_work
from govshare.core.output import FormatOption, emit, fail
from govshare.workdays import service

workdays_app = typer.Typer(help="Working days and holiday notices. 工作日与放假安排。", no_args_is_help=True)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{value!r} is not a date like 2026-12-01")


@workdays_app.command("deadline")
def deadline_cmd(start: str, days: int = typer.Argument(10, min=0, max=366), fmt: str = FormatOption) -> None:
    """The date DAYS working days after START (statutory holidays and make-up days counted)."""
    with unit_of_work() as session:
        emit(service.deadline(session, _date(start), days).as_dict(), fmt)


@workdays_app.command("add-notice")
def add_notice(year: int, file: Path = typer.Argument(..., help="lines: 2027-01-01 放假 元旦 / 2027-02-07 上班"),
               source: str = typer.Option(..., help="the notice's reference number"),
               replace: bool = typer.Option(False), fmt: str = FormatOption) -> None:
    """Enter the State Council's holiday notice for a year the calendar package lacks."""
    if not file.exists():
        fail(f"{file}: no such file")
    days = service.parse_notice_lines(file.read_text(encoding="utf-8-sig"))
    with unit_of_work() as session:
        count = service.enter_notice(session, operator(), year, source, days, replace)
    emit({"year": year, "days": count, "source": source}, fmt)


COMMANDS = [("workdays", workdays_app)]
