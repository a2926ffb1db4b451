"""A published resource's items are the quality engine's schema: `--resource CODE` works."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app as cli
from tests.exchange.conftest import person, publish_resource, write_csv


def test_check_a_file_against_a_published_resource(client: TestClient, world, tmp_path: Path) -> None:
    resource = publish_resource(client)
    rows = [person(i) for i in range(5)]
    rows[2]["公民身份号码"] = rows[2]["公民身份号码"][:-1] + ("0" if rows[2]["公民身份号码"][-1] != "0" else "1")
    path = write_csv(tmp_path / "people.csv", rows)
    result = CliRunner().invoke(cli, ["quality", "check", str(path), "--resource", resource.code, "--format", "json"])
    assert result.exit_code == 2, result.output  # errors found
    report = json.dumps(json.loads(result.stdout), ensure_ascii=False)
    assert resource.code in report
    assert "公民身份号码" in report and "check" in report
