"""The generator: reproducible, valid and consistent data, column-wise."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from govshare.base.generator import Scale, generate
from govshare.cli import app
from govshare.core.db import Database
from govshare.standards.identifiers import check_citizen_id, check_uscc


def test_same_seed_same_province_and_other_seed_another() -> None:
    a, b, c = generate(Scale.of("tiny"), 11), generate(Scale.of("tiny"), 11), generate(Scale.of("tiny"), 12)
    assert a.persons.equals(b.persons) and a.legal_persons.equals(b.legal_persons)
    assert not a.persons["公民身份号码"].equals(c.persons["公民身份号码"])


def test_persons_have_valid_consistent_id_numbers() -> None:
    persons = generate(Scale("test", 3000, 100, 10), 5).persons
    assert persons["公民身份号码"].n_unique() == persons.height
    for row in persons.iter_rows(named=True):
        checked = check_citizen_id(row["公民身份号码"])
        assert checked.ok, checked.reason
        assert checked.facts["birth_date"] == row["出生日期"].isoformat()
        assert checked.facts["gender"] == ("male" if row["性别代码"] == "1" else "female")
        assert checked.facts["division_known"] and row["公民身份号码"].startswith("33")
    # families: one head per household, children carry the father's surname
    heads = persons.filter(pl.col("与户主关系代码") == "02")
    assert heads["户号"].n_unique() == persons["户号"].n_unique() == heads.height
    assert set(persons["民族代码"]) <= {"01", "22", "15", "06", "08", "09", "03"}


def test_legal_persons_and_records_agree_with_the_population() -> None:
    frames = generate(Scale("test", 3000, 300, 10), 5)
    ids = set(frames.persons["公民身份号码"])
    for code in frames.legal_persons["统一社会信用代码"]:
        checked = check_uscc(code)
        assert checked.ok and not checked.warnings, (code, checked.reason)
    assert set(frames.legal_persons["法定代表人公民身份号码"]) <= ids
    legal = frames.legal_persons
    kinds = dict(zip(legal["主体类型"], legal["统一社会信用代码"].str.slice(0, 1), strict=True))
    assert kinds.get("enterprise") == "9" and kinds.get("institution") == "1"
    married = frames.marriage
    assert set(married["配偶公民身份号码"]) <= ids
    pairs = set(zip(married["公民身份号码"], married["配偶公民身份号码"], strict=False))
    assert all((b, a) in pairs for a, b in pairs)  # both spouses hold the record
    assert set(frames.social_security["单位统一社会信用代码"]) <= set(frames.legal_persons["统一社会信用代码"])
    subjects = set(frames.credit["主体代码"])
    assert subjects <= ids | set(frames.legal_persons["统一社会信用代码"])


def test_cli_writes_files_and_builds_the_libraries(db: Database, world, tmp_path: Path) -> None:
    runner = CliRunner()
    files = runner.invoke(
        app, ["base", "generate", "--scale", "tiny", "--out", str(tmp_path), "--file-format", "csv", "--format", "json"]
    )
    assert files.exit_code == 0, files.output
    assert pl.read_csv(json.loads(files.stdout)["persons"]).height == 300
    built = runner.invoke(app, ["base", "generate", "--scale", "tiny", "--format", "json"])
    assert built.exit_code == 0, built.output
    summary = json.loads(built.stdout)
    assert summary["rows"]["persons"] == 300 and summary["certificates"]["0101"] == 20
    bad = runner.invoke(app, ["base", "generate", "--scale", "huge"])
    assert bad.exit_code != 0 and "unknown scale" in bad.output
    types = runner.invoke(app, ["cert", "types", "--format", "json"])
    assert [t["code"] for t in json.loads(types.stdout)] == ["0101", "0102", "0201", "0301", "0401", "0501"]


def test_cli_certificate_verify_and_revoke(db: Database, world) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["base", "generate", "--scale", "tiny"]).exit_code == 0
    from govshare.base.models import Certificate

    with db.session() as session:
        identifier = session.query(Certificate.identifier).filter(Certificate.type_id.isnot(None)).first()[0]
    ok = runner.invoke(app, ["cert", "verify", identifier, "--format", "json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "valid"
    assert runner.invoke(app, ["cert", "revoke", identifier, "--reason", "测试注销"]).exit_code == 0
    revoked = runner.invoke(app, ["cert", "verify", identifier])
    assert revoked.exit_code != 0 and "revoked" in revoked.output
