"""Social-credit library (社会信用): commendations, administrative penalties and dishonest-party
listings, keyed by record number and found by subject (ID number or credit code)."""

from __future__ import annotations

import polars as pl

from govshare.base import loading
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.exchange.models import DatasetVersion
from govshare.standards.identifiers import check_identifier

KINDS = ("commendation", "penalty", "dishonest")


def subject_kind(code: str) -> str:
    """1 for a natural person (ID number), 2 for a legal person (credit code)."""
    checked = check_identifier(code)
    if not checked.ok or checked.kind not in ("citizen", "uscc"):
        raise InvalidInput(
            f"{code!r} is neither a citizen ID number nor a credit code: {checked.reason}",
            f"{code} 既不是公民身份号码也不是统一社会信用代码：{checked.reason_zh}",
            field="subject",
        )
    return "1" if checked.kind == "citizen" else "2"


def load_credit(
    db: Database, actor: Actor, frame: pl.DataFrame, progress: loading.Progress | None = None
) -> DatasetVersion:
    unknown = frame.filter(~pl.col("记录类别").is_in(KINDS))
    if unknown.height:
        raise InvalidInput(
            f"{unknown.height} record(s) of unknown kind, e.g. {unknown['记录类别'][0]!r}; expected {', '.join(KINDS)}",
            f"{unknown.height} 条记录类别无效",
            field="记录类别",
        )
    return loading.load_frame(db, actor, "credit", frame, progress=progress)
