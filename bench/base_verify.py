"""ID number + name verification (人口核验) against the person library, through the exchange.

    python bench/base_verify.py [--quick] [--persons N] [--calls M] [--backend sqlite|postgresql]

Loads N persons (default 1,000,000; --quick 100,000; --persons 10000000 with --backend
postgresql for the provincial size) as the person library, grants a consumer department's
business system the library (unconditional: granted at once), then makes M verification calls
(default 2,000; --quick 300) to POST /api/v1/base/persons/verify with its bearer token, in
process (FastAPI TestClient, one worker): grant check, limits, audit record, statistics and a
signed receipt each. Half the calls send the right name, half a wrong one.
Baseline, same run: the bare lookup of the same numbers in the same table by raw SQL
(SELECT name WHERE id = ?) on one connection. Reports calls/s and p99 latency of both.
Target: p99 under 50 ms per verification. Ends with one JSON line:
{"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _base import ACTOR, prepared, use_scratch_settings
from _common import result_line, scratch_database

TARGET_P99_MS = 50.0
PURPOSE = "社会保险参保登记中核验参保人身份"


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000 if len(samples) >= 2 else samples[0] * 1000


def consumer_token(db) -> str:  # type: ignore[no-untyped-def]
    """A department with a business system and a token; its request for the library is granted."""
    from govshare.base.libraries import resource_of
    from govshare.cli_support import operator_principal
    from govshare.core.auth import Principal, Role
    from govshare.exchange import access_requests
    from govshare.exchange.schemas import RequestIn
    from govshare.orgs import clients, departments
    from govshare.orgs.models import DepartmentKind
    from govshare.orgs.schemas import ClientIn, DepartmentIn, TokenIn
    from govshare.standards.identifiers import make_uscc

    with db.session() as session:
        dept = departments.create_department(
            session,
            ACTOR,
            DepartmentIn(
                name="浙江省卫生健康委员会",
                uscc=make_uscc("1", "1", "330000", "00123456"),
                division_code="330000",
                kind=DepartmentKind.GOVERNMENT,
            ),
        )
        client = clients.register_client(
            session, operator_principal(), ACTOR, ClientIn(name="全民健康信息平台", department_id=dept.id)
        )
        officer = Principal(kind="user", name="bench", department_id=dept.id, roles=frozenset({Role.DATA_OFFICER}))
        access_requests.submit(
            session,
            officer,
            ACTOR,
            RequestIn(resource_id=resource_of(session, "person").id, purpose=PURPOSE, scenario="社保经办"),
        )  # type: ignore
        secret, _ = clients.issue_token(
            session, operator_principal(), ACTOR, client.id, TokenIn(scopes=["exchange"], days=30)
        )
        return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    persons = args.persons or (100_000 if args.quick else 1_000_000)
    count = args.calls or (300 if args.quick else 2_000)
    use_scratch_settings()
    import numpy as np
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from govshare.base import population
    from govshare.base.generator import PERSON_COLUMNS, generate_persons
    from govshare.base.libraries import resource_of
    from govshare.core.config import get_settings
    from govshare.exchange import datasets
    from govshare.web.app import create_app

    with scratch_database(args.backend) as db:
        prepared(db)
        frame = generate_persons(np.random.default_rng(2017), persons, "330000").select(PERSON_COLUMNS)
        version = population.load_persons(db, ACTOR, frame, checked=True)
        assert version.status.value == "live", version.error
        token = consumer_token(db)
        rng = np.random.default_rng(1)
        picks = frame.select("公民身份号码", "姓名")[rng.integers(0, persons, count).tolist()]
        with TestClient(create_app(get_settings(), database=db)) as http:
            headers = {"authorization": f"Bearer {token}"}
            latencies = []
            started = time.perf_counter()
            for n, (number, name) in enumerate(picks.iter_rows()):
                t0 = time.perf_counter()
                answer = http.post(
                    "/api/v1/base/persons/verify",
                    headers=headers,
                    json={"purpose": PURPOSE, "id_number": number, "name": name if n % 2 else name + "某"},
                )
                latencies.append(time.perf_counter() - t0)
                assert answer.status_code == 200 and answer.json()["match"] is bool(n % 2), answer.text
            api_seconds = time.perf_counter() - started
        with db.session() as session:
            live = datasets.live(session, resource_of(session, "person"))  # type: ignore[arg-type]
            table, id_col, name_col = live.table.name, live.column("公民身份号码").column, live.column("姓名").column
        raw = []
        with db.engine.connect() as conn:
            started = time.perf_counter()
            for number, _ in picks.iter_rows():
                t0 = time.perf_counter()
                conn.execute(
                    text(f'SELECT "{name_col}" FROM "{table}" WHERE "{id_col}" = :v LIMIT 1'), {"v": number}
                ).first()
                raw.append(time.perf_counter() - t0)
            raw_seconds = time.perf_counter() - started
    value, baseline = count / api_seconds, count / raw_seconds
    print(
        f"{args.backend}, {persons:,} persons: {count} verifications through the exchange: {value:,.0f}/s, "
        f"p99 {p99(latencies):.1f} ms; raw SQL lookup {baseline:,.0f}/s, p99 {p99(raw):.2f} ms"
    )
    result_line(
        "base_verify",
        "verifications_per_second",
        value,
        baseline,
        value / baseline,
        TARGET_P99_MS,
        p99(latencies) <= TARGET_P99_MS,
        {
            "persons": persons,
            "calls": count,
            "p99_ms": round(p99(latencies), 2),
            "raw_p99_ms": round(p99(raw), 3),
            "backend": args.backend,
        },
    )


if __name__ == "__main__":
    main()
