"""Certificates issued and verified per second, on each crypto suite.

    python bench/certificates.py [--quick] [--count N] [--backend sqlite|postgresql]

For each suite (intl: Ed25519 + SHA-256; sm: SM2 + SM3), issues N resident identity cards
(default 2,000 intl / 200 sm; --quick 500 / 50) to persons of a generated population through
`certificates.issue_many` (identifier, canonical JSON, signature, one insert per certificate,
one audit record per batch), then verifies each by identifier through `certificates.verify`
(lookup, canonical JSON, signature check, revocation and expiry).
Baseline, same run: the suite's raw sign and verify of the same canonical bytes.
The headline value is intl issue+verify pairs per second; every figure is printed.
Ends with one JSON line: {"bench","metric","value","baseline","ratio","target","met","size"}.
"""

from __future__ import annotations

import argparse
import os
import time

from _base import ACTOR, prepared, use_scratch_settings
from _common import result_line, scratch_database

TARGET = 200.0  # intl issue+verify pairs per second


def run_suite(db, suite: str, count: int, people) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from govshare.base import certificates
    from govshare.base.build import certificate_requests
    from govshare.core.config import reset_settings_cache
    from govshare.core.crypto import get_suite
    from govshare.core.signing import node_keypair

    os.environ["GOVSHARE_CRYPTO_SUITE"] = suite
    reset_settings_cache()
    requests = certificate_requests(people, count)["0101"][:count]
    started = time.perf_counter()
    with db.session() as session:
        certificates.issue_many(session, ACTOR, "0101", requests)
    issued = time.perf_counter() - started
    with db.session() as session:
        from sqlalchemy import select

        from govshare.base.models import Certificate

        ids = session.scalars(select(Certificate.identifier).where(Certificate.suite == suite)).all()
        started = time.perf_counter()
        assert all(certificates.verify(session, i).ok for i in ids)
        verified = time.perf_counter() - started
        cert = certificates.find(session, ids[0])
        content = certificates.canonical(certificates.signed_content(cert, "0101"))  # type: ignore[arg-type]
    engine, keys = get_suite(suite), node_keypair()
    started = time.perf_counter()
    signatures = [engine.sign(keys.private_key, content) for _ in range(count)]
    raw_sign = time.perf_counter() - started
    started = time.perf_counter()
    assert all(engine.verify(keys.public_key, content, s) for s in signatures)
    raw_verify = time.perf_counter() - started
    return {
        "issue_per_s": count / issued,
        "verify_per_s": len(ids) / verified,
        "pairs_per_s": count / (issued + verified),
        "raw_sign_per_s": count / raw_sign,
        "raw_verify_per_s": count / raw_verify,
        "raw_pairs_per_s": count / (raw_sign + raw_verify),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    use_scratch_settings()
    from govshare.base.generator import Scale, generate

    counts = {"intl": args.count or (500 if args.quick else 2_000), "sm": args.count or (50 if args.quick else 200)}
    people = generate(Scale("bench", max(counts.values()) * 2 + 100, 10, 0), seed=2017)
    results = {}
    with scratch_database(args.backend) as db:
        prepared(db)
        for suite, count in counts.items():
            results[suite] = run_suite(db, suite, count, people)
            r = results[suite]
            print(
                f"{suite}: {count} certificates: issued {r['issue_per_s']:,.0f}/s, "
                f"verified {r['verify_per_s']:,.0f}/s; "
                f"raw sign {r['raw_sign_per_s']:,.0f}/s, raw verify {r['raw_verify_per_s']:,.0f}/s"
            )
    intl = results["intl"]
    result_line(
        "certificates",
        "intl_issue_verify_pairs_per_second",
        intl["pairs_per_s"],
        intl["raw_pairs_per_s"],
        intl["pairs_per_s"] / intl["raw_pairs_per_s"],
        TARGET,
        intl["pairs_per_s"] >= TARGET,
        {
            "intl": counts["intl"],
            "sm": counts["sm"],
            "sm_issue_per_s": round(results["sm"]["issue_per_s"], 1),
            "sm_verify_per_s": round(results["sm"]["verify_per_s"], 1),
            "intl_issue_per_s": round(intl["issue_per_s"], 1),
            "intl_verify_per_s": round(intl["verify_per_s"], 1),
            "backend": args.backend,
        },
    )


if __name__ == "__main__":
    main()
