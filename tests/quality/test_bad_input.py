"""Every kind of bad input a department hands over is reported clearly, never a crash."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from govshare.core.errors import InvalidInput
from govshare.quality.engine import CheckOptions, check_file
from tests.quality.helpers import (
    HEADER,
    people,
    person_schema,
    rule_failures,
    sample_rows,
    write_csv,
)


def _issues(report) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {i["code"]: i for i in report.issues}


def test_gbk_file_is_detected_decoded_and_reported(tmp_path: Path) -> None:
    rows = people(5)
    rows[2][0] = rows[2][0][:17] + ("0" if rows[2][0][17] != "0" else "1")
    path = write_csv(tmp_path / "户籍.csv", rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # read as UTF-8 it would be mojibake
    report = check_file(path, person_schema())
    assert report.file["encoding"] == "gbk"
    assert _issues(report)["encoding"]["message_zh"] == "检测到文件编码：GBK"
    assert report.file["columns"] == HEADER  # Chinese headers decoded right
    assert rule_failures(report, "gb11643.check_digit:公民身份号码") == 1
    assert sample_rows(report, "gb11643.check_digit") == [4]  # header is row 1


def test_gb18030_only_characters_are_detected(tmp_path: Path) -> None:
    rows = people(2)
    rows[0][1] = "张𠀀"  # outside GBK, inside GB18030
    report = check_file(write_csv(tmp_path / "p.csv", rows, encoding="gb18030"), person_schema())
    assert report.file["encoding"] == "gb18030" and report.rows == 2


def test_encoding_override_is_used(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", people(3), encoding="gbk")
    report = check_file(path, person_schema(), CheckOptions(encoding="gb18030"))
    assert report.file["encoding"] == "gb18030" and "encoding" not in _issues(report)
    assert report.ok


def test_mixed_encodings_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(",".join(HEADER).encode("gbk") + b"\n" + ",".join(people(1)[0]).encode("utf-8")
                     + b"\n" + ",".join(people(1)[0]).encode("gbk") + b"\n")
    with pytest.raises(InvalidInput) as caught:
        check_file(path, person_schema(), CheckOptions(encoding="gbk"))
    assert "line 2" in caught.value.message and "第 2 行" in caught.value.message_zh


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + write_csv(tmp_path / "x.csv", people(3)).read_bytes())
    report = check_file(path, person_schema())
    assert report.file["encoding"] == "utf-8-sig"
    assert report.file["columns"][0] == "公民身份号码"  # not '\ufeff公民身份号码'
    assert report.ok, report.to_dict()


def test_ragged_rows_are_reported_with_their_rows(tmp_path: Path) -> None:
    rows = people(4)
    path = tmp_path / "ragged.csv"
    lines = [",".join(HEADER), ",".join(rows[0]), ",".join(rows[1][:3]), ",".join(rows[2] + ["extra"]),
             ",".join(rows[3])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_file(path, person_schema())
    ragged = _issues(report)["ragged_rows"]
    assert ragged["severity"] == "error" and ragged["count"] == 2 and ragged["rows"] == [3, 4]
    assert "row 3 (3 fields)" in ragged["message"] and "第 4 行（7 个字段）" in ragged["message_zh"]
    assert not report.ok


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    report = check_file(path, person_schema())
    assert _issues(report)["empty_file"]["severity"] == "error"
    assert report.rows == 0 and not report.ok and report.score == 0


def test_header_only_file(tmp_path: Path) -> None:
    report = check_file(write_csv(tmp_path / "h.csv", []), person_schema())
    assert "header but no data rows" in _issues(report)["no_data"]["message"]
    assert not report.ok


def test_header_missing_required_item_and_unknown_item(tmp_path: Path) -> None:
    header = ["姓名", "性别代码", "出生日期", "行政区划代码", "手机号码", "备注"]
    rows = [r[1:] + ["x"] for r in people(3)]
    report = check_file(write_csv(tmp_path / "h.csv", rows, header), person_schema())
    issues = _issues(report)
    assert issues["missing_required_item"]["severity"] == "error"
    assert "公民身份号码" in issues["missing_required_item"]["message"]
    assert issues["unknown_item"]["severity"] == "warning" and "备注" in issues["unknown_item"]["message"]
    assert rule_failures(report, "required:公民身份号码") == 3  # every row lacks it
    assert not report.ok


def _xlsx(path: Path, header: list[str], rows: list[list[object]], date_col: int | None = None) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(i, j, value, date_format)
            elif isinstance(value, int | float):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, value)
    book.close()
    return path


def test_excel_dates_stored_as_numbers(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in people(3)]
    born = datetime.strptime(rows[0][3], "%Y%m%d")  # type: ignore[arg-type]
    rows[0][3] = born  # a real Excel date cell: fine
    rows[1][3] = 36892  # a serial day number typed into a General cell
    report = check_file(_xlsx(tmp_path / "p.xlsx", HEADER, rows), person_schema())
    assert rule_failures(report, "excel_serial_date:出生日期") == 1
    sample = next(s for s in report.samples if s.rule == "excel_serial_date")
    assert sample.row == 3 and "2001-01-01" in sample.expected_en and "Excel 序号" in sample.expected_zh
    assert rule_failures(report, "type:出生日期") == 0


def test_id_numbers_stored_as_numbers_in_excel(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in people(3)]
    rows[0][0] = int(str(rows[0][0])[:17] + "0") if str(rows[0][0])[17] != "X" else rows[0][0]
    rows[0][0] = float(str(rows[0][0])[:15] + "000")  # what Excel keeps of an 18-digit number
    rows[1][0] = "1.10105E+17"  # the scientific notation pasted back as text
    report = check_file(_xlsx(tmp_path / "p.xlsx", HEADER, rows), person_schema())
    assert rule_failures(report, "excel_number:公民身份号码") == 2
    assert sorted(sample_rows(report, "excel_number")) == [2, 3]


def test_fullwidth_digits_are_named(tmp_path: Path) -> None:
    rows = people(2)
    rows[0][4] = "３３０１０２"  # Python's \d would accept these
    rows[1][0] = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in rows[1][0])
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema())
    assert rule_failures(report, "fullwidth:行政区划代码") == 1
    assert rule_failures(report, "fullwidth:公民身份号码") == 1
    assert rule_failures(report, "gb2260.format:行政区划代码") == 0  # one reason per cell
    assert any("半角" in s.expected_zh for s in report.samples)


def test_duplicates_reported_as_groups_and_surplus_rows(tmp_path: Path) -> None:
    rows = people(4)
    rows += [rows[0], rows[0], list(rows[1])]  # row 2 three times; row 3 twice
    rows[-1][1] = "李四"  # same ID, different name: a key duplicate but not a whole-row one
    report = check_file(write_csv(tmp_path / "p.csv", rows), person_schema())
    key = next(d for d in report.duplicates if d.key == ["公民身份号码"])
    whole = next(d for d in report.duplicates if d.key == [])
    assert (key.groups, key.surplus_rows) == (2, 3)
    assert (whole.groups, whole.surplus_rows) == (1, 2)
    data = report.to_dict()
    assert data["duplicates_counted_as"] == "surplus_rows"
    assert "surplus rows" in data["duplicates_note"] and "多余行" in data["duplicates_note_zh"]
    assert key.examples[0] == [2, 6, 7]


def test_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = people(3)
    rows[1][2] = "5"
    frame = pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in rows])
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in frame.to_dicts()) + "\n", encoding="utf-8")
    parquet = tmp_path / "p.parquet"
    frame.with_columns(pl.col("出生日期").str.to_date("%Y%m%d")).write_parquet(parquet)  # a typed date column
    for path in (jsonl, parquet):
        report = check_file(path, person_schema())
        assert report.rows == 3
        assert rule_failures(report, "code_table:性别代码") == 1, path
        assert rule_failures(report, "type:出生日期") == 0, path


def test_unknown_extension_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "p.doc"
    path.write_bytes(b"x")
    with pytest.raises(InvalidInput) as caught:
        check_file(path, person_schema())
    assert ".csv, .xlsx, .jsonl or .parquet" in caught.value.message
