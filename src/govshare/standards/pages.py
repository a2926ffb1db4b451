"""Registry pages: data elements and code tables, and the authority's import."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govshare.core.errors import AppError
from govshare.quality.schema import PERSONAL_KINDS, TYPES, VALIDATORS
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


def _element_form(request: Request, session: Session, form: dict[str, str], identifier: str | None,
                  status: int = 200, error: AppError | None = None) -> Response:
    return render(request, "standards/element_form.html", status_code=status, form=form, identifier=identifier,
                  error=error.localized(language(request)) if error else None,
                  error_field=error.field if error else None, types=TYPES, validators=VALIDATORS,
                  personal_kinds=PERSONAL_KINDS, domain_kinds=registry.DOMAIN_KINDS,
                  tables=registry.list_code_tables(session))


async def _posted_element(request: Request) -> dict[str, str]:
    posted = await request.form()
    return {k: str(posted.get(k) or "").strip() for k in registry.ELEMENT_FIELDS}


def _save(request: Request, session: Session, caller: Caller, form: dict[str, str],
          identifier: str | None) -> Response:
    try:
        saved = registry.save_element(session, caller.actor, form, identifier=identifier)
    except AppError as exc:
        registry.record_refusal(session, caller.actor, identifier or form.get("identifier") or "", exc)
        return _element_form(request, session, form, identifier, exc.status, exc)
    done = saved.element
    return RedirectResponse(f"/standards/elements/{done.identifier}?version={done.version}&done={saved.outcome}",
                            status_code=303)


@router.get("/standards/elements/new", response_class=HTMLResponse)
def new_element_page(request: Request, caller: Caller = Depends(authorize("standards.write")),
                     session: Session = Depends(db_session)) -> Response:
    return _element_form(request, session, {"version": "1.0", "data_type": "string"}, None)


@router.post("/standards/elements/new", response_class=HTMLResponse)
async def add_element(request: Request, caller: Caller = Depends(authorize("standards.write")),
                      session: Session = Depends(db_session)) -> Response:
    return _save(request, session, caller, await _posted_element(request), None)


@router.get("/standards/elements/{identifier}/edit", response_class=HTMLResponse)
def edit_element_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.write")),
                      session: Session = Depends(db_session)) -> Response:
    current = registry.get_element(session, identifier)
    form = {k: "" if v is None else str(v) for k, v in current.content().items()}
    return _element_form(request, session, form, identifier)


@router.post("/standards/elements/{identifier}/edit", response_class=HTMLResponse)
async def edit_element(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.write")),
                       session: Session = Depends(db_session)) -> Response:
    return _save(request, session, caller, await _posted_element(request), identifier)


@router.get("/standards/elements/{identifier}", response_class=HTMLResponse)
def element_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.read")),
                 session: Session = Depends(db_session)) -> Response:
    element = registry.get_element(session, identifier, request.query_params.get("version") or None)
    table = registry.find_code_table(session, element.domain or "") if element.domain_kind == "code_table" else None
    return render(request, "standards/element.html", element=element, table=table,
                  versions=registry.element_versions(session, identifier), done=request.query_params.get("done"))


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
