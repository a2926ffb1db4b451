"""One error shape for the API, friendly pages for people, never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from govshare.core.errors import AppError, NotAuthenticated
from govshare.core.masking import mask_text

log = logging.getLogger("govshare.web")


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/healthz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _envelope(code: str, message: str, field: str | None = None, details: object = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field, "details": details}}


def _page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    from govshare.web.templating import render

    response = render(request, "error.html", status_code=status, status=status, message=message)
    response.headers.update(headers or {})
    return response


async def app_error(request: Request, exc: AppError) -> Response:
    from govshare.web.deps import language

    lang = language(request)
    if wants_html(request):
        if isinstance(exc, NotAuthenticated):
            step = "/login/second-factor" if exc.code == "second_factor_required" else "/login"
            return RedirectResponse(f"{step}?next={quote(request.url.path)}", status_code=303)
        # An error may name response headers, e.g. Retry-After on a 429.
        return _page(request, exc.status, exc.localized(lang), getattr(exc, "headers", None))
    return JSONResponse(exc.envelope(lang), status_code=exc.status, headers=getattr(exc, "headers", None))


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = []
    for err in exc.errors():
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        problems.append({"field": ".".join(location), "message": err.get("msg", "invalid"),
                         "type": err.get("type")})
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return JSONResponse(_envelope("invalid", mask_text(message), first["field"] or None, problems),
                        status_code=422)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    if wants_html(request):
        return _page(request, exc.status_code, str(exc.detail))
    return JSONResponse(_envelope(code, str(exc.detail)), status_code=exc.status_code)


async def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = "internal error; it has been logged"
    if wants_html(request):
        return _page(request, 500, message)
    return JSONResponse(_envelope("internal", message), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)
