"""Pages every node has: sign-in, sign-out, the per-role landing page, health, API docs."""

from __future__ import annotations

from urllib.parse import quote, urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from govshare.core.audit import Actor
from govshare.core.errors import AppError, PermissionDenied
from govshare.core.i18n import translate
from govshare.orgs import second_factor, sessions, users
from govshare.orgs.api import set_session_cookie
from govshare.web.deps import SESSION_COOKIE, Caller, authorize, client_ip, db_session, language, public
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after log-in is a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/"
    return target


@router.get("/healthz", dependencies=[Depends(public)])
def healthz(session: Session = Depends(db_session)) -> JSONResponse:
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(public)])
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next_url=_safe_next(next))


@router.post("/login", dependencies=[Depends(public)])
def login(
    request: Request,
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=200),
    next: str = Form("/"),
    session: Session = Depends(db_session),
) -> Response:
    try:
        user = users.authenticate(session, username.strip(), password, client_ip(request))
    except AppError as exc:
        return render(request, "login.html", status_code=exc.status, error=exc.localized(language(request)),
                      username=username, next_url=_safe_next(next))
    secret, _row = sessions.start_session(session, user, client_ip(request))
    target = _safe_next(next)
    if second_factor.required_for(user):
        target = f"/login/second-factor?next={quote(target)}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, secret)
    return response


def _half_signed_in(request: Request, session: Session):  # type: ignore[no-untyped-def]
    """The (user, session row) of a password-only sign-in that still needs its code."""
    cookie = request.cookies.get(SESSION_COOKIE)
    found = sessions.resolve_session(session, cookie) if cookie else None
    if found is None:
        return None
    _principal, row = found
    return users.get_user(session, row.user_id), row


def _second_factor_page(request: Request, session: Session, user, row, status: int = 200,  # type: ignore[no-untyped-def]
                        error: str | None = None) -> Response:
    enrolled = second_factor.is_enrolled(user)
    context: dict[str, object] = {"enrolled": enrolled, "error": error, "form_csrf": row.csrf_token,
                                  "next_url": _safe_next(request.query_params.get("next"))}
    if not enrolled:
        secret = second_factor.enrolment_secret(session, user)
        context.update(secret=secret, qr=second_factor.qr_svg(second_factor.provisioning_uri(user, secret)))
    return render(request, "second_factor.html", status_code=status, **context)


@router.get("/login/second-factor", response_class=HTMLResponse, dependencies=[Depends(public)])
def second_factor_form(request: Request, session: Session = Depends(db_session)) -> Response:
    found = _half_signed_in(request, session)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    return _second_factor_page(request, session, *found)


@router.post("/login/second-factor", dependencies=[Depends(public)])
def second_factor_submit(request: Request, code: str = Form(..., max_length=10),
                         csrf_token: str = Form(""), next: str = Form("/"),
                         session: Session = Depends(db_session)) -> Response:
    found = _half_signed_in(request, session)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    user, row = found
    if csrf_token != row.csrf_token:
        raise PermissionDenied("missing or wrong CSRF token; reload the page", "页面已过期，请刷新后重试", code="csrf")
    actor = Actor(name=user.username, user_id=user.id, department_id=user.department_id, source_ip=client_ip(request))
    if not second_factor.check_code(session, user, code, actor):
        session.commit()  # the failed attempt stays in the audit log
        message = translate("bad_code", language(request))
        return _second_factor_page(request, session, user, row, 401, message)
    second_factor.pass_session(row)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, caller: Caller = Depends(authorize("node.view")),
           session: Session = Depends(db_session)) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.end_session(session, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, caller: Caller = Depends(authorize("node.view")),
         session: Session = Depends(db_session)) -> Response:
    from govshare.web.dashboard import landing

    return render(request, "home.html", **landing(session, caller, language(request)))


@router.get("/api/docs", response_class=HTMLResponse, dependencies=[Depends(public)])
def api_docs() -> HTMLResponse:
    # Swagger UI from the vendored copy: government networks have no CDN.
    return HTMLResponse(
        """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>govshare API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head><body>
<div id="swagger"></div><script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/swagger-init.js"></script>
</body></html>"""
    )

