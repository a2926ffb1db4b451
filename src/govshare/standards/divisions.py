"""Reference administrative divisions (GB/T 2260): province, prefecture and county codes.

The table ships with the package (data/divisions.csv, rebuilt by scripts/build_divisions.py)
so that identifier checks work offline on an isolated government network. It is a snapshot:
codes retired before it was taken are absent, which is why callers treat "unknown" as a fact
to report rather than an error.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

_DATA = resources.files("govshare.standards") / "data"

LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class DivisionRef:
    code: str
    name: str
    level: str
    parent_code: str | None


def _load_source() -> dict[str, Any]:
    return json.loads((_DATA / "divisions.source.json").read_text(encoding="utf-8"))


# Where the table came from (package, version, licence, publication date); shown by tools
# that report a division so a reader can judge how current the answer is.
SOURCE: dict[str, Any] = _load_source()


@lru_cache(maxsize=1)
def _table() -> tuple[DivisionRef, ...]:
    text = (_DATA / "divisions.csv").read_text(encoding="utf-8")
    return tuple(
        DivisionRef(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row["parent_code"] or None,
        )
        for row in csv.DictReader(io.StringIO(text))
    )


@lru_cache(maxsize=1)
def _index() -> dict[str, DivisionRef]:
    return {ref.code: ref for ref in _table()}


def reference_divisions() -> list[DivisionRef]:
    """All reference divisions, sorted by code (a fresh list; the rows are immutable)."""
    return list(_table())


def lookup_division(code: str) -> DivisionRef | None:
    """The reference row for a 6-digit code, or None when the snapshot does not list it."""
    return _index().get(code)


def division_name(code: str) -> str | None:
    """Name of a 6-digit division code, or None when the snapshot does not list it."""
    ref = _index().get(code)
    return ref.name if ref else None


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The 2-digit province prefixes (e.g. "11" for 北京市) found in the reference table."""
    return frozenset(ref.code[:2] for ref in _table() if ref.level == "province")


def province_name(prefix: str) -> str | None:
    """Name of a province from its 2-digit prefix (or any code starting with it)."""
    return division_name(prefix[:2] + "0000") if len(prefix) >= 2 else None


def level_of(code: str) -> str:
    """Level implied by a 6-digit code's trailing zeros (GB/T 2260 layout 2+2+2)."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def full_name(code: str) -> str | None:
    """Province / prefecture / county names joined, e.g. 北京市 市辖区 朝阳区; None if unknown."""
    ref = _index().get(code)
    if ref is None:
        return None
    parts = [ref.name]
    while ref.parent_code:
        parent = _index().get(ref.parent_code)
        if parent is None:
            break
        parts.append(parent.name)
        ref = parent
    return " ".join(reversed(parts))
