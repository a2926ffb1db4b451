"""The authority's page for the holiday calendar, and a deadline calculator for everyone."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core.clock import today
from govshare.core.errors import AppError
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render
from govshare.workdays import service
from govshare.workdays.models import HolidayNotice

router = APIRouter(include_in_schema=False)
NAV = [("/workdays", "workdays", "workdays.read")]


def _page(request: Request, session: Session, status: int = 200, **extra: object) -> Response:
    entered = sorted({d.year for d in session.scalars(select(HolidayNotice.day))})
    start_text = request.query_params.get("start") or today().isoformat()
    days_text = request.query_params.get("days") or "10"
    result = None
    try:
        result = service.deadline(session, date.fromisoformat(start_text), max(0, min(int(days_text), 366)))
    except ValueError:
        extra.setdefault("error", f"{start_text!r} / {days_text!r}")
    years = service.package_years()
    return render(request, "workdays/index.html", status_code=status, entered=entered,
                  package_span=f"{years.start}–{years.stop - 1}", start=start_text, days=days_text,
                  result=result, **extra)


@router.get("/workdays", response_class=HTMLResponse)
def index(request: Request, caller: Caller = Depends(authorize("workdays.read")),
          session: Session = Depends(db_session)) -> Response:
    return _page(request, session)


@router.post("/workdays/notices")
async def enter_notice(request: Request, caller: Caller = Depends(authorize("workdays.write")),
                       session: Session = Depends(db_session)) -> Response:
    form = await request.form()
    try:
        year = int(str(form.get("year", "")))
        days = service.parse_notice_lines(str(form.get("days", "")))
        service.enter_notice(session, caller.actor, year, str(form.get("source", "")), days,
                             replace=form.get("replace") == "on")
    except (AppError, ValueError) as exc:
        session.rollback()
        message = exc.localized(language(request)) if isinstance(exc, AppError) else str(exc)
        return _page(request, session, 422, error=message, form=dict(form))
    return RedirectResponse("/workdays", status_code=303)
