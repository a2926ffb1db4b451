"""Pages of the open-data portal (public, /open/...) and of its administration (/open-admin).

Public forms (data requests, error reports, registration) have no staff session to carry a
CSRF token, so they use a double-submit token: a random value in a SameSite=Strict cookie that
the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core.errors import AppError, NotFound, PermissionDenied
from govshare.opendata import (
    accounts,
    deid_pages,
    metadata,
    portal_search,
    quality_view,
    releases,
    request_pages,
    requests,
    rows,
    usage,
    visibility,
)
from govshare.opendata.access import require_rows
from govshare.opendata.models import Access, ReportStatus, RequestStatus
from govshare.opendata.service import page_limit, visitor
from govshare.orgs.models import Department
from govshare.web.deps import Caller, authorize, db_session, language, public
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [
    ("/open-admin", "open_admin", "opendata.stats"),
    (request_pages.DEPARTMENT_PAGE, "routed_requests", "opendata.requests"),
]
CSRF_COOKIE = "od_csrf"
PAGE_SIZE = 20
# Every public page: no log-in, and the per-address page limit (limits.charge_page).
PAGE = [Depends(public), Depends(page_limit)]


# --- CSRF for public forms --------------------------------------------------------------------


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    return token if token and len(token) == 43 else secrets.token_urlsafe(32)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    token = _csrf(request)
    response = render(request, name, status_code=status, public_csrf=token, **context)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


def _check_csrf(request: Request, sent: str) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDenied("missing or wrong CSRF token; reload the page", "页面已过期，请刷新后重试", code="csrf")


# --- public pages -----------------------------------------------------------------------------


@router.get("/open", response_class=HTMLResponse, dependencies=PAGE)
def home(request: Request, session: Session = Depends(db_session)) -> Response:
    found = portal_search.search(session, "", {}, "newest", 0, 0, language(request))
    return _page(
        request,
        "opendata/home.html",
        total=found.total,
        facets=found.facets,
        featured=portal_search.featured(session),
        newest=portal_search.newest(session),
    )


@router.get("/open/search", response_class=HTMLResponse, dependencies=PAGE)
def search_page(request: Request, session: Session = Depends(db_session)) -> Response:
    params = request.query_params
    q = params.get("q", "")
    chosen = {name: params.getlist(name) for name in portal_search.FACETS if params.getlist(name)}
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    try:
        found = portal_search.search(
            session, q, chosen, params.get("sort") or None, PAGE_SIZE, (page - 1) * PAGE_SIZE, language(request)
        )
        error = None
    except AppError as exc:
        found, error = portal_search.Result(0, []), exc.localized(language(request))
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    return _page(
        request,
        "opendata/search.html",
        status=422 if error else 200,
        q=q,
        chosen=chosen,
        found=found,
        error=error,
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        sort=params.get("sort", ""),
        departments=departments,
        sorts=portal_search.SORTS,
        band_labels=portal_search.BAND_LABELS,
    )


@router.get("/open/datasets/{name}", response_class=HTMLResponse, dependencies=PAGE)
def dataset_page(name: str, request: Request, session: Session = Depends(db_session)) -> Response:
    resource = visibility.get_open(session, name)
    v = visitor(request, session, charge=False)
    meta = metadata.build(session, resource)
    usage.count(session, resource.id, "views")
    preview, preview_error = None, None
    if meta.data is not None:
        try:
            require_rows(meta.release, v.developer)
            preview = rows.select_rows(session, meta.data, rows.Query(limit=rows.PREVIEW))
        except AppError as exc:
            preview_error = exc.localized(language(request))
    quality = quality_view.public_report(meta, language(request))
    return _page(
        request,
        "opendata/dataset.html",
        meta=meta,
        d=meta.as_dict(v.base_url),
        preview=preview,
        preview_error=preview_error,
        quality=quality,
        quality_charts=quality_view.charts(quality) if quality else {},
        history=metadata.history(session, resource),
        counts=usage.totals(session, resource.id),
        reports=requests.reports_for(session, resource.id, 10),
        band=portal_search.quality_band(meta.quality_score),
        band_labels=portal_search.BAND_LABELS,
        base=v.base_url,
        flash=request.query_params.get("flash") and _flash(request),
    )


def _flash(request: Request) -> str:
    return {"zh": "已收到，感谢您的反馈。", "en": "Received. Thank you."}[language(request)]


@router.post("/open/datasets/{name}/report", dependencies=PAGE)
def report_error(
    name: str,
    request: Request,
    csrf_token: str = Form(""),
    description: str = Form(""),
    contact: str = Form(""),
    session: Session = Depends(db_session),
) -> Response:
    _check_csrf(request, csrf_token)
    resource = visibility.get_open(session, name)
    requests.report_error(session, resource.id, description, contact)
    return RedirectResponse(f"/open/datasets/{visibility.slug(resource.code)}?flash=1#reports", status_code=303)


@router.get("/open/departments/{department_id}", response_class=HTMLResponse, dependencies=PAGE)
def department_page(department_id: int, request: Request, session: Session = Depends(db_session)) -> Response:
    dept = session.get(Department, department_id)
    found = portal_search.search(session, "", {"department": [str(department_id)]}, "name", 200, 0, language(request))
    if dept is None or found.total == 0:
        raise NotFound(f"department {department_id} publishes no open data", f"部门 {department_id} 没有开放数据")
    return _page(request, "opendata/department.html", dept=dept, found=found)


@router.get("/open/requests", response_class=HTMLResponse, dependencies=PAGE)
def requests_page(request: Request, session: Session = Depends(db_session)) -> Response:
    return _requests_page(request, session, flash=_flash(request) if request.query_params.get("flash") else None)


def _requests_page(request: Request, session: Session, status: int = 200, **extra: Any) -> Response:
    items, total = requests.list_requests(session)
    return _page(
        request,
        "opendata/requests.html",
        status=status,
        items=[requests.public_view(i) for i in items],
        total=total,
        departments=request_pages.department_names(session),
        **extra,
    )


@router.post("/open/requests", response_class=HTMLResponse, dependencies=PAGE)
def submit_request(
    request: Request,
    csrf_token: str = Form(""),
    title: str = Form(""),
    description: str = Form(""),
    contact: str = Form(""),
    department: str = Form(""),
    session: Session = Depends(db_session),
) -> Response:
    _check_csrf(request, csrf_token)
    try:
        requests.submit_request(session, title, description, contact, request_pages.form_department(department))
    except AppError as exc:
        form = {"title": title, "description": description, "contact": contact, "department": department}
        return _requests_page(request, session, exc.status, error=exc.localized(language(request)), form=form)
    return RedirectResponse("/open/requests?flash=1", status_code=303)


@router.get("/open/developers", response_class=HTMLResponse, dependencies=PAGE)
def developers_page(request: Request) -> Response:
    return _page(
        request,
        "opendata/developers.html",
        agreement=accounts.AGREEMENT_VERSION,
        signed_in=bool(request.cookies.get(accounts.COOKIE)),
    )


@router.post("/open/developers", response_class=HTMLResponse, dependencies=PAGE)
def register(
    request: Request,
    csrf_token: str = Form(""),
    email: str = Form(""),
    password: str = Form(""),
    display_name: str = Form(""),
    agree: str = Form(""),
    session: Session = Depends(db_session),
) -> Response:
    _check_csrf(request, csrf_token)
    try:
        account = accounts.register(session, email, password, display_name, agree == "yes")
        key = accounts.issue_key(session, account, "first key")
    except AppError as exc:
        return _page(
            request,
            "opendata/developers.html",
            status=exc.status,
            error=exc.localized(language(request)),
            form={"email": email, "display_name": display_name},
            agreement=accounts.AGREEMENT_VERSION,
        )
    response = _page(request, "opendata/developers.html", key=key, agreement=accounts.AGREEMENT_VERSION)
    response.set_cookie(accounts.COOKIE, key, httponly=True, samesite="lax")
    return response


@router.post("/open/signin", response_class=HTMLResponse, dependencies=PAGE)
def sign_in(
    request: Request,
    csrf_token: str = Form(""),
    email: str = Form(""),
    password: str = Form(""),
    session: Session = Depends(db_session),
) -> Response:
    """A returning member of the public: a fresh browser key in an HttpOnly cookie."""
    _check_csrf(request, csrf_token)
    try:
        account = accounts.sign_in(session, email, password)
    except AppError as exc:
        return _page(
            request,
            "opendata/developers.html",
            status=exc.status,
            error=exc.localized(language(request)),
            agreement=accounts.AGREEMENT_VERSION,
        )
    response = RedirectResponse("/open/developers?signed_in=1", status_code=303)
    response.set_cookie(accounts.COOKIE, accounts.issue_key(session, account, "browser"), httponly=True, samesite="lax")
    return response


@router.post("/open/signout", dependencies=PAGE)
def sign_out(request: Request, csrf_token: str = Form(""), session: Session = Depends(db_session)) -> Response:
    _check_csrf(request, csrf_token)
    accounts.revoke(session, request.cookies.get(accounts.COOKIE))
    response = RedirectResponse("/open", status_code=303)
    response.delete_cookie(accounts.COOKIE)
    return response


# --- administration ---------------------------------------------------------------------------


@router.get("/open-admin", response_class=HTMLResponse)
def admin_page(
    request: Request, caller: Caller = Depends(authorize("opendata.stats")), session: Session = Depends(db_session)
) -> Response:
    daily = usage.daily(session, 30)
    lang = language(request)
    names = {"views": ("浏览", "views"), "downloads": ("下载", "downloads"), "api_calls": ("接口调用", "API calls")}
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "grid": {"left": 50, "right": 10, "bottom": 40, "top": 30},
        "xAxis": {"type": "category", "data": [d["day"][5:] for d in daily]},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": names[k][0 if lang == "zh" else 1], "data": [d[k] for d in daily]}
            for k in usage.KINDS
        ],
    }
    alt = (
        "; ".join(
            f"{d['day']}: {d['views']}/{d['downloads']}/{d['api_calls']}"
            for d in daily
            if any(d[k] for k in usage.KINDS)
        )
        or "0"
    )
    items, _total = requests.list_requests(session)
    return render(
        request,
        "opendata/admin.html",
        departments=request_pages.department_names(session),
        chart=chart,
        alt=alt,
        top=usage.top(session),
        items=items,
        reports=requests.reports_for(session, None, 50),
        statuses=list(RequestStatus),
        report_statuses=list(ReportStatus),
        accesses=list(Access),
        featured=portal_search.featured(session, 50),
        flash=request.query_params.get("flash"),
    )


@router.post("/open-admin/feature")
def admin_feature(
    code: str = Form(...),
    featured: str = Form("yes"),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    resource = releases.resource_by_code(session, code.strip())
    releases.feature(session, caller.actor, resource, featured == "yes")
    return RedirectResponse("/open-admin?flash=ok", status_code=303)


@router.post("/open-admin/access")
def admin_access(
    code: str = Form(...),
    access: Access = Form(...),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    releases.set_access(session, caller.actor, releases.resource_by_code(session, code.strip()), access)
    return RedirectResponse("/open-admin?flash=ok", status_code=303)


@router.post("/open-admin/requests/{request_id}")
def admin_answer_request(
    request_id: int,
    status: RequestStatus = Form(...),
    answer: str = Form(""),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    requests.answer_request(session, caller.actor, request_id, status, answer)
    return RedirectResponse("/open-admin?flash=ok", status_code=303)


@router.post("/open-admin/reports/{report_id}")
def admin_answer_report(
    report_id: int,
    status: ReportStatus = Form(...),
    answer: str = Form(""),
    caller: Caller = Depends(authorize("opendata.admin")),
    session: Session = Depends(db_session),
) -> Response:
    requests.answer_report(session, caller.actor, report_id, status, answer)
    return RedirectResponse("/open-admin?flash=ok", status_code=303)


# The authority's de-identification page and the routing of data requests live in modules of
# their own; their routes join this router with their full paths.
router.include_router(deid_pages.router)
router.include_router(request_pages.router)
