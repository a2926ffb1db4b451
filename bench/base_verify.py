"""ID number + name verification (人口核验) against the person library, through the exchange, over
HTTP as in exchange_verify.

    python bench/base_verify.py [--quick] [--persons N] [--backend postgresql|sqlite] [--workers W]

Loads N persons (default 1,000,000; --quick 100,000; --persons 10000000 for the provincial size)
as the person library, grants a consumer department's business system the library
(unconditional: granted at once), serves the app with a bare endpoint returning a constant
(bench/_http.py: one uvicorn worker unless told), and drives POST /api/v1/base/persons/verify
with its bearer token from concurrent clients on loopback: grant check, limits, audit record,
statistics and a signed receipt each. Half the calls send the right name, half a wrong one
(checked on a sample first). Prints throughput and p50/p99 of the bare endpoint and of the
verification at peak, the server's CPU per answer, and the verification's p50/p99 at half its
peak rate; and, as a reference, the bare lookup of the same numbers in the same table by raw SQL
on one connection. Target, as in exchange_verify: ≥ 40% of the bare endpoint's throughput,
p99 ≤ 20 ms at half the peak. Ends with one JSON line:
{"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import time

from _base import ACTOR, prepared, use_scratch_settings
from _common import result_line, scratch_database
from _http import TARGET, compare, percentiles, report, served

PURPOSE = "社会保险参保登记中核验参保人身份"


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
    parser.add_argument("--quick", action="store_true", help="100,000 persons, shorter runs")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    persons = args.persons or (100_000 if args.quick else 1_000_000)
    seconds = 4.0 if args.quick else 15.0
    use_scratch_settings()
    import numpy as np

    from govshare.base import population
    from govshare.base.generator import PERSON_COLUMNS, generate_persons

    with scratch_database(args.backend) as db:
        prepared(db)
        started = time.perf_counter()
        frame = generate_persons(np.random.default_rng(2017), persons, "330000").select(PERSON_COLUMNS)
        version = population.load_persons(db, ACTOR, frame, checked=True)
        assert version.status.value == "live", version.error
        print(f"{args.backend}: {persons:,} persons generated and loaded in {time.perf_counter() - started:.1f} s")
        token = consumer_token(db)
        rng = np.random.default_rng(1)
        picks = frame.select("公民身份号码", "姓名")[rng.integers(0, persons, 20_000).tolist()].rows()
        headers = {"authorization": f"Bearer {token}"}
        counter = iter(range(10**9))
        with served(db, args.workers) as server:
            url = f"{server.base}/api/v1/base/persons/verify"

            def body(n: int) -> dict:
                number, name = picks[n % len(picks)]
                return {"purpose": PURPOSE, "id_number": number, "name": name if n % 2 else name + "某"}

            _check_answers(url, headers, body)

            def verify(client):  # type: ignore[no-untyped-def]
                return client.post(url, headers=headers, json=body(next(counter)))

            result = compare(server, verify, seconds, args.concurrency)
        raw_rate, raw_p99 = _raw_lookups(db, [number for number, _ in picks[:2_000]])
    report(result, "verify")
    print(f"raw SQL lookup:  {raw_rate:8,.0f} q/s    p99 {raw_p99:6.2f} ms (one connection, same process)")
    result_line("base_verify", "verifications_per_second_vs_bare", result.tps, result.bare_tps, result.ratio, TARGET,
                result.met, {"persons": persons, "backend": args.backend,
                             "p99_half_peak_ms": round(result.half_p99, 2), "raw_sql_per_s": round(raw_rate)})


def _check_answers(url: str, headers: dict, body) -> None:  # type: ignore[no-untyped-def]
    """The right name matches and the wrong one does not, before anything is timed."""
    import httpx

    for n in range(20):
        answer = httpx.post(url, headers=headers, json=body(n), timeout=30)
        assert answer.status_code == 200 and answer.json()["match"] is bool(n % 2), answer.text


def _raw_lookups(db, numbers: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from govshare.base.libraries import resource_of
    from govshare.exchange import datasets

    with db.session() as session:
        live = datasets.live(session, resource_of(session, "person"))  # type: ignore[arg-type]
        table, id_col, name_col = live.table.name, live.column("公民身份号码").column, live.column("姓名").column
    latencies = []
    with db.engine.connect() as conn:
        lookup = text(f'SELECT "{name_col}" FROM "{table}" WHERE "{id_col}" = :v LIMIT 1')
        for number in numbers:
            started = time.perf_counter()
            conn.execute(lookup, {"v": number}).first()
            latencies.append(time.perf_counter() - started)
    return len(latencies) / sum(latencies), percentiles(latencies)[1]


if __name__ == "__main__":
    main()
