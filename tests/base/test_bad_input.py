"""Loading persons with a bad check character, an impossible birth date or a duplicate ID number
is reported row by row and nothing is written; the CLI says so in one line and exits non-zero."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govshare.base import population
from govshare.base.generator import PERSON_COLUMNS, citizen_check_chars
from govshare.base.libraries import resource_of
from govshare.cli import app
from govshare.core.db import Database
from govshare.core.errors import InvalidInput
from govshare.exchange.models import Dataset, DatasetVersion
from govshare.standards.identifiers import make_citizen_id
from tests.base.conftest import ACTOR


def _bad_persons(province) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    persons = province.frames.persons.select(PERSON_COLUMNS).head(10).with_columns(pl.col("出生日期").cast(pl.String))
    ids = persons["公民身份号码"].to_list()
    good = ids[1]
    ids[1] = good[:17] + ("0" if good[17] != "0" else "1")  # wrong check character
    impossible = make_citizen_id("330102", date(1990, 2, 1), 11)
    ids[3] = impossible[:10] + "0230" + impossible[14:17]  # 30 February
    ids[3] += citizen_check_chars(pl.Series([ids[3]]))[0]
    ids[6] = ids[5]  # duplicate
    dates = persons["出生日期"].to_list()
    dates[8] = "1990-13-01"
    return persons.with_columns(pl.Series("公民身份号码", ids), pl.Series("出生日期", dates))


def _versions(db: Database) -> int:
    with db.session() as session:
        resource = resource_of(session, "person")
        dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))  # type: ignore[union-attr]
        return session.scalar(select(func.count()).where(DatasetVersion.dataset_id == dataset.id))  # type: ignore


def test_every_bad_row_is_reported_and_nothing_is_written(db: Database, province) -> None:
    before = _versions(db)
    with pytest.raises(InvalidInput) as refused:
        population.load_persons(db, ACTOR, _bad_persons(province))
    error = refused.value
    assert error.code == "bad_rows" and "nothing was loaded" in error.message
    rows = {(r["row"], r["field"], r["code"]) for r in error.details["rows"]}
    assert rows == {
        (3, "公民身份号码", "check_char"),
        (5, "公民身份号码", "birth_date"),
        (8, "公民身份号码", "duplicate"),
        (10, "出生日期", "birth_date"),
    }
    assert all("*" in r["value"] for r in error.details["rows"] if r["field"] == "公民身份号码")  # masked
    assert _versions(db) == before  # no version, not even a rejected one


def test_the_exchange_gate_is_the_second_line(db: Database, province) -> None:
    """Skipping the row checks, the exchange's quality gate still refuses the file whole."""
    before = province.summary.rows["persons"]
    version = population.load_persons(db, ACTOR, _bad_persons(province), checked=True)
    assert version.status.value == "rejected" and "公民身份号码" in version.error
    with db.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource_of(session, "person").id))
        live = session.get(DatasetVersion, dataset.live_version_id)  # type: ignore[union-attr]
        assert live.rows_live == before  # type: ignore[union-attr]


def test_cli_load_refuses_with_one_line(db: Database, province, tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    _bad_persons(province).write_csv(path)
    result = CliRunner().invoke(app, ["base", "load", "person", str(path), "--format", "json"])
    assert result.exit_code != 0
    assert "4 bad row(s)" in result.output and "row 3" in result.output
    details = json.loads(next(line for line in result.output.splitlines() if line.startswith("{")))
    assert details["details"]["count"] == 4
