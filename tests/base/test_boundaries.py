"""Division boundaries: a node loads a licensed GeoJSON file into the spatial library with its
source, licence and date; the library serves each division's geometry by code through the
exchange; the division page draws an SVG outline. A bad file is refused whole, per feature.

The geometry here is made up for the test (squares around the seats of government), not a map.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.base import boundaries
from govshare.base.spatial import SEATS
from govshare.cli import app as cli
from govshare.core.errors import InvalidInput
from tests.base.conftest import PURPOSE, grant, library_id
from tests.factories import login

PROVENANCE = ["--source", "测试用自造几何（非地图）", "--licence", "CC0-1.0", "--date", "2026-11-29"]


def _square(code: str, half: float) -> dict:
    lon, lat = SEATS[code]
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def _features() -> list[dict]:
    return [
        {"type": "Feature", "id": "330000", "properties": {"name": "浙江省"}, "geometry": _square("330000", 1.5)},
        {"type": "Feature", "properties": {"name": "杭州"}, "geometry": _square("330100", 0.3)},  # matched by name
        {
            "type": "Feature",
            "properties": {"adcode": 330200, "name": "宁波市"},
            "geometry": {"type": "MultiPolygon", "coordinates": [_square("330200", 0.2)["coordinates"]]},
        },
    ]


def _division(client: TestClient, headers: dict, code: str) -> dict:
    answer = client.get(f"/api/v1/base/divisions/{code}", headers=headers, params={"purpose": PURPOSE})
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"][0]


def test_boundaries_load_and_are_served_by_code_with_their_source(client: TestClient, province, tmp_path: Path) -> None:
    loaded = CliRunner().invoke(
        cli, ["base", "boundaries", str(_write(tmp_path / "b.geojson", _features())), *PROVENANCE, "--format", "json"]
    )
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["status"] == "live"
    headers = login(client, "hr.user")
    grant(client, "hr.user", library_id(client, headers, "division"))
    headers = login(client, "hr.user")
    ningbo = _division(client, headers, "330200")
    assert json.loads(ningbo["边界"])["type"] == "MultiPolygon"
    assert (
        "测试用自造几何" in ningbo["坐标说明"]
        and "CC0-1.0" in ningbo["坐标说明"]
        and "2026-11-29" in ningbo["坐标说明"]
    )
    hangzhou = _division(client, headers, "330100")
    assert json.loads(hangzhou["边界"]) == _square("330100", 0.3) and "近似" in hangzhou["坐标说明"]
    assert _division(client, headers, "330300")["边界"] is None  # the file had no Wenzhou

    page = client.get("/base/divisions/330000", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'id="division-outline"' in page.text
    assert page.text.count("<path") == 3 and 'class="own"' in page.text  # the province and its two cities
    county = client.get("/base/divisions/330102", headers={"accept": "text/html"})
    assert county.status_code == 200 and 'id="no-boundary"' in county.text
    assert client.get("/base/divisions/110000", headers={"accept": "text/html"}).status_code == 404


def test_a_bad_file_is_refused_whole_naming_each_feature(client: TestClient, province, tmp_path: Path) -> None:
    swapped = _square("330300", 0.2)
    swapped["coordinates"][0] = [[lat, lon] for lon, lat in swapped["coordinates"][0]]
    features = [
        *_features(),
        {"type": "Feature", "properties": {"name": "温州市"}, "geometry": swapped},
        {"type": "Feature", "properties": {"name": "上海市"}, "geometry": _square("330400", 0.2)},
        {
            "type": "Feature",
            "properties": {"name": "湖州市"},
            "geometry": {"type": "Point", "coordinates": [120.1, 30.9]},
        },
    ]
    path = _write(tmp_path / "bad.geojson", features)
    refused = CliRunner().invoke(cli, ["base", "boundaries", str(path), *PROVENANCE])
    assert refused.exit_code != 0 and "3 bad feature(s); feature 3" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    with pytest.raises(InvalidInput) as refusal:
        boundaries.read_geojson(path)
    problems = refusal.value.details["problems"]
    assert [p["feature"] for p in problems] == [3, 4, 5]
    assert "swapped" in problems[0]["expected"] and "by code" in problems[1]["expected"]
    assert "Polygon" in problems[2]["expected"]
    headers = login(client, "hr.user")
    grant(client, "hr.user", library_id(client, headers, "division"))
    headers = login(client, "hr.user")
    assert _division(client, headers, "330000")["边界"] is None  # nothing was loaded
    no_source = CliRunner().invoke(
        cli,
        [
            "base",
            "boundaries",
            str(_write(tmp_path / "ok.geojson", _features())),
            "--source",
            "",
            "--licence",
            "x",
            "--date",
            "2026-11-29",
        ],
    )
    assert no_source.exit_code != 0 and "source" in no_source.output


def test_outline_keeps_the_shape_of_the_geometry() -> None:
    view_box, paths = boundaries.outline_path([_square("330000", 1.0)], width=400)
    width, height = (float(v) for v in view_box.split()[2:])
    assert width == 400 and 440 < height < 480  # a square in degrees is taller than wide at 30°N (1/cos 30°)
    assert paths[0].startswith("M0.0,") and paths[0].endswith("Z")
