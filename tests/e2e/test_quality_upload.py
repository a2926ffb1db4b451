"""A data officer uploads the department's GBK spreadsheet export and sees which row breaks
which standard, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govshare.quality.schema import to_table_schema
from tests.e2e.test_admin_departments import sign_in
from tests.quality.helpers import people, person_schema, write_csv

pytestmark = pytest.mark.e2e


def test_upload_gbk_csv_and_see_the_bad_row(page, live_server: str, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = people(6)
    rows[3][0] = rows[3][0][:17] + ("0" if rows[3][0][17] != "0" else "1")  # spreadsheet row 5
    data = write_csv(tmp_path / "人口.csv", rows, encoding="gbk")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(to_table_schema(person_schema()), ensure_ascii=False), encoding="utf-8")
    sign_in(page, live_server, "hr.officer")
    page.click("nav >> text=数据质量")
    page.set_input_files("#file", str(data))
    page.set_input_files("#schema_file", str(schema))
    page.click("#check-form button[type=submit]")
    samples = page.locator("#samples")
    samples.wait_for()
    row = samples.locator("tr", has_text="校验码应为")
    assert row.locator("td").first.inner_text() == "5"
    assert "********" in row.inner_text()  # the ID number is masked
    assert "GBK" in page.locator("main").inner_text().upper()
