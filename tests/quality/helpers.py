"""Files a department might hand over, and the person schema most quality tests check against."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from govshare.quality.schema import ItemSpec, ResourceSchema, schema_from_items
from govshare.standards.identifiers import make_citizen_id

HEADER = ["公民身份号码", "姓名", "性别代码", "出生日期", "行政区划代码", "手机号码"]


def person_schema(**extra: object) -> ResourceSchema:
    return schema_from_items([
        ItemSpec("公民身份号码", element="DE0101", required=True), ItemSpec("姓名", element="DE0102", required=True),
        ItemSpec("性别代码", element="DE0103"), ItemSpec("出生日期", element="DE0105"),
        ItemSpec("行政区划代码", element="DE0106"), ItemSpec("手机号码", element="DE0108"),
    ], name="persons", primary_key=["公民身份号码"], **extra)  # type: ignore[arg-type]


def person(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed * 1000 + n)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    seq = rng.randrange(1000)
    return [make_citizen_id("330102", born, seq), "张" + "伟芳娜秀英"[n % 5] + "明", "1" if seq % 2 else "2",
            f"{born:%Y%m%d}", "330102", f"138{rng.randrange(10**8):08d}"]


def people(count: int) -> list[list[str]]:
    return [person(i) for i in range(count)]


def write_csv(path: Path, rows: list[list[str]], header: list[str] | None = None, encoding: str = "utf-8") -> Path:
    lines = [",".join(header if header is not None else HEADER)] + [",".join(r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def rule_failures(report, rule_id: str) -> int:  # type: ignore[no-untyped-def]
    return next((r.failures for r in report.rules if r.id == rule_id), 0)


def sample_rows(report, rule: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.row for s in report.samples if s.rule == rule]
