"""Pages every node has: sign-in, sign-out, the per-role landing page, health, API docs."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from govshare.core.errors import AppError
from govshare.orgs import sessions, users
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
    # Commit before redirecting: FastAPI runs db_session's commit after the response is sent,
    # and on PostgreSQL the browser's next request could otherwise miss the new session.
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, secret)
    return response


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

