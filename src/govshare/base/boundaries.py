"""Division boundaries (行政区划边界) for the spatial-geographic library.

govshare ships no boundary data. The sources a package registry offers (the `echarts-china-*`
map packages on PyPI and npm) carry geometry downloaded from a commercial web-map provider,
whose terms transfer no content rights; and maps published in China need the surveying
authority's review (审图号). A node loads the boundaries its natural-resources department is
licensed to share, from a GeoJSON FeatureCollection, recording source, licence and date.

Features are matched to GB/T 2260 divisions of the province by a 6-digit code (`properties.adcode`,
`properties.code` or the feature `id`) or else by name (`properties.name`, with or without the
suffix 省/市/区/县). The whole file is checked before anything is loaded: every problem is named
with the feature's index and what was expected, and then nothing is written.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from govshare.base import loading, spatial
from govshare.core.audit import Actor
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.exchange.models import DatasetVersion

MAX_CHARS = 100_000  # the library's 边界 item length
NOTE_MAX = 200  # the library's 坐标说明 item length
LON, LAT = (73.0, 136.0), (3.0, 54.0)  # China's extent: catches swapped or projected coordinates
SUFFIXES = ("省", "市", "区", "县", "自治县", "自治州")


@dataclass(frozen=True)
class Provenance:
    source: str
    licence: str
    date: str  # when the source published or was retrieved, YYYY-MM-DD

    def note(self) -> str:
        return f"边界来源：{self.source}；许可：{self.licence}；日期：{self.date}"


def _bare(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _ring_problem(ring: Any) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return "a ring of at least 4 [longitude, latitude] positions"
    for point in ring:
        if not (isinstance(point, list) and len(point) >= 2 and all(isinstance(v, int | float) for v in point[:2])):
            return "positions as [longitude, latitude] numbers"
        if not (LON[0] <= point[0] <= LON[1] and LAT[0] <= point[1] <= LAT[1]):
            return f"longitude/latitude degrees inside China (got {point[0]}, {point[1]}: swapped or projected?)"
    if ring[0][:2] != ring[-1][:2]:
        return "closed rings (the last position repeats the first)"
    return None


def _geometry_problem(geometry: Any) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "a Polygon or MultiPolygon geometry"
    polygons = [geometry.get("coordinates")] if geometry["type"] == "Polygon" else geometry.get("coordinates")
    if not isinstance(polygons, list) or not polygons:
        return "coordinates"
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return "polygons made of rings"
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                return problem
    return None


def read_geojson(path: Path, province: str = "330000") -> dict[str, dict[str, Any]]:
    """{division code: geometry} from a FeatureCollection; refuses the file on any bad feature."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"{path.name}: not a GeoJSON file ({exc})", f"{path.name}：不是 GeoJSON 文件（{exc}）", field="file"
        ) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput(
            f"{path.name}: expected a GeoJSON FeatureCollection",
            f"{path.name}：应为 GeoJSON FeatureCollection",
            field="file",
        )
    divisions = spatial.divisions_frame(province)
    by_code = dict(zip(divisions["行政区划代码"], divisions["区划名称"], strict=True))
    by_name: dict[str, str] = {}
    for code, name in by_code.items():
        by_name.setdefault(name, code)
        by_name.setdefault(_bare(name), code)
    found: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []
    for index, feature in enumerate(collection.get("features") or []):
        props = (feature or {}).get("properties") or {}
        candidates = [str(v) for v in (props.get("adcode"), props.get("code"), (feature or {}).get("id")) if v]
        code = next((c for c in candidates if c in by_code), None)
        name = str(props.get("name") or "")
        code = code or by_name.get(name) or by_name.get(_bare(name))
        problem = _geometry_problem((feature or {}).get("geometry"))
        if code is None:
            problem = f"a division of {province} by code (adcode/code/id) or name (got {candidates or name!r})"
        elif code in found:
            problem = f"one feature per division ({code} {by_code[code]} appears again)"
        elif problem is None and len(json.dumps(feature["geometry"], separators=(",", ":"))) > MAX_CHARS:
            problem = f"at most {MAX_CHARS} characters of GeoJSON per division: simplify the geometry first"
        if problem:
            problems.append({"feature": index, "name": name, "expected": problem})
        else:
            found[code] = feature["geometry"]  # type: ignore[index]
    if problems or not found:
        first = problems[0] if problems else {"feature": "-", "expected": "at least one feature"}
        count = len(problems) or 1
        raise InvalidInput(
            f"{path.name}: {count} bad feature(s); feature {first['feature']}: expected {first['expected']}",
            f"{path.name}：{count} 个要素有误；第 {first['feature']} 个要素应为 {first['expected']}",
            field="features",
            details={"problems": problems[:200]},
        )
    return found


def with_boundaries(frame: pl.DataFrame, boundaries: dict[str, dict[str, Any]], provenance: Provenance) -> pl.DataFrame:
    notes = []
    for code, note in zip(frame["行政区划代码"], frame["坐标说明"], strict=True):
        merged = f"{note}；{provenance.note()}" if code in boundaries else note
        if len(merged) > NOTE_MAX:
            raise InvalidInput(
                f"source and licence are too long to record ({len(merged)} > {NOTE_MAX} characters in 坐标说明)",
                f"来源与许可过长，无法记入坐标说明（{len(merged)} > {NOTE_MAX} 字）",
                field="source",
            )
        notes.append(merged)
    shapes = [
        json.dumps(boundaries[c], separators=(",", ":")) if c in boundaries else None for c in frame["行政区划代码"]
    ]
    return frame.with_columns(pl.Series("坐标说明", notes), pl.Series("边界", shapes, dtype=pl.String))


def load(db: Database, actor: Actor, path: Path, provenance: Provenance, province: str = "330000") -> DatasetVersion:
    """A new version of the division library: the divisions with these boundaries (divisions the
    file leaves out carry none in it)."""
    for field, value in (("source", provenance.source), ("licence", provenance.licence)):
        if len(value.strip()) < 2:
            raise InvalidInput(
                f"say the boundaries' {field}",
                f"请注明边界数据的{'来源' if field == 'source' else '许可'}",
                field=field,
            )
    boundaries = read_geojson(path, province)
    return loading.load_frame(
        db, actor, "division", with_boundaries(spatial.divisions_frame(province), boundaries, provenance)
    )


# --- a simple outline for pages ----------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def outline_path(geometries: list[dict[str, Any]], width: float = 400) -> tuple[str, list[str]]:
    """(viewBox, one SVG path per geometry): an equirectangular projection with longitude scaled
    by the cosine of the mean latitude, so the outline's shape is right at provincial scale."""
    points = [p for g in geometries for ring in _rings(g) for p in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = width / max((east - west) * squeeze, 1e-9)
    height = (north - south) * scale

    def xy(p: list[float]) -> str:
        return f"{(p[0] - west) * squeeze * scale:.1f},{(north - p[1]) * scale:.1f}"

    paths = [" ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in _rings(g)) for g in geometries]
    return f"0 0 {width:.0f} {max(height, 1):.0f}", paths
