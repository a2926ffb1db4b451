"""What the report says about a file: cross-item rules, scores, timeliness, masking, schemas."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from govshare.core.errors import InvalidInput
from govshare.quality.engine import CheckOptions, check_file
from govshare.quality.report import render_html, render_xlsx
from govshare.quality.rules import WEIGHTS
from govshare.quality.schema import (
    CrossRule,
    ItemSpec,
    from_table_schema,
    schema_from_items,
    to_table_schema,
)
from tests.quality.helpers import people, person_schema, rule_failures, write_csv


def test_birth_date_and_gender_must_agree_with_the_id_number(tmp_path: Path) -> None:
    rows = people(4)
    rows[0][3] = str(int(rows[0][3]) + 1) if not rows[0][3].endswith("28") else rows[0][3][:-2] + "27"
    rows[1][2] = "2" if rows[1][2] == "1" else "1"
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema())
    assert rule_failures(report, "id_birth_date:公民身份号码+出生日期") == 1
    assert rule_failures(report, "id_gender:公民身份号码+性别代码") == 1
    assert report.dimensions["consistency"] is not None and report.dimensions["consistency"] < 100
    cross = [s for s in report.samples if s.rule.startswith("id_")]
    assert {s.row for s in cross} == {2, 3}
    assert all("********" in (s.value or "") for s in cross)  # the ID number is masked


def test_cross_item_rules_read_values_the_fast_form_leaves_out(tmp_path: Path) -> None:
    """A gender code with spaces and a birth date before the fast reading's years are still
    compared with the ID number (by the rules' remainders, on the suspicious rows), and
    their samples come in file order with the fast form's."""
    rows = people(6)
    rows[0][2] = '" 2"' if rows[0][2] == "1" else '" 1"'  # wrong gender, padded
    rows[1][2] = f'"{rows[1][2]} "'  # right gender, padded: no failure
    rows[2][3] = "17990101"  # a real date the parse reads, not the ID's
    rows[3][2] = "2" if rows[3][2] == "1" else "1"  # wrong gender, exact
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema(),
                        CheckOptions(keep_rows=True, samples_per_rule=1))
    assert rule_failures(report, "id_gender:公民身份号码+性别代码") == 2
    assert sorted(report.failing_rows["id_gender:公民身份号码+性别代码"]) == [2, 5]
    assert report.failing_rows["id_birth_date:公民身份号码+出生日期"] == [4]
    assert [s.row for s in report.samples if s.rule == "id_gender"] == [2]  # the first, though found last
    # The sample shows the row's values as they are, the ID number its fast verdict cleared too.
    shown = next(s.value for s in report.samples if s.rule == "id_gender")
    assert shown is not None and shown.split("; ")[0].startswith(rows[0][0][:6]) and shown.endswith(rows[0][2][1:-1])


def test_end_date_after_start_date_and_foreign_keys(tmp_path: Path) -> None:
    schema = schema_from_items(
        [ItemSpec("uscc", element="DE0201", required=True), ItemSpec("start", element="DE0902"),
         ItemSpec("end", element="DE0903"), ItemSpec("kind", element="DE0203")],
        rules=[CrossRule("date_order", ["start", "end"]),
               CrossRule("foreign_key", ["uscc"], reference="legal_persons", reference_field="uscc")])
    good = "91350100M000100Y43"
    path = tmp_path / "licences.csv"
    path.write_text(f"uscc,start,end,kind\n{good},20200101,20250101,91\n{good[:-1]}4,20200101,20190101,99\n"
                    f"91350100M000100Y43,20200101,,95\n", encoding="utf-8")
    without = check_file(path, schema)
    assert [r["rule"] for r in without.skipped_rules] == ["foreign_key"]
    report = check_file(path, schema, CheckOptions(references={"legal_persons": frozenset({good})}))
    assert rule_failures(report, "date_order:start+end") == 1
    assert rule_failures(report, "foreign_key:uscc") == 1
    assert rule_failures(report, "gb32100.check_digit:uscc") == 1
    assert rule_failures(report, "code_table:kind") == 1
    sample = next(s for s in report.samples if s.rule == "gb32100.check_digit")
    assert "check character should be 3" in sample.expected_en


def test_score_uses_the_published_weights(tmp_path: Path) -> None:
    rows = people(10)
    rows[0][2] = "7"
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema())
    dims = {d: s for d, s in report.dimensions.items() if s is not None}
    expected = sum(WEIGHTS[d] * s for d, s in dims.items()) / sum(WEIGHTS[d] for d in dims)
    assert report.score == round(expected, 1)
    assert dims["completeness"] == 100 and dims["validity"] < 100 and "timeliness" not in dims
    assert report.to_dict()["weights"] == {"completeness": 25, "validity": 35, "uniqueness": 15,
                                           "consistency": 15, "timeliness": 10}


def test_clean_file_scores_100_and_passes(tmp_path: Path) -> None:
    report = check_file(write_csv(tmp_path / "p.csv", people(50)), person_schema())
    assert report.ok and report.errors == 0 and report.score == 100.0


def test_timeliness_against_the_update_cycle(tmp_path: Path) -> None:
    schema = schema_from_items([ItemSpec("name", required=True), ItemSpec("updated", element="DE0901")],
                               update_cycle="每月", timestamp_field="updated")
    path = tmp_path / "t.csv"
    path.write_text("name,updated\na,20260101\nb,20260301\n", encoding="utf-8")
    fresh = check_file(path, schema, CheckOptions(as_of=datetime(2026, 3, 20, tzinfo=UTC)))
    assert fresh.timeliness == {"cycle": "monthly", "allowed_days": 31, "latest": "2026-03-01", "age_days": 19,
                                "source": "item", "ok": True, "score": 100.0}
    late = check_file(path, schema, CheckOptions(as_of=datetime(2026, 5, 31, tzinfo=UTC)))
    assert not late.timeliness["ok"] and late.dimensions["timeliness"] < 100 and not late.ok


def test_personal_data_is_masked_in_samples_unless_asked(tmp_path: Path) -> None:
    rows = people(2)
    rows[0][5] = "13912345678x"
    rows[1][0] = rows[1][0][:17] + ("0" if rows[1][0][17] != "0" else "1")
    path = write_csv(tmp_path / "p.csv", rows)
    masked = {s.item: s.value for s in check_file(path, person_schema()).samples}
    assert masked["手机号码"] != rows[0][5] and "*" in masked["手机号码"]
    assert rows[1][0] not in json.dumps(check_file(path, person_schema()).to_dict(), ensure_ascii=False)
    clear = {s.item: s.value for s in check_file(path, person_schema(), CheckOptions(mask=False)).samples}
    assert clear["公民身份号码"] == rows[1][0]


def test_table_schema_round_trip_keeps_every_rule() -> None:
    schema = person_schema(update_cycle="daily")
    exported = to_table_schema(schema)
    assert exported["primaryKey"] == ["公民身份号码"]
    gender = next(f for f in exported["fields"] if f["name"] == "性别代码")
    assert gender["constraints"]["enum"] == ["0", "1", "2", "9"]
    back = from_table_schema(json.loads(json.dumps(exported)))
    assert back == schema


def test_plain_table_schema_is_read() -> None:
    schema = from_table_schema({"fields": [{"name": "id", "type": "integer", "constraints": {"required": True}},
                                           {"name": "d", "type": "date", "format": "%Y/%m/%d"}],
                                "primaryKey": "id"})
    assert schema.primary_key == ["id"] and schema.fields[1].date_format == "%Y/%m/%d"


def test_schema_errors_name_what_is_wrong() -> None:
    with pytest.raises(InvalidInput) as caught:
        schema_from_items([ItemSpec("x", element="DE9999")])
    assert "DE9999" in caught.value.message and "数据元" in caught.value.message_zh
    with pytest.raises(InvalidInput):
        from_table_schema({"fields": [{"name": "a"}], "primaryKey": ["b"]})


def test_html_and_xlsx_reports(tmp_path: Path) -> None:
    rows = people(3)
    rows[0][2] = "3"
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema())
    html = render_html(report, "zh")
    assert "<svg" in html and "<script" not in html and "有效性" in html and "aria-label" in html
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert "samples 样例" in book.sheetnames
    sheet = book["samples 样例"]
    assert [c.value for c in sheet[2]][:2] == [2, "性别代码"]


def test_duplicates_are_found_across_spilled_partitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from govshare.quality import hashes

    rows = people(30)
    rows += [rows[3], rows[17], rows[17], list(rows[8])]
    rows[-1][1] = "李四"  # the same key, not the same row
    monkeypatch.setattr(hashes, "MEMORY_ROWS", 5)  # spill to disk after five rows
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema(),
                        CheckOptions(batch_rows=7, keep_rows=True))
    key, whole = report.duplicates
    assert (key.groups, key.surplus_rows) == (3, 4)
    assert key.examples == [[5, 32], [10, 35], [19, 33, 34]] and key.surplus_row_numbers == [32, 33, 34, 35]
    assert (whole.groups, whole.surplus_rows, whole.examples) == (2, 3, [[5, 32], [19, 33, 34]])
