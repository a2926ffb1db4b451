"""HTTP API of the quality engine: /api/v1/quality/…

    POST /api/v1/quality/check       multipart: file, and schema_file (Table Schema JSON file) or resource_code
    GET  /api/v1/quality/reports     stored reports (own department's, all for administrators)
    GET  /api/v1/quality/reports/{id}?format=json|html|xlsx
    GET  /api/v1/quality/history/{resource code}
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govshare.quality import service
from govshare.quality.caching import NoStoreRoute
from govshare.quality.uploads import check_upload, report_from_record
from govshare.web.deps import Caller, authorize, db_session

router = APIRouter(prefix="/api/v1/quality", tags=["quality 数据质量"], route_class=NoStoreRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/check", summary="Check a file 检查数据文件")
async def check(file: UploadFile = File(...), schema_file: UploadFile | None = File(None),
                resource_code: str | None = Form(None), encoding: str | None = Form(None),
                store: bool = Form(True), caller: Caller = Depends(authorize("quality.check")),
                session: Session = Depends(db_session)) -> dict[str, Any]:
    run = await check_upload(session, caller, file, schema_file, resource_code, encoding, store)
    return {"id": run.record.id if run.record else None, **run.report.to_dict()}


@router.get("/reports", summary="Quality reports 质量报告")
def list_reports(resource_code: str | None = Query(None, max_length=100), limit: int = Query(50, le=500),
                 offset: int = Query(0, ge=0), caller: Caller = Depends(authorize("quality.read")),
                 session: Session = Depends(db_session)) -> list[dict[str, Any]]:
    rows = service.list_reports(session, caller.principal, resource_code, limit, offset)
    return [service.record_out(r) for r in rows]


@router.get("/reports/{report_id}", summary="One quality report 质量报告详情")
def get_report(report_id: int, format: str = Query("json", pattern="^(json|html|xlsx)$"),
               lang: str = Query("zh", pattern="^(zh|en)$"), caller: Caller = Depends(authorize("quality.read")),
               session: Session = Depends(db_session)) -> Any:
    from govshare.quality.report import render_html, render_xlsx

    record = service.get_report(session, caller.actor, caller.principal, report_id)
    if format == "json":
        return {"id": record.id, **record.report}
    report = report_from_record(record)
    if format == "html":
        return HTMLResponse(render_html(report, lang))
    return Response(render_xlsx(report), media_type=XLSX,
                    headers={"content-disposition": f'attachment; filename="quality-report-{record.id}.xlsx"'})


@router.get("/history/{code:path}", summary="A resource's quality history 资源质量历史")
def history(code: str, caller: Caller = Depends(authorize("quality.read")),
            session: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return service.history(session, caller.principal, code)
