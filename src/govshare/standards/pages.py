"""Registry pages: data elements and code tables, and the authority's import."""

from __future__ import annotations

from urllib.parse import quote

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
        registry.record_refusal(session, caller.actor, registry.ELEMENTS, identifier or form.get("identifier") or "",
                                exc)
        return _element_form(request, session, form, identifier, exc.status, exc)
    done = saved.definition
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


# --- code tables: the form lists the codes, one row each, and blank rows for new ones -------

BLANK_ROWS = 5
ENTRY_KEYS = ("code", "name_zh", "name_en")


def _table_form(request: Request, session: Session, form: dict[str, str], rows: list[dict[str, object]],
                identifier: str | None, status: int = 200, error: AppError | None = None) -> Response:
    current = set(registry.get_code_table(session, identifier).codes()) if identifier else set()
    rows = [{**row, "existing": row["code"] in current} for row in rows]
    rows += [{"code": "", "name_zh": "", "name_en": "", "retire": False, "existing": False}] * BLANK_ROWS
    return render(request, "standards/table_form.html", status_code=status, form=form, rows=rows,
                  identifier=identifier, error=error.localized(language(request)) if error else None,
                  error_field=error.field if error else None)


async def _posted_table(request: Request) -> tuple[dict[str, str], list[dict[str, object]]]:
    """The table's fields and its code rows as typed (blank rows dropped, retire ticks kept)."""
    posted = await request.form()
    form = {k: str(posted.get(k) or "").strip() for k in registry.TABLE_FIELDS}
    count = str(posted.get("rows") or "0")
    rows = []
    for i in range(min(int(count), 10_000) if count.isdigit() else 0):
        row: dict[str, object] = {k: str(posted.get(f"{k}-{i}") or "").strip() for k in ENTRY_KEYS}
        if any(row.values()):
            rows.append({**row, "retire": posted.get(f"retire-{i}") is not None})
    return form, rows


def _save_table(request: Request, session: Session, caller: Caller, form: dict[str, str],
                rows: list[dict[str, object]], identifier: str | None) -> Response:
    """Rows ticked "retire" are left out of the new version: that is how a code is retired."""
    entries = [{k: row[k] for k in ENTRY_KEYS} for row in rows if not row["retire"]]
    try:
        saved = registry.save_code_table(session, caller.actor, {**form, "entries": entries}, identifier=identifier)
    except AppError as exc:
        registry.record_refusal(session, caller.actor, registry.CODE_TABLES,
                                identifier or form.get("identifier") or "", exc)
        return _table_form(request, session, form, rows, identifier, exc.status, exc)
    done = saved.definition
    return RedirectResponse(f"/standards/tables/{quote(done.identifier)}?version={quote(done.version)}"
                            f"&done={saved.outcome}", status_code=303)


@router.get("/standards/tables/new", response_class=HTMLResponse)
def new_table_page(request: Request, caller: Caller = Depends(authorize("standards.write")),
                   session: Session = Depends(db_session)) -> Response:
    return _table_form(request, session, {"version": "1.0"}, [], None)


@router.post("/standards/tables/new", response_class=HTMLResponse)
async def add_table(request: Request, caller: Caller = Depends(authorize("standards.write")),
                    session: Session = Depends(db_session)) -> Response:
    form, rows = await _posted_table(request)
    return _save_table(request, session, caller, form, rows, None)


@router.get("/standards/tables/{identifier:path}/edit", response_class=HTMLResponse)
def edit_table_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.write")),
                    session: Session = Depends(db_session)) -> Response:
    current = registry.get_code_table(session, identifier)
    form = {k: str(getattr(current, k) or "") for k in registry.TABLE_FIELDS}
    return _table_form(request, session, form, [{**e, "retire": False} for e in current.entries], identifier)


@router.post("/standards/tables/{identifier:path}/edit", response_class=HTMLResponse)
async def edit_table(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.write")),
                     session: Session = Depends(db_session)) -> Response:
    form, rows = await _posted_table(request)
    return _save_table(request, session, caller, form, rows, identifier)


@router.get("/standards/tables/{identifier:path}", response_class=HTMLResponse)
def table_page(identifier: str, request: Request, caller: Caller = Depends(authorize("standards.read")),
               session: Session = Depends(db_session)) -> Response:
    table = registry.get_code_table(session, identifier, request.query_params.get("version") or None)
    return render(request, "standards/table.html", table=table, done=request.query_params.get("done"),
                  versions=registry.code_table_versions(session, identifier),
                  retired=registry.retired_codes(session, identifier))


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
