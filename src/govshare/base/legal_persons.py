"""Legal-person libraries (法人): enterprises (市场监管), social organisations (民政) and public
institutions (机构编制), each keyed by unified social credit code. Which library holds a code
follows from the code itself: GB 32100 position 1 is the registering authority."""

from __future__ import annotations

import polars as pl

from govshare.base import loading
from govshare.base.libraries import LEGAL_BY_AUTHORITY
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.exchange.models import DatasetVersion
from govshare.standards.identifiers import check_uscc


def library_for(code: str) -> str:
    """The library key holding a credit code (422 when the code is not valid GB 32100)."""
    checked = check_uscc(code)
    if not checked.ok or checked.normalized is None:
        raise InvalidInput(
            f"{code!r} is not a valid unified social credit code: {checked.reason}",
            f"{code} 不是有效的统一社会信用代码：{checked.reason_zh}",
            field="credit_code",
        )
    library = LEGAL_BY_AUTHORITY.get(checked.normalized[0])
    if library is None:
        raise InvalidInput(
            f"credit code {code} is registered by authority {checked.normalized[0]}, which no base "
            "library holds (9 market regulation, 5 civil affairs, 1 staffing office)",
            f"统一社会信用代码 {code} 的登记管理部门不属于任何基础信息库",
            field="credit_code",
        )
    return library


def load_legal_persons(
    db: Database, actor: Actor, frame: pl.DataFrame, progress: loading.Progress | None = None
) -> dict[str, DatasetVersion]:
    """Splits a frame of all kinds by registering authority and loads each library."""
    by_library = frame.with_columns(
        pl.col("统一社会信用代码").str.slice(0, 1).replace_strict(LEGAL_BY_AUTHORITY, default=None).alias("_library")
    )
    unknown = by_library.filter(pl.col("_library").is_null())
    if unknown.height:
        raise InvalidInput(
            f"{unknown.height} credit code(s) belong to no base library, e.g. {unknown['统一社会信用代码'][0]}",
            f"{unknown.height} 个统一社会信用代码不属于任何基础信息库",
            field="统一社会信用代码",
        )
    return {
        key: loading.load_frame(db, actor, key, part.drop("_library"), progress=progress)
        for key in LEGAL_BY_AUTHORITY.values()
        if (part := by_library.filter(pl.col("_library") == key)).height
    }
