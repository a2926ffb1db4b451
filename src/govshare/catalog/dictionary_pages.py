"""The page of the synonym and abbreviation dictionary (authority only): list, add, edit and
switch off terms, through the same service functions as the API (synonyms.py), which audit
every change."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govshare.catalog import synonyms
from govshare.catalog.i18n import MESSAGES
from govshare.core.errors import AppError
from govshare.core.i18n import translate
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)

_SEPARATORS = re.compile(r"[,，、;；\n]+")


def _page(
    request: Request, session: Session, status: int = 200, **extra: object
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    lang = language(request)
    return render(
        request,
        "catalog/terms.html",
        status_code=status,
        entries=synonyms.entries(session),
        flash=translate(f"done_{done}", lang) if f"done_{done}" in MESSAGES else None,
        **extra,
    )


@router.get("/catalog/terms", response_class=HTMLResponse)
def terms(
    request: Request,
    caller: Caller = Depends(authorize("catalog.dictionary")),
    session: Session = Depends(db_session),
) -> Response:
    return _page(request, session)


@router.post("/catalog/terms")
async def save_term(
    request: Request,
    caller: Caller = Depends(authorize("catalog.dictionary")),
    session: Session = Depends(db_session),
) -> Response:
    """Adds a term or changes one (its expansions, on or off)."""
    form = await request.form()
    term = str(form.get("term") or "")
    expansions = [e for e in _SEPARATORS.split(str(form.get("expansions") or "")) if e.strip()]
    active = form.get("active") is not None
    try:
        synonyms.set_term(session, caller.actor, term, expansions, active)
    except AppError as exc:
        session.rollback()
        return _page(
            request,
            session,
            422,
            error=exc.localized(language(request)),
            typed={"term": term, "expansions": "、".join(expansions), "active": active},
        )
    return RedirectResponse("/catalog/terms?done=term_saved", status_code=303)


@router.post("/catalog/terms/{term}/delete")
def delete_term(
    term: str,
    request: Request,
    caller: Caller = Depends(authorize("catalog.dictionary")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        synonyms.remove_term(session, caller.actor, term)
    except AppError as exc:
        session.rollback()
        return _page(request, session, 404 if exc.status == 404 else 422,
                     error=exc.localized(language(request)))
    return RedirectResponse("/catalog/terms?done=term_removed", status_code=303)
