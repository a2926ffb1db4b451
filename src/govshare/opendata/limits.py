"""Rate limits of the portal, counted in the database so every worker shares them: fixed
one-minute windows per subject (the caller's address, or its API key). The figures are node
settings (core config Policy: `open_anonymous_calls_per_minute`, `open_key_calls_per_minute`,
`open_page_requests_per_minute`), read on every call so a changed setting applies at once.

APIs and downloads charge `charge`; public pages charge `charge_page` on a counter of their own,
so browsing does not eat a developer's API allowance. Over a limit: 429 with Retry-After (a
CKAN error on /api/3, the JSON error shape on the REST API, a zh/en page for browsers).
"""

from __future__ import annotations

import time

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govshare.core.config import Policy, get_settings
from govshare.core.errors import RateLimited
from govshare.opendata.accounts import Developer
from govshare.opendata.models import RateCounter


class TooMany(RateLimited):
    """Over a limit; `pages` for the public pages' own limit (browsers see its zh/en page)."""

    def __init__(self, limit: int, retry_after: int, pages: bool = False) -> None:
        if pages:
            en = f"Too many requests: at most {limit} pages a minute from one address."
            zh = f"访问过于频繁：每个地址每分钟最多 {limit} 个页面。"
        else:
            en = f"rate limit: at most {limit} calls a minute; register for an API key for more."
            zh = f"调用过于频繁：每分钟最多 {limit} 次；注册开发者可获得更高额度。"
        super().__init__(
            f"{en} Try again in {retry_after} s.",
            f"{zh}请 {retry_after} 秒后再试。",
            details={"limit": limit, "retry_after": retry_after},
        )
        self.headers = {"Retry-After": str(retry_after)}
        self.retry_after = retry_after


def _policy() -> Policy:
    return get_settings().policy


def _bump(session: Session, subject: str, window: int) -> int:
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = maker(RateCounter).values(subject=subject, window=window, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["subject", "window"], set_={"count": RateCounter.count + 1})
    return int(session.execute(stmt.returning(RateCounter.count)).scalar_one())


def _over(session: Session, subject: str, limit: int) -> int | None:
    """Counts one call; the seconds until the window ends when it is over the limit."""
    now = time.time()
    if _bump(session, subject, int(now // 60)) > limit:
        return max(1, 60 - int(now % 60))
    return None


def charge(session: Session, address: str | None, developer: Developer | None) -> None:
    """One API call or download: per API key when one is sent, else per address."""
    policy = _policy()
    if developer is not None:
        subject, limit = f"k{developer.key_id}", policy.open_key_calls_per_minute
    else:
        subject, limit = f"a{(address or 'unknown')[:60]}", policy.open_anonymous_calls_per_minute
    retry = _over(session, subject, limit)
    if retry is not None:
        raise TooMany(limit, retry)


def charge_page(session: Session, address: str | None) -> None:
    """One public page, per address."""
    limit = _policy().open_page_requests_per_minute
    retry = _over(session, f"p{(address or 'unknown')[:60]}", limit)
    if retry is not None:
        raise TooMany(limit, retry, pages=True)


def prune(session: Session) -> int:
    window = int(time.time() // 60)
    return session.execute(delete(RateCounter).where(RateCounter.window < window - 1)).rowcount or 0
