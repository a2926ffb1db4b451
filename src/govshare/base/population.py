"""Population library (人口): persons keyed by citizen identity number, and the records linked to
them by lead departments (social security 人社, marriage 民政, education 教育).

`check_persons` reports every bad row before anything is written: a wrong GB 11643 check
character, a birth date that does not exist (in the number or in 出生日期), a number given
twice. A file with any of them is refused whole, so nothing is half-written; the exchange's
quality gate behind it is the second line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from govshare.base import loading
from govshare.base.generator import citizen_check_chars
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.core.masking import mask_citizen_id
from govshare.exchange.models import DatasetVersion, LoadMode

ID = "公民身份号码"
MAX_LISTED = 1000  # rows listed in one error answer; the count says how many there were


@dataclass(frozen=True)
class RowProblem:
    row: int  # spreadsheet row: the header is row 1
    field: str
    value: str  # masked
    code: str
    expected: str
    expected_zh: str

    def out(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "code": self.code,
            "expected": self.expected,
            "expected_zh": self.expected_zh,
        }


def _expected_check(ids: pl.Series) -> pl.Series:
    shaped = ids.str.contains(r"^[0-9]{17}[0-9X]$")
    first17 = pl.select(pl.when(shaped).then(ids.str.slice(0, 17)).otherwise(pl.lit("0" * 17))).to_series()
    return pl.select(pl.when(shaped).then(citizen_check_chars(first17))).to_series()


def check_persons(frame: pl.DataFrame) -> list[RowProblem]:
    """Every row whose ID number is malformed, fails its check character or holds an impossible
    birth date, whose 出生日期 is not a real date, and every repeated ID number."""
    if ID not in frame.columns:
        raise InvalidInput(f"the file has no {ID} column", f"文件缺少“{ID}”列", field=ID)
    ids = frame[ID].cast(pl.String).str.strip_chars().str.to_uppercase().fill_null("")
    expected = _expected_check(ids) if frame.height else pl.Series([], dtype=pl.String)
    born_in_id = ids.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    checks = pl.DataFrame(
        {"id": ids, "expected": expected, "born": born_in_id, "dup": ids.is_duplicated() & ~ids.is_first_distinct()}
    )
    if "出生日期" in frame.columns:
        text = frame["出生日期"].cast(pl.String).str.strip_chars()
        parsed = pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%Y%m%d", strict=False))
        checks = checks.with_columns(bad_date=text.is_not_null() & (text != "") & parsed.is_null())
    else:
        checks = checks.with_columns(bad_date=pl.lit(False))
    rules = (
        (
            "format",
            ID,
            pl.col("expected").is_null(),
            "18 characters: 17 digits and a digit or X",
            "18 位：17 位数字加 1 位数字或 X",
        ),
        (
            "check_char",
            ID,
            pl.col("expected").is_not_null() & (pl.col("id").str.slice(17, 1) != pl.col("expected")),
            "the GB 11643 check character",
            "符合 GB 11643 的校验码",
        ),
        (
            "birth_date",
            ID,
            pl.col("expected").is_not_null() & pl.col("born").is_null(),
            "positions 7–14 a real birth date YYYYMMDD",
            "第 7–14 位为真实的出生日期",
        ),
        ("birth_date", "出生日期", pl.col("bad_date"), "a real date (YYYY-MM-DD)", "真实的日期（YYYY-MM-DD）"),
        ("duplicate", ID, pl.col("dup"), "each ID number once", "公民身份号码不得重复"),
    )
    problems: list[RowProblem] = []
    for code, field, condition, expected_en, expected_zh in rules:
        rows = checks.with_row_index("n").filter(condition).select("n", "id")
        for n, value in rows.iter_rows():
            shown = frame["出生日期"][n] if field == "出生日期" else mask_citizen_id(value)
            problems.append(RowProblem(n + 2, field, str(shown), code, expected_en, expected_zh))
    return sorted(problems, key=lambda p: p.row)


def refuse(problems: list[RowProblem], what: str = "persons") -> InvalidInput:
    first = problems[0]
    return InvalidInput(
        f"{len(problems)} bad row(s) in the {what} file; nothing was loaded. First: row {first.row}, "
        f"{first.field} {first.value}: expected {first.expected}",
        f"{what} 文件有 {len(problems)} 行错误，未装载任何数据。首个：第 {first.row} 行，{first.field} {first.value}："
        f"应为{first.expected_zh}",
        field=first.field,
        code="bad_rows",
        details={"count": len(problems), "rows": [p.out() for p in problems[:MAX_LISTED]]},
    )


def load_persons(
    db: Database,
    actor: Actor,
    frame: pl.DataFrame,
    mode: LoadMode = LoadMode.REPLACE,
    progress: loading.Progress | None = None,
    checked: bool = False,
) -> DatasetVersion:
    """Checks every row, then loads the persons through the exchange; refuses the whole file on
    any bad row (`checked`: the generator's frames are valid by construction and skip the check)."""
    if not checked:
        problems = check_persons(frame)
        if problems:
            raise refuse(problems)
    return loading.load_frame(db, actor, "person", frame, mode, progress)


def load_persons_file(
    db: Database, actor: Actor, path: Path, mode: LoadMode = LoadMode.REPLACE, progress: loading.Progress | None = None
) -> DatasetVersion:
    return load_persons(db, actor, loading.read_table(path), mode, progress)


LINKED = ("social_security", "marriage", "education")


def load_linked(
    db: Database, actor: Actor, key: str, frame: pl.DataFrame, progress: loading.Progress | None = None
) -> DatasetVersion:
    """A lead department's records keyed by ID number (social security, marriage, education)."""
    if key not in LINKED:
        raise InvalidInput(
            f"unknown population record kind {key!r}; expected one of {', '.join(LINKED)}",
            f"未知的人口关联信息类别 {key}",
            field="library",
        )
    problems = [p for p in check_persons(frame) if p.field == ID]
    if problems:
        raise refuse(problems, key)
    return loading.load_frame(db, actor, key, frame, LoadMode.REPLACE, progress)
