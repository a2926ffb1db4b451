"""Quality pages: upload a file and see its report, stored reports, a resource's history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govshare.core.errors import AppError
from govshare.quality import service
from govshare.quality.caching import NoStoreRoute
from govshare.quality.report import report_charts
from govshare.quality.uploads import check_upload, report_from_record
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False, route_class=NoStoreRoute)

NAV = [("/quality", "quality", "quality.read")]


def _check_page(request: Request, session: Session, caller: Caller, status: int = 200, **extra: Any) -> Response:
    recent = service.list_reports(session, caller.principal, limit=20)
    return render(request, "quality/check.html", status_code=status, recent=recent, **extra)


@router.get("/quality", response_class=HTMLResponse)
def quality_home(request: Request, caller: Caller = Depends(authorize("quality.read")),
                 session: Session = Depends(db_session)) -> Response:
    return _check_page(request, session, caller)


@router.post("/quality/check", response_class=HTMLResponse)
async def quality_check(request: Request, file: UploadFile = File(...), schema_file: UploadFile | None = File(None),
                        resource_code: str = Form(""), encoding: str = Form(""),
                        caller: Caller = Depends(authorize("quality.check")),
                        session: Session = Depends(db_session)) -> Response:
    try:
        run = await check_upload(session, caller, file, schema_file, resource_code, encoding)
    except AppError as exc:
        session.commit()  # the failed check's audit record stays
        return _check_page(request, session, caller, 422, error=exc.localized(language(request)),
                           form={"resource_code": resource_code, "encoding": encoding})
    return _report_page(request, run.report.to_dict(), run.report, run.record.id if run.record else None)


def _report_page(request: Request, data: dict[str, Any], report: Any, report_id: int | None) -> Response:
    return render(request, "quality/report.html", data=data, report_id=report_id,
                  charts=report_charts(report, language(request)))


@router.get("/quality/reports/{report_id}", response_class=HTMLResponse)
def quality_report(report_id: int, request: Request, caller: Caller = Depends(authorize("quality.read")),
                   session: Session = Depends(db_session)) -> Response:
    record = service.get_report(session, caller.actor, caller.principal, report_id)
    return _report_page(request, record.report, report_from_record(record), record.id)


@router.get("/quality/history/{code:path}", response_class=HTMLResponse)
def quality_history(code: str, request: Request, caller: Caller = Depends(authorize("quality.read")),
                    session: Session = Depends(db_session)) -> Response:
    rows = service.history(session, caller.principal, code)
    points = [(r["checked_at"].strftime("%m-%d %H:%M"), r["score"]) for r in rows]
    chart = {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 40, "right": 10, "bottom": 40, "top": 20},
        "xAxis": {"type": "category", "data": [p[0] for p in points]},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [{"type": "line", "data": [p[1] for p in points], "itemStyle": {"color": "#a4161a"}}],
    }
    alt = "; ".join(f"{d}: {s}" for d, s in points)
    return render(request, "quality/history.html", code=code, rows=rows, chart=chart, alt=alt)
