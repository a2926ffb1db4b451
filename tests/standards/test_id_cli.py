"""`id check` command, mounted on a throwaway Typer app (the root CLI is built elsewhere)."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from govshare.standards.cli import id_app

app = typer.Typer()
app.add_typer(id_app, name="id")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["id", "check", *args])


def test_valid_citizen_id_text() -> None:
    result = run("11010519491231002X")
    assert result.exit_code == 0, result.output
    assert "朝阳区" in result.stdout
    assert "1949-12-31" in result.stdout
    assert "yes / 有效" in result.stdout
    assert result.stderr == ""


def test_invalid_citizen_id_explains_then_fails_with_one_line() -> None:
    result = run("110105194912310021")
    assert result.exit_code == 1
    assert "problem 1" in result.stdout  # the explanation is printed first
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "check character should be X, got 1" in lines[0]
    assert "校验码应为 X" in lines[0]


def test_json_output() -> None:
    result = run("91350100M000100Y43", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "uscc" and data["ok"] is True
    assert data["facts"]["registering_authority"]["zh"] == "工商"


def test_json_output_for_an_invalid_value_still_parses() -> None:
    result = run("91350100M000100Y44", "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["problems"][0]["code"] == "check_char"
    assert "should be 3" in result.stderr


def test_explicit_kind_division() -> None:
    result = run("440524", "--kind", "division")
    assert result.exit_code == 0, result.output
    assert "广东省" in result.stdout
    assert "warning 1" in result.stdout


def test_explicit_kind_overrides_the_guess() -> None:
    result = run("11010519491231002X", "--kind", "uscc", "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["kind"] == "uscc"


def test_full_width_digits() -> None:
    result = run("１１０１０５１９４９１２３１００２Ｘ")
    assert result.exit_code == 1
    assert "full-width" in result.stderr
    assert "全角" in result.stderr


def test_unknown_kind_is_a_usage_error() -> None:
    result = run("110105", "--kind", "passport")
    assert result.exit_code == 2
