"""The CSV download holds exactly the stored rows, in stored order, filters applied — whichever
way it is written (on PostgreSQL a dataset with nothing to de-identify is written by COPY)."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from tests.opendata.conftest import air_rows


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_download_holds_the_rows(client: TestClient, open_world) -> None:
    url = f"/open/datasets/{open_world.air['slug']}/download.csv"
    got = _rows(client.get(url).text)
    expected = air_rows()
    assert [r["监测站点"] for r in got] == [r["监测站点"] for r in expected]
    assert [r["监测日期"] for r in got] == [r["监测日期"] for r in expected]
    assert [float(r["空气质量指数"]) for r in got] == [float(r["空气质量指数"]) for r in expected]
    chosen = {"首要污染物": "O3", "监测站点": "拱墅区和睦"}
    filtered = _rows(client.get(url, params={"filters": json.dumps(chosen)}).text)
    wanted = [r for r in expected if r["首要污染物"] == "O3" and r["监测站点"] == "拱墅区和睦"]
    assert len(filtered) == len(wanted) > 0 and all(r["首要污染物"] == "O3" for r in filtered)
    quote = _rows(client.get(url, params={"filters": json.dumps({"监测站点": "x' OR '1'='1"})}).text)
    assert quote == []  # a value with quotes is a value, merged safely into COPY's statement


def test_csv_of_a_de_identified_dataset_never_holds_clear_values(client: TestClient, open_world) -> None:
    text = client.get(f"/open/datasets/{open_world.people['slug']}/download.csv").text
    assert len(_rows(text)) == len(open_world.persons)
    assert all(p["公民身份号码"] not in text and p["姓名"] not in text for p in open_world.persons)
