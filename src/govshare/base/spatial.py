"""Spatial-geographic library (空间地理): the province's divisions served by division code.

Coordinates: only the province and its prefecture-level cities carry a point, the approximate
location of the seat of government (政府驻地) to about 0.05°, entered by hand from general
knowledge; it is not a geometric centroid and is labelled so in 坐标说明. Counties carry none.
No boundary ships with govshare (`boundaries.py` says why): a node loads the boundaries it is
licensed to share with `govshare base boundaries FILE.geojson`, which records their source,
licence and date in 坐标说明; 边界 then holds each division's GeoJSON geometry.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govshare.base import loading
from govshare.base.libraries import resource_of
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.exchange import datasets
from govshare.exchange.models import DatasetVersion
from govshare.standards.divisions import reference_divisions

# (longitude, latitude), WGS84/CGCS2000 degrees, seat of government, approximate.
SEATS = {
    "330000": (120.15, 30.27),
    "330100": (120.21, 30.25),
    "330200": (121.55, 29.87),
    "330300": (120.70, 28.00),
    "330400": (120.76, 30.75),
    "330500": (120.09, 30.89),
    "330600": (120.58, 30.00),
    "330700": (119.65, 29.08),
    "330800": (118.87, 28.94),
    "330900": (122.21, 30.00),
    "331000": (121.42, 28.66),
    "331100": (119.92, 28.45),
}
SEAT_NOTE = "政府驻地近似坐标（约0.05度，非几何中心）"
NO_POINT = "未提供坐标（县级坐标未随软件提供）"


def divisions_frame(province: str = "330000") -> pl.DataFrame:
    rows = [d for d in reference_divisions() if d.code.startswith(province[:2])]
    return pl.DataFrame(
        {
            "行政区划代码": [d.code for d in rows],
            "区划名称": [d.name for d in rows],
            "区划级别": [d.level for d in rows],
            "上级行政区划代码": [d.parent_code or "" for d in rows],
            "中心点经度": [SEATS.get(d.code, (None, None))[0] for d in rows],
            "中心点纬度": [SEATS.get(d.code, (None, None))[1] for d in rows],
            "坐标说明": [SEAT_NOTE if d.code in SEATS else NO_POINT for d in rows],
            "边界": [None for _ in rows],
        },
        schema_overrides={"边界": pl.String},
    )


def load_divisions(db: Database, actor: Actor, province: str = "330000") -> DatasetVersion:
    return loading.load_frame(db, actor, "division", divisions_frame(province))


def division_with_children(session: Session, code: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The division's row of the live library version and the rows of the divisions under it,
    for the division page (signed-in users; the data API goes through the exchange)."""
    resource = resource_of(session, "division")
    if resource is None:
        return None, []
    live = datasets.live(session, resource)
    cols = {c.item: live.table.c[c.column] for c in live.columns}
    stmt = select(*cols.values()).where(or_(cols["行政区划代码"] == code, cols["上级行政区划代码"] == code))
    rows = [dict(zip(cols, row, strict=True)) for row in session.execute(stmt)]
    own = next((r for r in rows if r["行政区划代码"] == code), None)
    return own, sorted((r for r in rows if r["行政区划代码"] != code), key=lambda r: r["行政区划代码"])
