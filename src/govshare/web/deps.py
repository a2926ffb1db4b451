"""Request-scoped pieces every route uses: the unit of work, who is asking, and whether
they may. A route declares its action with `Depends(authorize("departments.write"))`; the
app refuses to start if any route under /api or a page route has no declaration (see
`govshare.web.app.check_routes_declared`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from govshare.core import audit
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import Principal, rule_for
from govshare.core.db import Database
from govshare.core.errors import NotAuthenticated, PermissionDenied

SESSION_COOKIE = "gs_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database(request: Request) -> Database:
    return request.app.state.database


REQUEST_SESSION = "govshare_db_session"


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request. `web.unit_of_work.CommitBeforeResponse` commits it just
    before the response starts (or rolls it back when the answer is an error), so the next
    request of the same browser always sees the change; this dependency's own end, which
    FastAPI runs only after the response was sent, then normally finds nothing left to do.

    Async on purpose: a sync dependency costs two worker-thread hops per request, and neither
    end needs one. Opening a session does no I/O (it connects on first use); ending it waits
    on the database, in a worker thread, only when something is left to commit or seal."""
    db = database(request)
    session = db.sessions()
    setattr(request.state, REQUEST_SESSION, session)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(db.end, session, True)
        raise
    if db.ends_at_once(session):
        db.end(session)
    else:
        await run_in_threadpool(db.end, session)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def language(request: Request) -> str:
    """zh or en. Pages: ?lang=, the lang cookie, Accept-Language, then the node default.
    API answers: Accept-Language only, English by default, so scripts see stable text."""
    accept = request.headers.get("accept-language", "").lower()
    if request.url.path.startswith("/api/"):
        return "zh" if accept.startswith("zh") else "en"
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in ("zh", "en"):
        return chosen
    if accept:
        return "zh" if accept.startswith("zh") else "en"
    return request.app.state.settings.default_language


@dataclass(frozen=True)
class Caller:
    """The authenticated, authorised principal of a request, with what audit needs."""

    principal: Principal
    actor: Actor
    csrf_token: str | None = None


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor(
        name=principal.name,
        user_id=principal.user_id,
        department_id=principal.department_id,
        client_id=principal.client_id,
        source_ip=client_ip(request),
    )


def identify(request: Request, session: Session) -> tuple[Principal, str | None] | None:
    """Bearer token first (business systems), then the browser session cookie."""
    from govshare.orgs.clients import resolve_token
    from govshare.orgs.sessions import awaiting_second_factor, resolve_session

    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = resolve_token(session, header[7:].strip())
        if principal is None:
            raise NotAuthenticated(
                "the API token is unknown, expired or revoked",
                "API 令牌无效、已过期或已吊销",
                code="invalid_token",
            )
        return principal, None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found_session = resolve_session(session, cookie)
        if found_session is not None:
            principal, row = found_session
            if awaiting_second_factor(session, row):
                raise NotAuthenticated("enter the code from your authenticator app first",
                                       "请先输入身份验证器中的动态验证码", code="second_factor_required")
            return principal, row.csrf_token
    return None


def _audit_denial(request: Request, session: Session, actor: Actor, action: str) -> None:
    # Committed now, on the request's own session, because the request is about to fail and
    # its unit of work would roll the record back. (A second connection would deadlock on
    # SQLite, where this transaction already holds the write lock.)
    session.rollback()
    audit.record(session, actor, "access.denied", object_type="route", object_id=request.url.path,
                 outcome=Outcome.DENIED, details={"action": action, "method": request.method})
    session.commit()


async def _check_csrf(request: Request, expected: str | None) -> None:
    if request.method in SAFE_METHODS or expected is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")  # type: ignore[assignment]
    if sent != expected:
        raise _csrf_refused()


def _csrf_refused() -> PermissionDenied:
    return PermissionDenied("missing or wrong CSRF token; reload the page", "页面已过期，请刷新后重试", code="csrf")


def _checked(request: Request, session: Session, action: str) -> Caller:
    """Who is asking and whether they may `action` (the CSRF token aside): 401 for nobody, 403,
    recorded in the audit chain, for someone who may not."""
    found = identify(request, session)
    if found is None:
        raise NotAuthenticated("sign in first", "请先登录", code="not_authenticated")
    principal, csrf = found
    actor = _actor(principal, request)
    if not principal.may(action):
        _audit_denial(request, session, actor, action)
        raise PermissionDenied(
            f"{principal.name} may not perform {action}",
            f"{principal.name} 无权执行此操作（{action}）",
        )
    return Caller(principal, actor, csrf)


def authorize(action: str) -> Callable[..., object]:
    """Dependency: the caller must be signed in (or hold a token) and be allowed `action`."""
    rule_for(action)  # fail at import time on an undeclared action

    async def dependency(request: Request, session: Session = Depends(db_session)) -> Caller:
        # The look-ups wait on the database: in a worker thread, never on the event loop, which
        # would stall every other request meanwhile (and, on SQLite, could wait for the write
        # lock of a request whose commit needs that same loop).
        caller = await run_in_threadpool(_checked, request, session, action)
        await _check_csrf(request, caller.csrf_token)
        request.state.caller = caller  # pages render the menu and CSRF field from it
        return caller

    dependency.govshare_action = action  # type: ignore[attr-defined]
    return dependency


@dataclass(frozen=True)
class Credentials:
    """A request's credentials, not yet checked, and its unit of work, reachable only through
    `check`: a route given these cannot touch the database before its caller was identified
    and authorised."""

    request: Request
    session: Session
    action: str

    def check(self) -> tuple[Caller, Session]:
        """The checked caller (as `authorize` would give) and the request's session. The CSRF
        token of a browser session must come in its header: these routes take JSON, not forms."""
        caller = _checked(self.request, self.session, self.action)
        if self.request.method not in SAFE_METHODS and caller.csrf_token is not None \
                and self.request.headers.get(CSRF_HEADER) != caller.csrf_token:
            raise _csrf_refused()
        self.request.state.caller = caller
        return caller, self.session


def authorize_in_call(action: str) -> Callable[..., object]:
    """Dependency for a sync route whose database work all runs in its one worker thread (the
    data calls of the exchange and the base libraries): the caller is checked there, by
    `Credentials.check`, not in a thread of the dependency's own. Each worker-thread hop costs the
    event loop a hand-off and the thread a wait for the interpreter lock; a data call is short
    enough for that to show in its throughput."""
    rule_for(action)

    async def dependency(request: Request, session: Session = Depends(db_session)) -> Credentials:
        return Credentials(request, session, action)

    dependency.govshare_action = action  # type: ignore[attr-defined]
    return dependency


async def public(request: Request) -> None:
    """Marks a route as deliberately open to anyone (log-in page, health check, assets). Async,
    like every dependency that does no I/O: FastAPI runs a sync one in a worker thread."""


public.govshare_public = True  # type: ignore[attr-defined]
