"""Typing a loaded batch: dates in any accepted format, blanks and unparsable values as NULL, and
empty strings kept apart from NULL on their way through COPY's CSV."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from govshare.exchange import tables
from govshare.exchange.items import Column

COLUMNS = [Column.from_dict({"item": "日期", "column": "c0", "type": "date"}),
           Column.from_dict({"item": "时间", "column": "c1", "type": "datetime"}),
           Column.from_dict({"item": "名称", "column": "c2", "type": "string"})]


def test_one_format_per_column_is_the_common_case() -> None:
    batch = pl.DataFrame({"日期": ["2020-01-05", " 2020-01-06 ", None], "时间": ["2020-01-05 08:00:00"] * 3,
                          "名称": ["a", "b", "c"]})
    typed = tables.typed_batch(batch, COLUMNS, {}, first_row=7)
    assert typed["_row"].to_list() == [7, 8, 9]
    assert typed["c0"].to_list() == [date(2020, 1, 5), date(2020, 1, 6), None]
    assert typed["c1"].to_list() == [datetime(2020, 1, 5, 8)] * 3


def test_mixed_formats_fall_back_to_every_accepted_format() -> None:
    batch = pl.DataFrame({"日期": ["2020-01-05", "20200106", "2020/01/07", "not a date", "  "],
                          "时间": ["2020-01-05 08:00:00", "20200105090000", "2020-01-05T10:00:00", None, "x"],
                          "名称": ["a"] * 5})
    typed = tables.typed_batch(batch, COLUMNS, {})
    assert typed["c0"].to_list() == [date(2020, 1, 5), date(2020, 1, 6), date(2020, 1, 7), None, None]
    assert typed["c1"].to_list() == [datetime(2020, 1, 5, 8), datetime(2020, 1, 5, 9), datetime(2020, 1, 5, 10),
                                     None, None]


def test_the_item_own_date_format_is_tried_first() -> None:
    batch = pl.DataFrame({"日期": ["05.01.2020", "2020-01-06"], "时间": [None, None], "名称": ["a", "b"]},
                         schema={"日期": pl.String, "时间": pl.String, "名称": pl.String})  # a reader batch: all text
    typed = tables.typed_batch(batch, COLUMNS, {"日期": "%d.%m.%Y"})
    assert typed["c0"].to_list() == [date(2020, 1, 5), date(2020, 1, 6)]
