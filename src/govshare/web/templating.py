"""Jinja2 set-up shared by every capability's pages: translation, the caller, CSRF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from govshare.core.auth import ROLE_LABELS, Role
from govshare.core.clock import SHANGHAI
from govshare.core.db import utcnow
from govshare.core.i18n import translate
from govshare.core.masking import mask_text

PACKAGE = Path(__file__).resolve().parent.parent


def _template_dirs() -> list[str]:
    """web/templates plus every capability's own templates/ folder."""
    dirs = [str(PACKAGE / "web" / "templates")]
    dirs += sorted(str(p) for p in PACKAGE.glob("*/templates") if p.parent.name != "web")
    return dirs


templates = Jinja2Templates(directory=_template_dirs())


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Stored UTC, shown in Beijing time."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def role_label(role: Role | str, language: str) -> str:
    zh, en = ROLE_LABELS[Role(role)]
    return zh if language == "zh" else en


def nav_items() -> list[tuple[str, str, str]]:
    """The main menu: (path, label key, action needed to see it), from every capability's
    pages.NAV in capability order."""
    from govshare.capabilities import collect

    return [item for nav in collect("pages", "NAV") for item in nav]

templates.env.filters["local_time"] = local_time
templates.env.filters["mask"] = mask_text


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    from govshare.web.deps import language

    lang = language(request)
    caller = getattr(request.state, "caller", None)
    settings = request.app.state.settings
    base = {
        "request": request,
        "lang": lang,
        # A capability's templates (templates/<capability>/…) use its own wording first.
        "t": lambda key: translate(key, lang, name.split("/", 1)[0] if "/" in name else None),
        "role_label": lambda role: role_label(role, lang),
        "caller": caller,
        "csrf_token": caller.csrf_token if caller else "",
        "node": settings.node,
        "nav_items": nav_items(),
        "now": utcnow(),
    }
    base.update(context)
    response = templates.TemplateResponse(request, name, base, status_code=status_code)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", request.query_params["lang"], samesite="lax", max_age=365 * 86400)
    return response
