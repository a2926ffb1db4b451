"""`govshare systems ...` from the shell: import, metrics, audit and reports, --format json,
one-line reasons and non-zero exits on failure."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from govshare.cli import app
from tests.systems.helpers import census_row, census_xlsx, metric_rows

runner = CliRunner()
HR = "浙江省人力资源和社会保障厅"


def _json(result) -> object:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_metrics_audit_and_reports(world, tmp_path: Path) -> None:
    census = tmp_path / "census.xlsx"
    census.write_bytes(
        census_xlsx([census_row(HR, "社会保险信息系统"), census_row(HR, "殡葬备案系统", 用户数=8)])
    )
    [ret] = _json(runner.invoke(app, ["systems", "import", str(census), "--format", "json"]))
    assert ret["created"] == 2
    systems = _json(runner.invoke(app, ["systems", "list", "--format", "json"]))
    codes = {s["name"]: s["code"] for s in systems}
    rows = metric_rows(codes["社会保险信息系统"], 40) + metric_rows(
        codes["殡葬备案系统"], 40, logins=0
    )
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(rows))
    loaded = _json(runner.invoke(app, ["systems", "metrics", str(path), "--format", "json"]))
    assert loaded == {"rows": 80, "systems": 2, "replaced": 0, "systems_with_gaps": 0}
    audit = _json(runner.invoke(app, ["systems", "audit", "--format", "json"]))
    assert audit["systems"] == 2 and audit["low_use"] == 1
    cases = _json(runner.invoke(app, ["systems", "cases", "--format", "json"]))
    assert [c["system"] for c in cases] == ["殡葬备案系统"]
    for name, kind in (
        ("audit.xlsx", "audit"),
        ("audit.html", "audit"),
        ("inventory.xlsx", "inventory"),
        ("integration.xlsx", "integration"),
    ):
        _json(
            runner.invoke(
                app, ["systems", "report", str(tmp_path / name), "--kind", kind, "--format", "json"]
            )
        )
    assert "殡葬备案系统" in (tmp_path / "audit.html").read_text(encoding="utf-8")
    # The inventory export is a census form: it imports back as an update of the same systems.
    [again] = _json(
        runner.invoke(
            app, ["systems", "import", str(tmp_path / "inventory.xlsx"), "--format", "json"]
        )
    )
    assert again["updated"] == 2 and again["created"] == 0


def test_bad_census_file_fails_with_reasons(world, tmp_path: Path) -> None:
    census = tmp_path / "census.xlsx"
    census.write_bytes(census_xlsx([census_row("不存在的部门", "某系统")]))
    result = runner.invoke(app, ["systems", "import", str(census)])
    assert result.exit_code == 1
    assert "信息系统!A2 (填报部门)" in result.stderr


def test_template_and_missing_file(world, tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    assert (
        _json(runner.invoke(app, ["systems", "template", str(out), "--format", "json"]))["columns"]
        == 24  # 已接入共享交换平台 is derived now, no longer a column
    )
    result = runner.invoke(app, ["systems", "metrics", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no such file" in result.stderr
    result = runner.invoke(app, ["systems", "report", str(tmp_path / "r.pdf")])
    assert result.exit_code == 1
