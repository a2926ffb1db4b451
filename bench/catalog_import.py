"""Importing the national-template XLSX: a 10,000-resource workbook (two items each) into the
catalog, all-or-nothing with every row checked, against reading the same workbook cell by cell
with openpyxl alone (the old reader) in the same run.

    python bench/catalog_import.py [--quick] [--rows N] [--backend sqlite|postgresql]

Target (issue 3): under 30 s for 10,000 resources (--quick: 2,000 rows, target scaled to 6 s).
Ends with one JSON line: {"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import result_line, scratch_database  # noqa: E402
from catalog_search import _departments  # noqa: E402

from govshare.catalog import transfer  # noqa: E402
from govshare.catalog.template import ITEM_COLUMNS, RESOURCE_COLUMNS  # noqa: E402
from govshare.core.audit import Actor  # noqa: E402
from govshare.core.auth import ADMIN_TRIAD, Principal  # noqa: E402

TARGET_S_PER_10K = 30.0


def workbook(rows: int, provider: str) -> bytes:
    """A national-template workbook: `rows` resources, each with two items."""
    from openpyxl import Workbook

    headers = [c.header for c in RESOURCE_COLUMNS]
    book = Workbook(write_only=True)
    sheet, items = book.create_sheet("信息资源"), book.create_sheet("信息项")
    sheet.append(headers)
    items.append([c.header for c in ITEM_COLUMNS])
    for n in range(1, rows + 1):
        values = {
            "序号": n,
            "信息资源名称": f"导入测试资源{n:05d}",
            "信息资源提供方": provider,
            "信息资源摘要": "批量导入的人口与法人信息资源",
            "信息资源格式": "数据库",
            "共享类型": "无条件共享",
            "更新周期": "每月",
            "发布日期": "2026-01-15",
        }
        sheet.append([values.get(h, "") for h in headers])
        items.append([n, "", "姓名", "字符型", 50, "DE0102", ""])
        items.append([n, "", "登记日期", "日期型", 8, "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_with_openpyxl(content: bytes) -> int:
    """The baseline: only reading every cell of both sheets with openpyxl."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), data_only=True)
    return sum(1 for name in book.sheetnames for _ in book[name].iter_rows(values_only=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows (under a minute)")
    parser.add_argument("--rows", type=int, help="number of resources (default 10,000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.quick else 10_000)
    target = TARGET_S_PER_10K * rows / 10_000
    with scratch_database(args.backend) as db:
        provider = _departments(db)[0][1]
        content = workbook(rows, provider)
        started = time.perf_counter()
        read_with_openpyxl(content)
        baseline = time.perf_counter() - started
        principal = Principal(kind="user", name="bench", department_id=None, roles=ADMIN_TRIAD)
        started = time.perf_counter()
        with db.session() as session:
            result = transfer.import_file(
                session, principal, Actor.system("bench"), "bench.xlsx", content
            )
        seconds = time.perf_counter() - started
    print(f"backend {args.backend}: {len(result.created)} resources imported in {seconds:.1f} s "
          f"(target {target:.0f} s); openpyxl alone reads the file in {baseline:.1f} s")
    print("load average: " + " ".join(f"{n:.1f}" for n in os.getloadavg()))
    result_line(f"catalog_import_{args.backend}", "xlsx_import_s", seconds, baseline,
                baseline / seconds if seconds else 0.0, target, seconds <= target, rows)


if __name__ == "__main__":
    main()
