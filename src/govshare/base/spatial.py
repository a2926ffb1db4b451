"""Spatial-geographic library (空间地理): the province's divisions served by division code.

Coordinates: only the province and its prefecture-level cities carry a point, the approximate
location of the seat of government (政府驻地) to about 0.05°, entered by hand from general
knowledge; it is not a geometric centroid and is labelled so in 坐标说明. Counties carry none
and no division carries a boundary: the node has no licensed boundary data offline, and an
invented polygon would be worse than none. A provider loads real ones through the same
library (边界 takes a GeoJSON geometry).
"""

from __future__ import annotations

import polars as pl

from govshare.base import loading
from govshare.core.audit import Actor
from govshare.core.db import Database
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
