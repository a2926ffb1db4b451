"""Catalog pages: browse and search, a resource, the editor with its item table, the review
queue, version comparison, the census dashboard and import. Forms post to the same service
functions as the API; a refused form comes back with what was typed and the reasons."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govshare.catalog import census as census_service
from govshare.catalog import elements, resources, transfer, workflow
from govshare.catalog import search as search_service
from govshare.catalog.codes import list_classes
from govshare.catalog.dictionary_pages import router as dictionary_router
from govshare.catalog.i18n import MESSAGES
from govshare.catalog.schemas import ResourceIn
from govshare.catalog.vocab import (
    CatalogKind,
    DataType,
    Network,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
    VersionStatus,
    label,
)
from govshare.core.errors import AppError, InvalidInput
from govshare.core.i18n import translate
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render, templates

router = APIRouter(include_in_schema=False)


def qs_with(params: Any, key: str, value: Any) -> str:
    """The current query string with one parameter set (or removed when empty); a new filter
    starts again at page 1."""
    items = {
        k: v for k, v in params.items() if k not in (key, "page") or (k == "page" and key == "page")
    }
    items.pop(key, None)
    if value not in ("", None):
        items[key] = str(value)
    return urlencode(items)


templates.env.filters["qs_with"] = qs_with

NAV = [
    ("/catalog", "catalog", "catalog.read"),
    ("/catalog/mine", "catalog_mine", "catalog.write"),
    ("/catalog/review", "catalog_review", "catalog.review"),
    ("/catalog/census", "catalog_census", "catalog.census"),
    ("/catalog/terms", "catalog_dictionary", "catalog.dictionary"),
]
PAGE_SIZE = 20
BLANK_ITEM_ROWS = 3
VOCABULARIES = {
    "catalogs": CatalogKind,
    "share_types": ShareType,
    "formats": ResourceFormat,
    "share_modes": ShareMode,
    "cycles": UpdateCycle,
    "networks": Network,
    "data_types": DataType,
}


def _common(request: Request) -> dict[str, Any]:
    lang = language(request)
    return {
        "vocab": {k: list(v) for k, v in VOCABULARIES.items()},
        "label": lambda v: label(v, lang),
        "show": lambda v: _show(v, lang),
    }


def _show(value: Any, lang: str) -> str:
    """A field value as people read it: vocabulary labels, lists joined, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return label(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(_show(v, lang) for v in value)
    return str(value)


def _stale_days(request: Request) -> int:
    return request.app.state.settings.policy.catalog_update_days


# --- browse and search ------------------------------------------------------------------------


def _filters(request: Request) -> tuple[search_service.Filters, dict[str, str]]:
    q = request.query_params
    chosen = {
        k: q[k]
        for k in (
            "catalog",
            "class",
            "provider",
            "region",
            "share_type",
            "open",
            "format",
            "update_cycle",
        )
        if q.get(k)
    }
    try:
        filters = search_service.Filters(
            catalog=CatalogKind(chosen["catalog"]) if "catalog" in chosen else None,
            class_code=chosen.get("class") if chosen.get("class", "").isdigit() else None,
            provider_id=int(chosen["provider"]) if chosen.get("provider", "").isdigit() else None,
            region=chosen.get("region") if len(chosen.get("region", "")) == 6 else None,
            share_type=ShareType(chosen["share_type"]) if "share_type" in chosen else None,
            open={"true": True, "false": False}.get(chosen.get("open", "")),
            format=ResourceFormat(chosen["format"]) if "format" in chosen else None,
            update_cycle=UpdateCycle(chosen["update_cycle"]) if "update_cycle" in chosen else None,
        )
    except ValueError:
        raise InvalidInput("unknown filter value", "筛选条件无效") from None
    return filters, chosen


@router.get("/catalog", response_class=HTMLResponse)
def browse(
    request: Request,
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> Response:
    q = request.query_params.get("q", "")
    sort = request.query_params.get("sort") or None
    page = (
        max(1, int(request.query_params.get("page", "1") or 1))
        if request.query_params.get("page", "1").isdigit()
        else 1
    )
    filters, chosen = _filters(request)
    error, result = None, None
    try:
        result = search_service.search(
            session,
            q,
            filters,
            sort,
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
            language(request),
            stale_days=_stale_days(request),
        )
    except AppError as exc:
        error = exc.localized(language(request))
    return render(
        request,
        "catalog/browse.html",
        status_code=422 if error else 200,
        q=q,
        sort=sort or "",
        result=result,
        error=error,
        chosen=chosen,
        page=page,
        page_size=PAGE_SIZE,
        **_common(request),
    )


# --- one resource -----------------------------------------------------------------------------


def _resource_page(
    request: Request,
    session: Session,
    caller: Caller,
    resource_id: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    resource = resources.get_resource(session, caller.principal, resource_id)
    sees = resources.sees_drafts(caller.principal, resource)
    return render(
        request,
        "catalog/resource.html",
        status_code=status,
        resource=resource,
        published=resource.published_version,
        working=resources.visible_working(caller.principal, resource),
        versions=resources.versions(session, caller.principal, resource),
        findings=workflow.checks_for(session, resource) if sees else [],
        provider=resources.provider_names(session, {resource.provider_id}).get(
            resource.provider_id, ""
        ),
        stale=search_service.is_stale(resource, _stale_days(request)),
        may_edit=caller.principal.may("catalog.write") and sees,
        **_common(request),
        **extra,
    )


@router.get("/catalog/resources/{resource_id}", response_class=HTMLResponse)
def resource_page(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> Response:
    done = request.query_params.get("done", "").replace("-", "_")
    flash = translate(f"done_{done}", language(request)) if f"done_{done}" in MESSAGES else None
    return _resource_page(request, session, caller, resource_id, flash=flash)


def _transition(name: str, action: str, run: Any) -> None:
    """POST /catalog/resources/{id}/<name>: one workflow step, then back to the resource page."""

    async def step(
        resource_id: int,
        request: Request,
        caller: Caller = Depends(authorize(action)),
        session: Session = Depends(db_session),
    ) -> Response:
        form = await request.form()
        try:
            run(session, caller, resource_id, str(form.get("note") or ""))
        except AppError as exc:
            session.rollback()
            return _resource_page(
                request,
                session,
                caller,
                resource_id,
                422,
                error=exc.localized(language(request)),
                problems=exc.details if isinstance(exc.details, list) else None,
            )
        return RedirectResponse(f"/catalog/resources/{resource_id}?done={name}", status_code=303)

    router.add_api_route(f"/catalog/resources/{{resource_id}}/{name}", step, methods=["POST"])


_transition(
    "submit", "catalog.write", lambda s, c, r, _n: workflow.submit(s, c.principal, c.actor, r)
)
_transition(
    "publish", "catalog.review", lambda s, c, r, n: workflow.publish(s, c.principal, c.actor, r, n)
)
_transition(
    "return",
    "catalog.review",
    lambda s, c, r, n: workflow.return_for_changes(s, c.principal, c.actor, r, n),
)
_transition(
    "source-changed",
    "catalog.source_changed",
    lambda s, c, r, _n: workflow.mark_source_changed(s, c.principal, c.actor, r),
)


@router.get("/catalog/resources/{resource_id}/compare", response_class=HTMLResponse)
def compare_page(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> Response:
    resource = resources.get_resource(session, caller.principal, resource_id)
    versions = resources.versions(session, caller.principal, resource)
    numbers = [v.number for v in versions]
    a = int(request.query_params.get("a") or (numbers[-2] if len(numbers) > 1 else numbers[0]))
    b = int(request.query_params.get("b") or numbers[-1])
    diff = resources.compare(
        resources.get_version(session, caller.principal, resource, a),
        resources.get_version(session, caller.principal, resource, b),
    )
    return render(
        request,
        "catalog/compare.html",
        resource=resource,
        versions=versions,
        diff=diff,
        a=a,
        b=b,
        **_common(request),
    )


# --- editor -------------------------------------------------------------------------------------


async def _editor_form(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    form = await request.form()
    data = {
        k: v
        for k, v in form.items()
        if not k.startswith("item_") and k not in ("csrf_token", "more")
    }
    rows = []
    for n in range(int(str(form.get("item_rows") or 0))):
        row = {
            "name": str(form.get(f"item_name_{n}") or "").strip(),
            "data_type": form.get(f"item_type_{n}") or "string",
            "length": form.get(f"item_length_{n}") or None,
            "element_code": form.get(f"item_element_{n}") or "",
            "is_source": form.get(f"item_source_{n}") == "on",
        }
        rows.append(row)
    return data, rows, form.get("more") is not None


def _resource_in(data: dict[str, Any], items: list[dict[str, Any]]) -> ResourceIn:
    clean = {k: (None if v == "" else v) for k, v in data.items() if k != "item_rows"}
    clean["open"] = data.get("open") == "on"
    clean["vertical"] = data.get("vertical") == "on"
    for text_field in (
        "name",
        "summary",
        "share_conditions",
        "share_basis",
        "open_conditions",
        "format_detail",
        "system_name",
        "provider_code",
    ):
        clean[text_field] = data.get(text_field) or ""
    clean["related_codes"] = [
        c for c in str(data.get("related_codes") or "").replace("，", ",").split(",") if c.strip()
    ]
    for number in census_service.FIGURES:
        clean[number] = data.get(number) or 0
    clean["items"] = [i for i in items if i["name"]]
    return ResourceIn(**clean)


def _editor(
    request: Request, session: Session, caller: Caller, status: int = 200, **extra: Any
) -> Response:
    classes = list_classes(session)
    return render(
        request,
        "catalog/edit.html",
        status_code=status,
        classes=classes,
        data_elements=elements.elements(session),  # the standards registry's, as choices
        **_common(request),
        **extra,
    )


def _form_of(version: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = {
        k: getattr(version, k) for k in ResourceIn.model_fields if k not in ("items", "provider_id")
    }
    data = {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}
    data["related_codes"] = ", ".join(version.related_codes or [])
    items = [
        {
            "name": i.name,
            "data_type": i.data_type.value,
            "length": i.length,
            "element_code": i.element_code,
            "is_source": i.is_source,
        }
        for i in version.items
    ]
    return data, items


def _blank_rows(items: list[dict[str, Any]], extra: int = BLANK_ITEM_ROWS) -> list[dict[str, Any]]:
    return items + [
        {"name": "", "data_type": "string", "length": None, "element_code": "", "is_source": False}
        for _ in range(extra)
    ]


@router.get("/catalog/new", response_class=HTMLResponse)
def new_form(
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    return _editor(
        request,
        session,
        caller,
        form={"catalog": "department"},
        items=_blank_rows([], 5),
        resource=None,
    )


async def _save(
    request: Request, session: Session, caller: Caller, resource_id: int | None
) -> Response:
    data, items, more = await _editor_form(request)
    resource = (
        resources.get_resource(session, caller.principal, resource_id) if resource_id else None
    )
    if more:  # "more rows": show the form again with five empty item rows, nothing saved
        return _editor(
            request, session, caller, form=data, items=_blank_rows(items, 5), resource=resource
        )
    try:
        payload = _resource_in(data, items)
        saved = (
            workflow.save(session, caller.principal, caller.actor, resource_id, payload)
            if resource_id
            else workflow.create(session, caller.principal, caller.actor, payload)
        )
    except (AppError, ValidationError) as exc:
        session.rollback()
        if isinstance(exc, AppError):
            message, field = exc.localized(language(request)), exc.field
        else:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ()))
            message = f"{field}: {first.get('msg')}"
        return _editor(
            request,
            session,
            caller,
            422,
            form=data,
            items=_blank_rows(items, 0),
            resource=resource,
            error=message,
            error_field=field,
        )
    return RedirectResponse(f"/catalog/resources/{saved.resource.id}?done=saved", status_code=303)


@router.post("/catalog/new")
async def create(
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    return await _save(request, session, caller, None)


@router.get("/catalog/resources/{resource_id}/edit", response_class=HTMLResponse)
def edit_form(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    resource = resources.get_resource(session, caller.principal, resource_id)
    data, items = _form_of(resources.current(resource))
    return _editor(request, session, caller, form=data, items=_blank_rows(items), resource=resource)


@router.post("/catalog/resources/{resource_id}/edit")
async def edit(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    return await _save(request, session, caller, resource_id)


# --- own entries, import, review, census ---------------------------------------------------------


def _mine(
    request: Request, session: Session, caller: Caller, status: int = 200, **extra: Any
) -> Response:
    raw = request.query_params.get("status") or ""
    chosen = VersionStatus(raw) if raw in {s.value for s in VersionStatus} else None
    rows, total = resources.department_entries(session, caller.principal, None, chosen, limit=500)
    return render(
        request,
        "catalog/mine.html",
        status_code=status,
        rows=rows,
        total=total,
        status=raw,
        statuses=list(VersionStatus),
        stale_days=_stale_days(request),
        is_stale=search_service.is_stale,
        **_common(request),
        **extra,
    )


@router.get("/catalog/mine", response_class=HTMLResponse)
def mine(
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    return _mine(request, session, caller)


@router.post("/catalog/import")
async def import_page(
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form()
    upload = form.get("file")
    lang = language(request)
    try:
        if upload is None or isinstance(upload, str):
            raise InvalidInput("choose a file to import", "请选择要导入的文件", field="file")
        result = transfer.import_file(
            session,
            caller.principal,
            caller.actor,
            upload.filename or "",
            await upload.read(),
            submit=form.get("submit") == "on",
        )
    except AppError as exc:
        session.rollback()
        problems = exc.details if isinstance(exc.details, list) else []
        return _mine(
            request,
            session,
            caller,
            422,
            error=exc.localized(lang),
            problems=[transfer.Problem(**p) for p in problems],
        )
    return _mine(request, session, caller, imported=result.summary(lang))


@router.get("/catalog/review", response_class=HTMLResponse)
def review(
    request: Request,
    caller: Caller = Depends(authorize("catalog.review")),
    session: Session = Depends(db_session),
) -> Response:
    rows, total = resources.review_queue(session)
    names = resources.provider_names(session, {r.provider_id for r in rows})
    return render(
        request, "catalog/review.html", rows=rows, total=total, names=names, **_common(request)
    )


@router.get("/catalog/census", response_class=HTMLResponse)
def census(
    request: Request,
    caller: Caller = Depends(authorize("catalog.census")),
    session: Session = Depends(db_session),
) -> Response:
    by = request.query_params.get("by", "department")
    census_service.ensure_snapshot(session)
    report = census_service.census(session, by if by in census_service.GROUPINGS else "department")
    done = request.query_params.get("done", "")
    return render(
        request,
        "catalog/census.html",
        report=report,
        charts=census_service.charts(report, language(request)),
        groupings=census_service.GROUPINGS,
        flash=translate(f"done_{done}", language(request)) if f"done_{done}" in MESSAGES else None,
        **_common(request),
    )


@router.post("/catalog/census/snapshot")
def census_snapshot(
    caller: Caller = Depends(authorize("catalog.census.snapshot")),
    session: Session = Depends(db_session),
) -> Response:
    census_service.take_snapshot(session, caller.actor, "manual")
    return RedirectResponse("/catalog/census?done=snapshot", status_code=303)


# The dictionary page has its own module; it is served through this router with the others.
router.include_router(dictionary_router)
