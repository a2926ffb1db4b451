"""Browser sessions: an opaque cookie whose hash is stored, with an idle time-out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from govshare.core.auth import Principal, digest_secret, new_session_secret
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.orgs.models import User, WebSession


def start_session(session: Session, user: User, source_ip: str | None) -> tuple[str, WebSession]:
    secret = new_session_secret()
    row = WebSession(
        id_hash=digest_secret(secret),
        user_id=user.id,
        csrf_token=new_session_secret(),
        source_ip=source_ip,
    )
    session.add(row)
    session.flush()
    return secret, row


def resolve_session(session: Session, secret: str) -> tuple[Principal, WebSession] | None:
    """The principal behind a cookie, or None when unknown, idle too long or disabled.
    The caller checks `awaiting_second_factor` before letting the principal act."""
    row = session.get(WebSession, digest_secret(secret))
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=get_settings().policy.session_idle_minutes)
    user = session.get(User, row.user_id)
    if now - row.last_seen_at > idle or user is None or not user.active:
        session.delete(row)
        return None
    # Touch at most once a minute: every page view must not be a write.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    principal = Principal(
        kind="user",
        name=user.username,
        department_id=user.department_id,
        roles=user.roles,
        user_id=user.id,
        session_id=row.id_hash,
    )
    return principal, row


def awaiting_second_factor(session: Session, row: WebSession) -> bool:
    """Signed in with the password only, but the account needs its second factor too."""
    from govshare.orgs.second_factor import required_for

    user = session.get(User, row.user_id)
    return row.second_factor_at is None and user is not None and required_for(user)


def end_session(session: Session, secret: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == digest_secret(secret)))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_idle(session: Session) -> int:
    cutoff = utcnow() - timedelta(minutes=get_settings().policy.session_idle_minutes)
    ids = session.scalars(select(WebSession.id_hash).where(WebSession.last_seen_at < cutoff)).all()
    if ids:
        session.execute(delete(WebSession).where(WebSession.id_hash.in_(ids)))
    return len(ids)
