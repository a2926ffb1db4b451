"""Administration pages of the directory: departments, users, API clients and tokens.

Forms post back to the same service functions the API uses. A refused form is shown again
with the values typed and the error next to its field (status 422), never lost.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govshare.core.auth import Role
from govshare.core.errors import AppError
from govshare.orgs import clients, departments, divisions, node_keys, users
from govshare.orgs.models import DepartmentKind, DivisionLevel
from govshare.orgs.schemas import ClientIn, DepartmentIn, DepartmentUpdate, TokenIn, UserIn
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)

NAV = [
    ("/admin/departments", "departments", "departments.read"),
    ("/admin/users", "users", "users.read"),
    ("/clients", "clients", "clients.read"),
    ("/admin/node-keys", "node_keys", "node.keys.read"),
]


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form.keys():
        if key == "csrf_token":
            continue
        values = form.getlist(key)
        data[key] = values if key in ("roles", "scopes") else (values[0] if values else None)
    return data


def _error(exc: Exception, lang: str) -> tuple[str | None, str]:
    """(field, message) from a service error or a schema error."""
    if isinstance(exc, AppError):
        return exc.field, exc.localized(lang)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        return field, f"{field}: {first.get('msg')}"
    raise exc


def _blank_to_none(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: (None if k in keys and v in ("", None) else v) for k, v in data.items()}


# --- departments ------------------------------------------------------------------------


def _department_page(request: Request, session: Session, status: int = 200, **extra: Any) -> Response:
    q = request.query_params.get("q") or None
    division = request.query_params.get("division") or None
    rows, total = departments.list_departments(session, division, q, include_inactive=True)
    return render(
        request, "orgs/departments.html", status_code=status, departments=rows, total=total,
        divisions=_division_choices(session),
        kinds=list(DepartmentKind), q=q or "", division=division or "", **extra,
    )


def _division_choices(session: Session) -> list[Any]:
    """Provinces and prefectures: where departments sit; county codes go through the API."""
    top = divisions.list_divisions(session, level=DivisionLevel.PROVINCE)
    top += divisions.list_divisions(session, level=DivisionLevel.PREFECTURE)
    return sorted(top, key=lambda d: d.code)


@router.get("/admin/departments", response_class=HTMLResponse)
def department_list(request: Request, caller: Caller = Depends(authorize("departments.read")),
                    session: Session = Depends(db_session)) -> Response:
    return _department_page(request, session, flash=request.query_params.get("saved") and "✓")


@router.post("/admin/departments")
async def department_create(request: Request, caller: Caller = Depends(authorize("departments.write")),
                            session: Session = Depends(db_session)) -> Response:
    data = _blank_to_none(await _form(request), "parent_id", "short_name")
    try:
        dept = departments.create_department(session, caller.actor, DepartmentIn(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        field, message = _error(exc, language(request))
        return _department_page(request, session, 422, form=data, error=message, error_field=field)
    return RedirectResponse(f"/admin/departments?saved={dept.id}", status_code=303)


@router.get("/admin/departments/{dept_id}", response_class=HTMLResponse)
def department_edit_form(dept_id: int, request: Request, caller: Caller = Depends(authorize("departments.read")),
                         session: Session = Depends(db_session)) -> Response:
    dept = departments.get_department(session, dept_id)
    members, _ = users.list_users(session, department_id=dept.id)
    return render(request, "orgs/department_edit.html", dept=dept, members=members,
                  kinds=list(DepartmentKind), divisions=_division_choices(session))


@router.post("/admin/departments/{dept_id}")
async def department_update(dept_id: int, request: Request,
                            caller: Caller = Depends(authorize("departments.write")),
                            session: Session = Depends(db_session)) -> Response:
    data = _blank_to_none(await _form(request), "parent_id", "short_name", "data_officer_id", "reviewer_id")
    data["active"] = data.get("active") == "on"
    try:
        departments.update_department(session, caller.actor, dept_id, DepartmentUpdate(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        field, message = _error(exc, language(request))
        dept = departments.get_department(session, dept_id)
        members, _ = users.list_users(session, department_id=dept.id)
        return render(request, "orgs/department_edit.html", status_code=422, dept=dept, members=members,
                      kinds=list(DepartmentKind), divisions=_division_choices(session), error=message,
                      error_field=field, form=data)
    return RedirectResponse(f"/admin/departments?saved={dept_id}", status_code=303)


# --- users ------------------------------------------------------------------------------


def _user_page(request: Request, session: Session, caller: Caller, status: int = 200, **extra: Any) -> Response:
    q = request.query_params.get("q") or None
    rows, total = users.list_users(session, q=q)
    depts, _ = departments.list_departments(session)
    return render(request, "orgs/users.html", status_code=status, users=rows, total=total, q=q or "",
                  departments=depts, roles=list(Role), **extra)


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(request: Request, caller: Caller = Depends(authorize("users.read")),
              session: Session = Depends(db_session)) -> Response:
    return _user_page(request, session, caller)


@router.post("/admin/users")
async def user_create(request: Request, caller: Caller = Depends(authorize("users.write")),
                      session: Session = Depends(db_session)) -> Response:
    data = await _form(request)
    try:
        users.create_user(session, caller.actor, UserIn(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        field, message = _error(exc, language(request))
        data.pop("password", None)
        return _user_page(request, session, caller, 422, form=data, error=message, error_field=field)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/roles")
async def user_roles(user_id: int, request: Request, caller: Caller = Depends(authorize("users.assign_roles")),
                     session: Session = Depends(db_session)) -> Response:
    data = await _form(request)
    try:
        users.set_roles(session, caller.actor, user_id, [Role(r) for r in data.get("roles", [])])
    except AppError as exc:
        session.rollback()
        return _user_page(request, session, caller, 422, error=exc.localized(language(request)))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/{change}")
def user_state(user_id: int, change: str, request: Request, caller: Caller = Depends(authorize("users.write")),
               session: Session = Depends(db_session)) -> Response:
    actions = {
        "unlock": lambda: users.unlock(session, caller.actor, user_id),
        "enable": lambda: users.set_active(session, caller.actor, user_id, True),
        "disable": lambda: users.set_active(session, caller.actor, user_id, False),
    }
    if change not in actions:
        return _user_page(request, session, caller, 404, error=change)
    try:
        actions[change]()
    except AppError as exc:
        session.rollback()
        return _user_page(request, session, caller, 422, error=exc.localized(language(request)))
    return RedirectResponse("/admin/users", status_code=303)


# --- API clients and tokens ------------------------------------------------------------


def _client_page(request: Request, session: Session, caller: Caller, status: int = 200, **extra: Any) -> Response:
    depts, _ = departments.list_departments(session) if caller.principal.is_platform_wide else ([], 0)
    return render(request, "orgs/clients.html", status_code=status,
                  clients=clients.list_clients(session, caller.principal),
                  scopes=sorted(clients.known_scopes()), departments=depts, **extra)


@router.get("/clients", response_class=HTMLResponse)
def client_list(request: Request, caller: Caller = Depends(authorize("clients.read")),
                session: Session = Depends(db_session)) -> Response:
    return _client_page(request, session, caller)


@router.post("/clients")
async def client_register(request: Request, caller: Caller = Depends(authorize("clients.write")),
                          session: Session = Depends(db_session)) -> Response:
    data = _blank_to_none(await _form(request), "department_id")
    try:
        clients.register_client(session, caller.principal, caller.actor, ClientIn(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        field, message = _error(exc, language(request))
        return _client_page(request, session, caller, 422, form=data, error=message, error_field=field)
    return RedirectResponse("/clients", status_code=303)


@router.post("/clients/{client_id}/tokens", response_class=HTMLResponse)
async def token_issue(client_id: int, request: Request, caller: Caller = Depends(authorize("clients.write")),
                      session: Session = Depends(db_session)) -> Response:
    data = await _form(request)
    try:
        token, row = clients.issue_token(session, caller.principal, caller.actor, client_id, TokenIn(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        _field, message = _error(exc, language(request))
        return _client_page(request, session, caller, 422, error=message)
    # Shown here once and never again: only its hash is stored.
    return _client_page(request, session, caller, new_token=token, new_token_id=row.id)


@router.post("/tokens/{token_id}/revoke")
def token_revoke(token_id: int, request: Request, caller: Caller = Depends(authorize("tokens.revoke")),
                 session: Session = Depends(db_session)) -> Response:
    clients.revoke_token(session, caller.principal, caller.actor, token_id)
    return RedirectResponse("/clients", status_code=303)


# --- the node's signing keys --------------------------------------------------------------


@router.get("/admin/node-keys", response_class=HTMLResponse)
def node_key_list(request: Request, caller: Caller = Depends(authorize("node.keys.read")),
                  session: Session = Depends(db_session)) -> Response:
    """Rotation is a shell command (`govshare keys rotate`): it replaces key files on the server."""
    return render(request, "orgs/node_keys.html", keys=node_keys.history(session, caller.actor))
