"""What every public route needs before it answers: who is calling (anonymous, or a developer
by API key), the rate limit charged, and the base URL links are built from."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from govshare.opendata import accounts, limits
from govshare.opendata.accounts import Developer
from govshare.web.deps import client_ip, db_session


@dataclass(frozen=True)
class Visitor:
    developer: Developer | None
    base_url: str


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def visitor(request: Request, session: Session, charge: bool = True) -> Visitor:
    key = accounts.key_from(dict(request.headers), dict(request.cookies))
    developer = accounts.resolve(session, key)
    if charge:
        limits.charge(session, client_ip(request), developer)
    return Visitor(developer, base_url(request))


def page_limit(request: Request, session: Session = Depends(db_session)) -> None:
    """Dependency of every public page: the per-address page limit (429 page with Retry-After)."""
    limits.charge_page(session, client_ip(request))
