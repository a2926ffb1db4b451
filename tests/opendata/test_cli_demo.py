"""`govshare opendata …` from the shell, and the demo's open data."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from govshare.cli import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_feature_access_deid_export_and_stats(open_world, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    air, people = open_world.air["code"], open_world.people["code"]
    result = run("opendata", "feature", air, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"code": air, "featured": True}
    assert run("opendata", "access", air, "nobody").exit_code == 1
    shown = json.loads(run("opendata", "deid", people, "--format", "json").stdout)
    assert shown["missing"] == [] and {r["item"] for r in shown["rules"]} == {"公民身份号码", "姓名", "参保日期"}
    bad = run("opendata", "deid", people, "--rule", "姓名=hide")
    assert bad.exit_code == 1
    out = tmp_path / "catalog.ttl"
    assert run("opendata", "export", "dcat", "-o", str(out)).exit_code == 0
    assert "dcat:Dataset" in out.read_text(encoding="utf-8") and open_world.private["code"] not in out.read_text()
    folder = tmp_path / "pkg"
    exported = run("opendata", "export", "datapackage", open_world.people["slug"], "-o", str(folder))
    assert exported.exit_code == 0, exported.output
    from frictionless import validate

    assert validate(str(folder / "datapackage.json")).valid
    assert run("opendata", "export", "datapackage", open_world.private["slug"], "-o", str(folder)).exit_code == 1
    client.get(f"/open/datasets/{open_world.air['slug']}/download.csv")
    stats = json.loads(run("opendata", "stats", "--format", "json").stdout)
    assert stats["top"][0]["code"] == air and sum(d["downloads"] for d in stats["daily"]) == 1


def test_demo_opens_data_with_de_identification(db) -> None:  # type: ignore[no-untyped-def]
    result = run("demo", "--no-serve", "--format", "json")
    assert result.exit_code == 0, result.output
    from sqlalchemy import func, select

    from govshare.catalog.models import CatalogResource
    from govshare.opendata.models import DataRequest, Release
    from govshare.opendata.visibility import open_clause

    with db.session() as session:
        marked = session.scalar(
            select(func.count()).where(
                CatalogResource.open.is_(True), CatalogResource.published_version_id.is_not(None)
            )
        )
        visible = session.scalar(select(func.count()).select_from(CatalogResource).where(open_clause()))
        assert visible and visible == marked  # every open resource was de-identified where needed
        assert session.scalar(select(func.count()).select_from(Release).where(Release.featured.is_(True))) == 3
        assert session.scalar(select(func.count()).select_from(DataRequest)) == 3
