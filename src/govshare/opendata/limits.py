"""Rate limits of the public APIs and downloads, counted in the database so every worker
shares them: fixed one-minute windows per subject (the caller's address, or its API key).
Over the limit: 429 with Retry-After. Registered developers' keys carry a higher limit.
"""

from __future__ import annotations

import time

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare.core.errors import RateLimited
from govshare.opendata.accounts import Developer
from govshare.opendata.models import RateCounter

ANONYMOUS_CALLS_PER_MINUTE = 120


class TooMany(RateLimited):
    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"rate limit: at most {limit} calls a minute; register for an API key for more",
            f"调用过于频繁：每分钟最多 {limit} 次；注册开发者可获得更高额度",
            details={"limit": limit, "retry_after": retry_after},
        )
        self.headers = {"Retry-After": str(retry_after)}
        self.retry_after = retry_after


def _bump(session: Session, subject: str, window: int) -> int:
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = maker(RateCounter).values(subject=subject, window=window, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["subject", "window"], set_={"count": RateCounter.count + 1})
    return int(session.execute(stmt.returning(RateCounter.count)).scalar_one())


def charge(
    session: Session,
    address: str | None,
    developer: Developer | None,
    anonymous_limit: int = ANONYMOUS_CALLS_PER_MINUTE,
) -> None:
    now = time.time()
    window = int(now // 60)
    if developer is not None:
        subject, limit = f"k{developer.key_id}", developer.calls_per_minute
    else:
        subject, limit = f"a{(address or 'unknown')[:60]}", anonymous_limit
    if _bump(session, subject, window) > limit:
        raise TooMany(limit, max(1, 60 - int(now % 60)))


def prune(session: Session) -> int:
    window = int(time.time() // 60)
    return session.execute(delete(RateCounter).where(RateCounter.window < window - 1)).rowcount or 0
