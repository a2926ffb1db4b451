"""`govshare quality check` exit codes and output formats."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from govshare.cli import app
from govshare.core.db import Database
from govshare.quality.schema import to_table_schema
from tests.quality.helpers import people, person_schema, write_csv

runner = CliRunner()


def _schema(tmp_path: Path) -> str:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(to_table_schema(person_schema()), ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_clean_file_exits_zero_and_bad_file_exits_two(db: Database, tmp_path: Path) -> None:
    schema = _schema(tmp_path)
    good = write_csv(tmp_path / "good.csv", people(3))
    result = runner.invoke(app, ["quality", "check", str(good), "--schema", schema, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    rows = people(3)
    rows[1][3] = "19990231"
    bad = write_csv(tmp_path / "bad.csv", rows, encoding="gbk")
    result = runner.invoke(app, ["quality", "check", str(bad), "--schema", schema])
    assert result.exit_code == 2
    assert "19990231" in result.stdout and "gbk" in result.stdout


def test_reports_as_html_and_xlsx(db: Database, tmp_path: Path) -> None:
    schema, data = _schema(tmp_path), str(write_csv(tmp_path / "p.csv", people(2)))
    out = tmp_path / "r.xlsx"
    assert runner.invoke(app, ["quality", "check", data, "-s", schema, "-f", "xlsx", "-o", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"
    result = runner.invoke(app, ["quality", "check", data, "-s", schema, "-f", "html"])
    assert result.exit_code == 0 and "<svg" in result.stdout


def test_failures_are_one_line_and_non_zero(db: Database, tmp_path: Path) -> None:
    data = str(write_csv(tmp_path / "p.csv", people(1)))
    result = runner.invoke(app, ["quality", "check", data, "--resource", "R-1"])
    assert result.exit_code == 1 and "is not in the catalog" in result.output
    result = runner.invoke(app, ["quality", "check", data])
    assert result.exit_code == 1 and "--resource" in result.output


def test_schema_command_writes_a_table_schema(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["quality", "schema", "-i", "身份证号=DE0101!", "-i", "出生=DE0105",
                                 "-k", "身份证号", "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["primaryKey"] == ["身份证号"] and schema["govshare:rules"][0]["kind"] == "id_birth_date"
