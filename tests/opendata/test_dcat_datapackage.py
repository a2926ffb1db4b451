"""DCAT-AP 3 export parses with rdflib and conforms to the official SHACL shapes; the Data
Package export passes frictionless validation with its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat-ap-3.0.0"


def _shapes() -> Graph:
    g = Graph()
    for name in ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
        g.parse(SHAPES / name, format="turtle")
    return g


def _conforms(data: Graph) -> tuple[bool, str]:
    """No violation of the official shapes. Warnings are allowed: the only ones left ask for EU
    controlled vocabularies that cannot hold a Chinese department (corporate-body lists EU
    institutions) — see docs/opendata.md."""
    from pyshacl import validate

    conforms, _graph, text = validate(data, shacl_graph=_shapes(), inference="none", advanced=True, allow_warnings=True)
    return conforms, text


@pytest.mark.parametrize("ext,fmt", [("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_catalog_parses_in_every_serialisation(client: TestClient, open_world, ext: str, fmt: str) -> None:
    response = client.get(f"/catalog.{ext}")
    assert response.status_code == 200, response.text
    g = Graph().parse(data=response.content, format=fmt)
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 2  # the two open ones, nothing else
    assert len(set(g.subjects(RDF.type, DCAT.Distribution))) == 8


def test_catalog_conforms_to_dcat_ap_3_shapes(client: TestClient, open_world) -> None:
    g = Graph().parse(data=client.get("/catalog.ttl").content, format="turtle")
    conforms, report = _conforms(g)
    assert conforms, report


def test_one_dataset_conforms_and_pages_are_checked(client: TestClient, open_world) -> None:
    g = Graph().parse(data=client.get(f"/open/datasets/{open_world.air['slug']}/dcat.ttl").content, format="turtle")
    conforms, report = _conforms(g)
    assert conforms, report
    assert client.get("/catalog.ttl", params={"page": 2}).status_code == 422
    assert client.get("/catalog.ttl", params={"page": "x"}).status_code == 422
    assert client.get("/catalog.n3").status_code == 404


def test_data_package_validates_with_its_data(client: TestClient, open_world, db, tmp_path: Path) -> None:
    from frictionless import validate

    from govshare.catalog.models import CatalogResource
    from govshare.opendata import datapackage, metadata

    for key in ("air", "people"):
        with db.session() as session:
            meta = metadata.build(session, session.get(CatalogResource, getattr(open_world, key)["id"]))
            path = datapackage.export(db.engine, meta, "http://testserver", tmp_path / key)
        report = validate(str(path))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        assert descriptor["resources"][0]["schema"]["fields"]
    # the people export holds pseudonyms, never an ID number
    text = (tmp_path / "people" / "data.csv").read_text(encoding="utf-8")
    assert all(p["公民身份号码"] not in text and p["姓名"] not in text for p in open_world.persons)


def test_data_package_over_http(client: TestClient, open_world) -> None:
    answer = client.get(f"/open/datasets/{open_world.air['slug']}/datapackage.json")
    assert answer.status_code == 200
    resource = answer.json()["resources"][0]
    assert resource["path"].endswith("/download.csv")
    assert [f["name"] for f in resource["schema"]["fields"]] == ["监测站点", "监测日期", "空气质量指数", "首要污染物"]
