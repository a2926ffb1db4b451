"""Pages of the exchange: my requests, requests to review with deadline countdowns, grants, clients
and usage, and on each resource how to ask for it and how to call it. Forms post to the same
service functions as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govshare.core.errors import AppError, InvalidInput
from govshare.exchange import access_requests, datasets, grants, howto, objections, stats
from govshare.exchange.items import columns_for, requestable, share_type
from govshare.exchange.models import AccessRequest, Grant
from govshare.exchange.schemas import ApproveIn, RequestIn
from govshare.web.dashboard import chart
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("/exchange", "exchange", "exchange.read")]


def _names(session: Session, rows: list[AccessRequest] | list[Grant]) -> dict[str, dict[int, str]]:
    from govshare.catalog.models import CatalogResource
    from govshare.catalog.resources import provider_names

    departments = {r.consumer_id for r in rows} | {r.provider_id for r in rows}
    resources = {r.resource_id: (session.get(CatalogResource, r.resource_id).name or "") for r in rows}  # type: ignore
    return {"departments": provider_names(session, departments), "resources": resources}


def _request_rows(session: Session, rows: list[AccessRequest]) -> list[dict[str, Any]]:
    return [access_requests.request_out(session, r) for r in rows]


@router.get("/exchange", response_class=HTMLResponse)
def index(request: Request, caller: Caller = Depends(authorize("exchange.read")),
          session: Session = Depends(db_session)) -> Response:
    mine = access_requests.list_requests(session, caller.principal, "mine")
    held = grants.list_grants(session, caller.principal, "consumer")
    return render(request, "exchange/index.html", requests=_request_rows(session, mine),
                  grants=[grants.grant_out(g) for g in held], names=_names(session, [*mine, *held]))


@router.get("/exchange/review", response_class=HTMLResponse)
def review(request: Request, caller: Caller = Depends(authorize("exchange.read")),
           session: Session = Depends(db_session)) -> Response:
    side = "coordination" if caller.principal.is_platform_wide else "review"
    rows = access_requests.list_requests(session, caller.principal, side)
    rows.sort(key=lambda r: (r.status.value not in ("pending", "compliance", "escalated"),
                             r.due_on or r.submitted_at.date()))
    return render(request, "exchange/review.html", requests=_request_rows(session, rows), names=_names(session, rows),
                  side=side)


@router.get("/exchange/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: int, caller: Caller = Depends(authorize("exchange.read")),
                 session: Session = Depends(db_session)) -> Response:
    return _request_page(request, session, caller, request_id)


def _request_page(request: Request, session: Session, caller: Caller, request_id: int, status: int = 200,
                  error: str = "") -> Response:
    found = access_requests.get_request(session, caller.principal, request_id)
    grant = session.get(Grant, found.grant_id) if found.grant_id else None
    return render(request, "exchange/request.html", status_code=status, r=access_requests.request_out(session, found),
                  grant=grants.grant_out(grant) if grant else None, names=_names(session, [found]), error=error,
                  is_provider=caller.principal.department_id == found.provider_id,
                  is_consumer=caller.principal.department_id == found.consumer_id)


async def _form(request: Request) -> Any:
    return await request.form()


@router.post("/exchange/requests/{request_id}/{verb}")
async def answer(request: Request, request_id: int, verb: str, caller: Caller = Depends(authorize("exchange.read")),
                 session: Session = Depends(db_session)) -> Response:
    form = await _form(request)
    principal, actor = caller.principal, caller.actor
    needed = {"approve": "exchange.review", "refuse": "exchange.review", "escalate": "exchange.request",
              "withdraw": "exchange.request"}.get(verb)
    try:
        if needed is None or not principal.may(needed):
            raise InvalidInput(f"unknown or forbidden action {verb}", f"不能执行此操作：{verb}")
        if verb == "approve":
            access_requests.approve(session, principal, actor, request_id, ApproveIn(
                items=form.getlist("items") or None, masked_items=form.getlist("masked_items"),
                operations=form.getlist("operations") or None, note=str(form.get("note", ""))))
        elif verb == "refuse":
            access_requests.refuse(session, principal, actor, request_id, str(form.get("reasons", "")))
        elif verb == "escalate":
            access_requests.escalate(session, principal, actor, request_id, str(form.get("reason", "")))
        else:
            access_requests.withdraw(session, principal, actor, request_id)
    except AppError as exc:
        session.rollback()
        return _request_page(request, session, caller, request_id, exc.status, exc.localized(language(request)))
    return RedirectResponse(f"/exchange/requests/{request_id}", status_code=303)


@router.get("/exchange/grants", response_class=HTMLResponse)
def grants_page(request: Request, caller: Caller = Depends(authorize("exchange.read")),
                session: Session = Depends(db_session)) -> Response:
    rows = grants.list_grants(session, caller.principal, "all")
    return render(request, "exchange/grants.html", grants=[grants.grant_out(g) for g in rows],
                  names=_names(session, rows))


@router.post("/exchange/grants/{grant_id}/revoke")
async def revoke(request: Request, grant_id: int, caller: Caller = Depends(authorize("exchange.grant.revoke")),
                 session: Session = Depends(db_session)) -> Response:
    form = await _form(request)
    grants.revoke(session, caller.principal, caller.actor, grant_id, str(form.get("reason", "")) or "撤销")
    return RedirectResponse("/exchange/grants", status_code=303)


@router.get("/exchange/usage", response_class=HTMLResponse)
def usage(request: Request, caller: Caller = Depends(authorize("exchange.stats")),
          session: Session = Depends(db_session)) -> Response:
    from govshare.orgs.clients import list_clients

    by_day = stats.summary(session, caller.principal, "day", 30)
    pairs = [(r["day"][5:], r["calls"]) for r in by_day]
    return render(request, "exchange/usage.html", by_day=by_day, charts=[chart("calls_by_day", pairs)],
                  by_resource=stats.summary(session, caller.principal, "resource", 30),
                  by_client=stats.summary(session, caller.principal, "client", 30),
                  overdue=stats.overdue_by_provider(session, caller.principal),
                  clients=list_clients(session, caller.principal))


@router.get("/exchange/resources/{resource_id}", response_class=HTMLResponse)
def resource_page(request: Request, resource_id: int, caller: Caller = Depends(authorize("exchange.read")),
                  session: Session = Depends(db_session)) -> Response:
    return _resource_page(request, session, caller, resource_id)


def _resource_page(request: Request, session: Session, caller: Caller, resource_id: int, status: int = 200,
                   error: str = "", form: Any = None) -> Response:
    resource = requestable(session, caller.principal, resource_id)
    dataset = datasets.find(session, resource_id)
    columns = columns_for(resource)
    owner = caller.principal.department_id == resource.provider_id
    try:  # the provider's officers (and administrators) see the loads; others do not
        loads = datasets.versions(session, caller.principal, resource_id)
    except AppError:
        loads = []
    return render(request, "exchange/resource.html", status_code=status, resource=resource, columns=columns,
                  share_type=share_type(resource).value, dataset=dataset, owner=owner,
                  quality=objections.quality_score(session, resource),
                  objections=[objections.objection_out(o) for o in
                              objections.list_objections(session, caller.principal, resource_id, "open")],
                  examples=howto.examples(resource, columns, dataset.key_items if dataset else [],
                                          str(request.base_url)),
                  loads=[datasets.version_out(v) for v in loads[:10]], error=error, form=form or {})


@router.post("/exchange/resources/{resource_id}/request")
async def request_resource(request: Request, resource_id: int, caller: Caller = Depends(authorize("exchange.request")),
                           session: Session = Depends(db_session)) -> Response:
    form = await _form(request)
    try:
        data = RequestIn(resource_id=resource_id, kind=str(form.get("kind") or "access"),
                         purpose=str(form.get("purpose", "")), scenario=str(form.get("scenario", "")),
                         legal_basis=str(form.get("legal_basis", "")), items=form.getlist("items"))
        found = access_requests.submit(session, caller.principal, caller.actor, data)
    except AppError as exc:
        session.rollback()
        return _resource_page(request, session, caller, resource_id, exc.status, exc.localized(language(request)),
                              dict(form))
    except ValueError as exc:  # pydantic: a field is missing or too short
        session.rollback()
        field = exc.errors()[0]["loc"][0] if hasattr(exc, "errors") else ""  # type: ignore[attr-defined]
        return _resource_page(request, session, caller, resource_id, 422, f"{field}: {exc.errors()[0]['msg']}"  # type: ignore
                              if field else str(exc), dict(form))
    return RedirectResponse(f"/exchange/requests/{found.id}", status_code=303)
