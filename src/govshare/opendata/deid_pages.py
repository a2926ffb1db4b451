"""The authority's page for a resource's de-identification (GB/T 37964): one method per item
(suppress, generalise, keyed pseudonym), a preview of the rows exactly as the public would get
them under the proposed rules, and saving only when every direct identifier is covered — the
resource becomes visible on the portal as soon as it is. Preview and save are audited; the
forms carry the staff session's CSRF token (checked by `authorize`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core import audit
from govshare.core.errors import AppError
from govshare.opendata import deidentify, releases, rows, visibility
from govshare.opendata.deidentify import ItemRule
from govshare.opendata.models import Method
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)
PREVIEW_ROWS = 10
WITHHELD_LIMIT = 100


def _items(resource: CatalogResource, rules: dict[str, ItemRule]) -> list[dict[str, Any]]:
    version = resource.published_version
    return [
        {
            "n": n,
            "name": i.name,
            "data_type": i.data_type.value,
            "element_code": i.element_code,
            "direct": deidentify.is_direct_identifier(i.name, i.element_code),
            "method": rules[i.name].method.value if i.name in rules else "",
            "keep": rules[i.name].keep if i.name in rules and rules[i.name].keep is not None else "",
        }
        for n, i in enumerate(version.items if version else [])
    ]


def _preview(session: Session, resource: CatalogResource, rules: dict[str, ItemRule]) -> dict[str, Any] | None:
    """The first rows as the public would get them under `rules` (None when nothing is loaded)."""
    data = rows.open_data(session, resource, rules)
    return rows.select_rows(session, data, rows.Query(limit=PREVIEW_ROWS)) if data else None


def _show(
    request: Request,
    session: Session,
    resource: CatalogResource | None,
    rules: dict[str, ItemRule],
    status: int = 200,
    **extra: Any,
) -> Response:
    withheld = session.scalars(
        select(CatalogResource).where(visibility.withheld_clause()).order_by(CatalogResource.code).limit(WITHHELD_LIMIT)
    )
    return render(
        request,
        "opendata/admin_deid.html",
        status_code=status,
        resource=resource,
        items=_items(resource, rules) if resource else [],
        missing=deidentify.missing_rules(resource, rules) if resource else [],
        visible=visibility.is_open(session, resource.id) if resource else False,
        methods=list(Method),
        withheld=list(withheld),
        **extra,
    )


def _submitted(
    session: Session, resource: CatalogResource, names: list[str], methods: list[str], keeps: list[str]
) -> dict[str, ItemRule]:
    """What the form asked for, to show it again with its error; the stored rules when the form
    itself is unusable."""
    try:
        return {r.item: r for r in deidentify.from_form(names, methods, keeps)}
    except AppError:
        return deidentify.rules_for(session, resource.id)


@router.get("/open-admin/deid", response_class=HTMLResponse)
def deid_page(
    request: Request, caller: Caller = Depends(authorize("opendata.admin")), session: Session = Depends(db_session)
) -> Response:
    code = (request.query_params.get("code") or "").strip()
    if not code:
        return _show(request, session, None, {})
    resource = releases.resource_by_code(session, code[:40])
    rules = deidentify.rules_for(session, resource.id)
    audit.record(session, caller.actor, "opendata.deid.view", object_type="catalog_resource", object_id=resource.id)
    return _show(request, session, resource, rules, flash=request.query_params.get("flash"))


@router.post("/open-admin/deid", response_class=HTMLResponse)
def deid_submit(
    request: Request,
    code: str = Form(...),
    step: str = Form("preview"),
    method: list[str] = Form([]),
    keep: list[str] = Form([]),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    resource = releases.resource_by_code(session, code.strip()[:40])
    names = [i.name for i in resource.published_version.items]
    try:
        proposed = deidentify.from_form(names, method, keep)
        if step == "save":
            deidentify.require_complete(resource, proposed)
            deidentify.configure(session, caller.actor, resource, proposed)
            return RedirectResponse(f"/open-admin/deid?code={quote(resource.code)}&flash=saved", status_code=303)
    except AppError as exc:
        return _show(request, session, resource, _submitted(session, resource, names, method, keep),
                     status=exc.status, error=exc.localized(language(request)))
    rules = {r.item: r for r in proposed}
    audit.record(
        session,
        caller.actor,
        "opendata.deid.preview",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"rules": [r.as_dict() for r in proposed]},
    )
    return _show(request, session, resource, rules, preview=_preview(session, resource, rules), proposed=True)
