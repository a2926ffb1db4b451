"""Registry pages: data elements and code tables, and the authority's import."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govshare.core.errors import AppError
from govshare.standards import registry
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)

NAV = [("/standards", "standards", "standards.read")]


def _registry_page(request: Request, session: Session, status: int = 200, **extra: object) -> Response:
    q = request.query_params.get("q") or None
    return render(request, "standards/registry.html", status_code=status,
                  elements=registry.list_elements(session, q), tables=registry.list_code_tables(session),
                  q=q or "", **extra)


@router.get("/standards", response_class=HTMLResponse)
def standards_home(request: Request, caller: Caller = Depends(authorize("standards.read")),
                   session: Session = Depends(db_session)) -> Response:
    return _registry_page(request, session)


@router.get("/standards/elements/{identifier}", response_class=HTMLResponse)
def element_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.read")),
                 session: Session = Depends(db_session)) -> Response:
    element = registry.get_element(session, identifier, request.query_params.get("version") or None)
    table = registry.find_code_table(session, element.domain or "") if element.domain_kind == "code_table" else None
    return render(request, "standards/element.html", element=element, table=table,
                  versions=registry.element_versions(session, identifier))


@router.get("/standards/tables/{identifier:path}", response_class=HTMLResponse)
def table_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.read")),
               session: Session = Depends(db_session)) -> Response:
    return render(request, "standards/table.html", table=registry.get_code_table(session, identifier))


@router.post("/standards/import", response_class=HTMLResponse)
async def import_page(request: Request, file: UploadFile = File(...),
                      caller: Caller = Depends(authorize("standards.write")),
                      session: Session = Depends(db_session)) -> Response:
    try:
        registry.ensure_seeded(session, caller.actor)
        result = registry.import_bundle(session, caller.actor,
                                        registry.parse_bundle(await file.read(), file.filename or "upload.json"))
    except AppError as exc:
        session.rollback()
        return _registry_page(request, session, 422, error=exc.localized(language(request)))
    return _registry_page(request, session, imported=result)
