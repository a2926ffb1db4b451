"""Persons generated and written to the database per second, through the real path.

    python bench/generate.py [--quick] [--persons N] [--backend sqlite|postgresql]

Generates N persons (default 1,000,000; --quick 100,000) with the vectorised generator
(households, GB 11643 numbers, names) and loads them as the person library through the
exchange's loading path (quality gate in a second thread, typed table, key index, audit).
Baseline, same run: writing the same frame into a bare table of the same columns with the
backend's bulk path alone (executemany on SQLite, COPY on PostgreSQL), no checks, no index.
Target: 1,000,000 persons in at most 60 s (16,667 persons/s) on this 2-core machine.
Ends with one JSON line: {"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import time

from _base import ACTOR, prepared, use_scratch_settings
from _common import result_line, scratch_database

TARGET = 1_000_000 / 60


def bare_write(db, frame) -> float:  # type: ignore[no-untyped-def]
    """The same rows through the bulk path alone, into a plain table."""
    from sqlalchemy import Column, MetaData, Table, Text

    from govshare.exchange import tables

    table = Table("ds_999999_1", MetaData(), *[Column(f"c{n}", Text()) for n in range(frame.width)])
    text = frame.rename({c: f"c{n}" for n, c in enumerate(frame.columns)}).cast(
        {f"c{n}": str for n in range(frame.width)}
    )
    started = time.perf_counter()
    with db.engine.begin() as conn:
        table.create(conn)
        for start in range(0, text.height, 250_000):
            tables.write(conn, table, text.slice(start, 250_000))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    persons = args.persons or (100_000 if args.quick else 1_000_000)
    use_scratch_settings()
    import numpy as np

    from govshare.base import population
    from govshare.base.generator import PERSON_COLUMNS, generate_persons

    with scratch_database(args.backend) as db:
        prepared(db)
        started = time.perf_counter()
        frame = generate_persons(np.random.default_rng(2017), persons, "330000").select(PERSON_COLUMNS)
        generated = time.perf_counter() - started
        version = population.load_persons(db, ACTOR, frame, checked=True)
        total = time.perf_counter() - started
        assert version.status.value == "live" and version.rows_live == persons, version.error
        bare = bare_write(db, frame)
    value, baseline = persons / total, persons / bare
    print(
        f"{args.backend}: {persons:,} persons: generated in {generated:.1f} s, generated+loaded in {total:.1f} s "
        f"({value:,.0f}/s); bare bulk write of the same frame {bare:.1f} s ({baseline:,.0f}/s)"
    )
    result_line(
        "generate", "persons_per_second", value, baseline, value / baseline, round(TARGET), value >= TARGET, persons
    )


if __name__ == "__main__":
    main()
