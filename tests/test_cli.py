"""The `govshare` command as scripts and operators use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govshare.cli import app
from govshare.core.db import Database
from tests.factories import organ_uscc

runner = CliRunner()


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_config_show_hides_secrets(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from govshare.core.config import reset_settings_cache

    monkeypatch.setenv("GOVSHARE_DATABASE_URL", "postgresql://govshare:very-secret@db.internal/govshare")
    reset_settings_cache()
    result = run("config", "show", "--format", "json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert "very-secret" not in result.stdout and "***" in shown["database_url"]
    assert shown["policy.answer_deadline_working_days"] == 10


def test_init_creates_three_separate_administrators(db: Database) -> None:
    result = run("init", "--uscc", organ_uscc("330000", 9), "--format", "json")
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.stdout)
    assert [a["role"] for a in accounts] == ["platform_admin", "security_admin", "audit_admin"]
    again = run("init", "--uscc", organ_uscc("330000", 9))
    assert again.exit_code != 0 and "already initialised" in again.output


def test_org_add_refuses_bad_credit_code_in_one_line(db: Database) -> None:
    result = run("org", "add", "浙江省统计局", "--uscc", "91350100M000100Y44", "--division", "330000")
    assert result.exit_code == 1
    assert "check character should be 3" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_org_user_client_roundtrip(db: Database) -> None:
    assert run("org", "add", "浙江省统计局", "--uscc", organ_uscc("330000", 5), "--division", "330000").exit_code == 0
    listed = json.loads(run("org", "list", "--format", "json").stdout)
    assert [d["name"] for d in listed] == ["浙江省统计局"]
    added = run("user", "add", "tj.officer", "--name", "王芳", "--department", "浙江省统计局",
                "--role", "data_officer", "--password", "Strong#Pass2017")
    assert added.exit_code == 0, added.output
    assert run("client", "add", "统计联网直报", "--department", "浙江省统计局").exit_code == 0
    token = json.loads(run("client", "token", "1", "--scope", "directory", "--format", "json").stdout)
    assert token["token"].startswith("gs_")
    assert json.loads(run("client", "revoke", str(token["id"]), "--format", "json").stdout)["revoked_at"]


def test_divisions_listing(db: Database) -> None:
    rows = json.loads(run("org", "divisions", "--parent", "330000", "--format", "json").stdout)
    assert {"330100", "330200"} <= {r["code"] for r in rows}


def test_audit_verify_names_the_tampered_record(db: Database, tmp_path: Path) -> None:
    run("org", "add", "浙江省统计局", "--uscc", organ_uscc("330000", 5), "--division", "330000")
    ok = run("audit", "verify", "--format", "json")
    assert ok.exit_code == 0, ok.output and json.loads(ok.stdout)["ok"]
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_record_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
        target = conn.exec_driver_sql("SELECT min(seq) FROM audit_record WHERE action = 'department.create'").scalar()
        conn.exec_driver_sql(f"UPDATE audit_record SET actor = 'mallory' WHERE seq = {target}")
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert f"#{target}" in broken.output


def test_audit_export_and_search(db: Database, tmp_path: Path) -> None:
    run("org", "add", "浙江省统计局", "--uscc", organ_uscc("330000", 5), "--division", "330000")
    out = tmp_path / "audit.csv"
    assert run("audit", "export", str(out), "--action", "department.").exit_code == 0
    assert "department.create" in out.read_text(encoding="utf-8-sig")
    assert run("audit", "export", str(tmp_path / "audit.txt")).exit_code == 1
    found = json.loads(run("audit", "search", "--action", "department.", "--format", "json").stdout)
    assert found and found[0]["action"] == "department.create"
    assert run("audit", "search", "--since", "yesterday").exit_code == 1


def test_id_check_explains(db: Database) -> None:
    good = run("id", "check", "11010519491231002X", "--format", "json")
    assert good.exit_code == 0 and json.loads(good.stdout)["ok"] is True
    bad = run("id", "check", "110105194912310021")
    assert bad.exit_code == 1 and "check character should be X" in bad.output


def test_demo_builds_once_and_prints_logins(db: Database) -> None:
    result = run("demo", "--no-serve", "--format", "json")
    assert result.exit_code == 0, result.output
    logins = json.loads(result.stdout)
    assert {"admin", "secadmin", "auditor"} <= {entry["username"] for entry in logins}
    again = run("demo", "--no-serve", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == logins
    listed = json.loads(run("org", "list", "--format", "json").stdout)
    assert len(listed) >= 40
    from govshare.standards.identifiers import check_uscc

    assert all(check_uscc(d["uscc"]).ok for d in listed)


def test_reset_second_factor_needs_an_enrolment(db: Database) -> None:
    run("init", "--uscc", organ_uscc("330000", 9))
    result = run("user", "reset-2fa", "admin")
    assert result.exit_code == 1 and "no second factor" in result.output
