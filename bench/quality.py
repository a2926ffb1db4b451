"""Quality engine against frictionless-py, same file, same run.

Generates N person rows (ID number, name, gender, birth date, division, mobile) with 1% seeded
defects of each kind, checks them with govshare and with `frictionless validate` (equivalent
Table Schema: types, required, pattern, enum, unique; error limit lifted), and prints rows
per second of each, their ratio, govshare's peak memory, whether both find the same rows for
the rules they share, and whether govshare finds every seeded defect (frictionless cannot
check ID check digits or cross-item rules).

    python bench/quality.py            # 1,000,000 rows
    python bench/quality.py --quick    # 100,000 rows, under a minute
    python bench/quality.py --big-gb 5 # govshare alone on a 5 GB file: rows/s and peak memory
    python bench/quality.py --big-gb 5 --big-file /tmp/persons-5gb.csv   # kept, reused next time

Each checker runs in its own process so that its peak memory (ru_maxrss) is its own.
The last line is one JSON object: bench, metric, value, baseline, ratio, target, met, size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TARGET_RATIO = 50
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))
DEFECTS = ("missing_name", "id_check_digit", "bad_birth_date", "gender_code", "division_code",
           "mobile_pattern", "duplicate_id", "birth_mismatch", "gender_mismatch")
# Which defects frictionless can see, and as which of its errors (field, kind).
SHARED = {"missing_name": ("name", "required"), "bad_birth_date": ("birth_date", "type"),
          "gender_code": ("gender", "enum"), "division_code": ("division", "pattern"),
          "mobile_pattern": ("mobile", "pattern"), "duplicate_id": ("id_number", "unique")}
# The govshare rule that must find each defect.
GOVSHARE_RULE = {"missing_name": "required:name", "id_check_digit": "gb11643.check_digit:id_number",
                 "bad_birth_date": "type:birth_date", "gender_code": "code_table:gender",
                 "division_code": "gb2260.province:division", "mobile_pattern": "pattern:mobile",
                 "duplicate_id": "unique:id_number", "birth_mismatch": "id_birth_date:id_number+birth_date",
                 "gender_mismatch": "id_gender:id_number+gender"}


def check_chars(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters, computed with numpy (independently of the engine's polars code)."""
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    return CHECK[(digits.astype(np.int64) @ WEIGHTS) % 11]


def generate(rows: int, path: Path, seed: int = 2017) -> dict[str, list[int]]:
    """Write the CSV; return the spreadsheet row numbers (header = 1) of each seeded defect."""
    from govshare.standards.divisions import reference_divisions

    rng = np.random.default_rng(seed)
    counties = np.array([d.code for d in reference_divisions() if d.level == "county"])
    division = counties[rng.integers(0, len(counties), rows)]
    born = np.datetime64("1940-01-01") + rng.integers(0, 365 * 65, rows).astype("timedelta64[D]")
    birth = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "")
    seq = rng.integers(0, 1000, rows)
    first17 = np.char.add(np.char.add(division, birth), np.char.zfill(seq.astype(str), 3))
    ids = np.char.add(first17, check_chars(first17))
    gender = np.where(seq % 2 == 1, "1", "2")
    surnames, given = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"), list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰")
    name = np.char.add(np.array(surnames)[rng.integers(0, 20, rows)], np.array(given)[rng.integers(0, 20, rows)])
    name = np.char.add(name, np.array(given)[rng.integers(0, 20, rows)])
    mobile = np.char.add("13", np.char.zfill(rng.integers(0, 10**9, rows).astype(str), 9))
    frame = {"id_number": ids.astype(object), "name": name.astype(object), "gender": gender.astype(object),
             "birth_date": birth.astype(object), "division": division.astype(object), "mobile": mobile.astype(object)}

    per = rows // 100
    order = rng.permutation(rows)
    groups = {d: order[i * per:(i + 1) * per] for i, d in enumerate(DEFECTS)}
    clean = order[len(DEFECTS) * per:]
    frame["name"][groups["missing_name"]] = None
    g = groups["id_check_digit"]
    frame["id_number"][g] = [s[:17] + ("0" if s[17] != "0" else "1") for s in frame["id_number"][g]]
    frame["birth_date"][groups["bad_birth_date"]] = "19900230"
    frame["gender"][groups["gender_code"]] = "3"
    frame["division"][groups["division_code"]] = "990101"
    frame["mobile"][groups["mobile_pattern"]] = "1234567890"
    g, donors = groups["duplicate_id"], clean[:per]  # a second record of the same person
    for key in ("id_number", "birth_date", "gender"):
        frame[key][g] = frame[key][donors]
    g = groups["birth_mismatch"]
    shifted = born[g] + np.timedelta64(1, "D")
    frame["birth_date"][g] = np.char.replace(np.datetime_as_string(shifted, unit="D"), "-", "")
    g = groups["gender_mismatch"]
    frame["gender"][g] = np.where(frame["gender"][g] == "1", "2", "1")
    table = pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in frame.items()})
    table.write_csv(path)
    seeded = {d: sorted(int(i) + 2 for i in g) for d, g in groups.items()}
    # Surplus rows: every row whose ID number appeared on an earlier row. That is the seeded
    # second records plus the few equal numbers random generation makes by itself.
    repeats = table.with_row_index("i").filter(~pl.col("id_number").is_first_distinct())
    seeded["duplicate_id"] = sorted(int(i) + 2 for i in repeats["i"])
    return seeded


def govshare_schema():  # type: ignore[no-untyped-def]
    from govshare.quality.schema import ItemSpec, schema_from_items

    return schema_from_items([
        ItemSpec("id_number", element="DE0101", required=True), ItemSpec("name", element="DE0102", required=True),
        ItemSpec("gender", element="DE0103"), ItemSpec("birth_date", element="DE0105"),
        ItemSpec("division", element="DE0106"), ItemSpec("mobile", element="DE0108"),
    ], name="persons", primary_key=["id_number"])


def frictionless_schema() -> dict:
    """govshare's Table Schema export, with what frictionless needs in place of validators."""
    from govshare.quality.schema import to_table_schema
    from govshare.standards.divisions import province_codes

    exported = to_table_schema(govshare_schema())
    fields = []
    for f in exported["fields"]:
        field = {k: v for k, v in f.items() if not k.startswith("govshare:")}
        constraints = field.setdefault("constraints", {})
        if f["name"] == "id_number":
            constraints.update(pattern="[0-9]{17}[0-9X]", unique=True)
        if f["name"] == "division":
            # The rule both check: six digits starting with a real province code. As a pattern,
            # not as an enum of the 3,000-odd county codes: frictionless scans an enum list
            # linearly for every cell, which made its run several times slower than it need be.
            constraints["pattern"] = f"({'|'.join(sorted(province_codes()))})[0-9]{{4}}"
        if "pattern" in constraints:  # Table Schema patterns are implicitly anchored
            constraints["pattern"] = constraints["pattern"].strip("^$")
        fields.append(field)
    return {"fields": fields}


GOVSHARE_RUNS = 3  # a run of a few seconds swings with the machine's load: report the median


def run_govshare(path: str) -> dict:
    """The median of GOVSHARE_RUNS checks (wall and processor time); frictionless runs once,
    its minutes-long run averages the load swings by itself."""
    from govshare.quality.engine import CheckOptions, check_file

    _warm_up(path)
    walls, cpus = [], []
    for _ in range(GOVSHARE_RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        report = check_file(path, govshare_schema(), CheckOptions(keep_rows=True))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    seconds, cpu_seconds = sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2]
    rows = {rule: sorted(r) for rule, r in report.failing_rows.items()}
    for dup in report.duplicates:
        if dup.key:
            rows[f"unique:{'+'.join(dup.key)}"] = sorted(dup.surplus_row_numbers)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "walls": walls, "rows": report.rows,
            "score": report.score, "failing": rows}


def _warm_up(path: str, check: Callable[[Path], object] | None = None) -> None:
    """One check of the first thousand rows first, for each checker alike: a node that checks
    files all day has its modules imported, its reference tables loaded and its thread pool
    running (govshare: about 0.2 s once per process; frictionless: over a second of imports)."""
    from govshare.quality.engine import check_file

    head = Path(path).with_suffix(".head.csv")
    with open(path, "rb") as src:
        head.write_bytes(b"".join(src.readline() for _ in range(1001)))
    (check or (lambda p: check_file(p, govshare_schema())))(head)
    head.unlink()


def _frictionless_validate(path: str, schema: dict):  # type: ignore[no-untyped-def]
    """`frictionless validate` with its error limit lifted (by default it stops at 1,000)."""
    import frictionless

    # frictionless refuses absolute paths unless given a base path ("not safe").
    resource = frictionless.Resource(path=Path(path).name, basepath=str(Path(path).parent),
                                     schema=frictionless.Schema.from_descriptor(schema))
    return resource.validate(limit_errors=10**9)


def run_frictionless(path: str, schema: dict) -> dict:
    _warm_up(path, lambda head: _frictionless_validate(str(head), schema))
    started, cpu = time.perf_counter(), time.process_time()
    report = _frictionless_validate(path, schema)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    failing: dict[str, list[int]] = {}
    for task in report.tasks:
        for error in task.errors:
            kind = {"type-error": "type", "unique-error": "unique"}.get(error.type)
            if error.type == "constraint-error":
                kind = error.note.split('"')[1] if '"' in error.note else error.note
            key = f"{getattr(error, 'field_name', '')}:{kind}"
            failing.setdefault(key, []).append(int(getattr(error, "row_number", 0)))
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "failing": {k: sorted(v) for k, v in failing.items()}}


def peak_mb() -> float:
    """This process's peak resident memory (high-water mark), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: str) -> dict:
    """Run one checker in a fresh process; add its peak resident memory."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec,
    # so the child would report the generator's memory as its own.
    args = ", q.frictionless_schema()" if kind == "frictionless" else ""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'src')!r}); "
            f"sys.path.insert(0, {str(ROOT / 'bench')!r}); import quality as q; "
            f"out = q.run_{kind}({path!r}{args}); out['peak_mb'] = q.peak_mb(); print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def generate_big(path: Path, gigabytes: float) -> int:
    """Append 1,000,000-row chunks (each with its own seed) until the file reaches the size."""
    rows, seed = 0, 0
    chunk = path.with_suffix(".chunk.csv")
    with path.open("wb") as out:
        while out.tell() < gigabytes * 1e9:
            generate(1_000_000, chunk, seed=seed)
            data = chunk.read_bytes()
            out.write(data if seed == 0 else data.split(b"\n", 1)[1])
            rows, seed = rows + 1_000_000, seed + 1
    chunk.unlink()
    return rows


def big(gigabytes: float, keep: Path | None = None) -> None:
    """govshare alone on a generated file of `gigabytes`. With `keep`, the file is written
    there and left for the next run, which reuses it: generating 5 GB takes far longer than
    checking it."""
    with tempfile.TemporaryDirectory(prefix="govshare-bench-") as tmp:
        path = keep or Path(tmp) / "persons.csv"
        if path.exists() and path.stat().st_size >= gigabytes * 1e9:
            rows = sum(block.count(b"\n") for block in _blocks(path)) - 1
        else:
            rows = generate_big(path, gigabytes)
        size = path.stat().st_size
        gov = _child("govshare_summary", str(path))
    print(f"govshare on {size / 1e9:.1f} GB ({rows:,} rows): {rows / gov['seconds']:,.0f} rows/s, "
          f"{gov['seconds']:.0f}s, peak {gov['peak_mb']:.0f} MB", file=sys.stderr)
    print(json.dumps({"bench": "quality-big", "metric": "peak_mb", "value": round(gov["peak_mb"]),
                      "baseline": None, "ratio": None, "target": 1024, "met": gov["peak_mb"] < 1024,
                      "size": rows}))


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(64 << 20):
            yield block


def run_govshare_summary(path: str) -> dict:
    """Like run_govshare without keeping every failing row number (that list would grow with the file)."""
    from govshare.quality.engine import check_file

    _warm_up(path)
    started = time.perf_counter()
    report = check_file(path, govshare_schema())
    return {"seconds": time.perf_counter() - started, "rows": report.rows, "score": report.score}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--big-gb", type=float, default=None, help="govshare alone on a file this large")
    parser.add_argument("--big-file", type=Path, default=None,
                        help="with --big-gb: write the file here and keep it, or reuse it if it is there")
    args = parser.parse_args()
    if args.big_gb:
        big(args.big_gb, args.big_file)
        return
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="govshare-bench-") as tmp:
        path = Path(tmp) / "persons.csv"
        started = time.perf_counter()
        seeded = generate(rows, path)
        print(f"generated {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s, "
              f"{len(seeded)} defect kinds × {rows // 100:,} (duplicates: {len(seeded['duplicate_id']):,} "
              "surplus rows, seeded and natural)", file=sys.stderr)
        gov = _child("govshare", str(path))
        fric = _child("frictionless", str(path))
    gov_rps, fric_rps = rows / gov["seconds"], rows / fric["seconds"]
    ratio = gov_rps / fric_rps
    found_all = True
    print(f"{'defect':18} {'seeded':>8} {'govshare':>9} {'frictionless':>13}  same rows", file=sys.stderr)
    for defect in DEFECTS:
        want = seeded[defect]
        got = gov["failing"].get(GOVSHARE_RULE[defect], [])
        found = set(want) <= set(got)
        found_all &= found and len(got) == len(want)
        fric_rows: list[int] | str = "n/a"
        same = ""
        if defect in SHARED:
            field, kind = SHARED[defect]
            fric_rows = fric["failing"].get(f"{field}:{kind}", [])
            same = "yes" if sorted(fric_rows) == sorted(got) else "NO"
        shown = len(fric_rows) if isinstance(fric_rows, list) else fric_rows
        print(f"{defect:18} {len(want):8,} {len(got):9,} {shown!s:>13}  {same}", file=sys.stderr)
        if defect in SHARED and same != "yes":
            found_all = False
    print(f"govshare     {gov_rps:12,.0f} rows/s  {gov['seconds']:.2f}s  peak {gov['peak_mb']:.0f} MB  "
          f"score {gov['score']}", file=sys.stderr)
    print(f"frictionless {fric_rps:12,.0f} rows/s  {fric['seconds']:.2f}s  peak {fric['peak_mb']:.0f} MB",
          file=sys.stderr)
    print(f"govshare wall times {', '.join(f'{w:.2f}s' for w in gov['walls'])} (median taken); processor time "
          f"govshare {gov['cpu_seconds']:.2f}s, frictionless {fric['cpu_seconds']:.2f}s "
          f"({fric['cpu_seconds'] / gov['cpu_seconds']:.1f}×, all threads)", file=sys.stderr)
    print(f"ratio {ratio:.1f}× (target {TARGET_RATIO}×); every seeded defect found, shared rules agree: {found_all}",
          file=sys.stderr)
    print(json.dumps({"bench": "quality", "metric": "rows_per_second", "value": round(gov_rps),
                      "baseline": round(fric_rps), "ratio": round(ratio, 1), "target": TARGET_RATIO,
                      "met": bool(ratio >= TARGET_RATIO and found_all), "size": rows}))


if __name__ == "__main__":
    main()
