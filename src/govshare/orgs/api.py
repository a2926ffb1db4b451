"""HTTP API of the directory: node, divisions, departments, users, clients and tokens.
Thin: parse, authorise, call one service function, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from govshare.core.pagination import Page, PageParams, page_params
from govshare.orgs import clients, departments, divisions, second_factor, sessions, users
from govshare.orgs.models import DivisionLevel
from govshare.orgs.schemas import (
    ClientIn,
    ClientOut,
    DepartmentIn,
    DepartmentOut,
    DepartmentUpdate,
    DivisionOut,
    IssuedToken,
    LoginIn,
    PasswordIn,
    RolesIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from govshare.web.deps import SESSION_COOKIE, Caller, authorize, client_ip, db_session, public

router = APIRouter(prefix="/api/v1", tags=["directory 组织机构"])


# --- session ----------------------------------------------------------------------------


@router.post("/session", dependencies=[Depends(public)], summary="Sign in 登录")
def sign_in(data: LoginIn, request: Request, response: Response, session: Session = Depends(db_session)) -> UserOut:
    user = users.authenticate(session, data.username, data.password, client_ip(request))
    secret, row = sessions.start_session(session, user, client_ip(request))
    if second_factor.required_for(user):
        second_factor.api_step(session, user, data.otp, client_ip(request))
        second_factor.pass_session(row)
    set_session_cookie(request, response, secret)
    return users.user_out(user)


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


@router.delete("/session", status_code=204, summary="Sign out 退出")
def sign_out(request: Request, caller: Caller = Depends(authorize("node.view")),
             session: Session = Depends(db_session)) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.end_session(session, cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="Who am I 当前身份")
def me(caller: Caller = Depends(authorize("node.view"))) -> dict:
    p = caller.principal
    return {"kind": p.kind, "name": p.name, "department_id": p.department_id,
            "roles": sorted(p.roles), "scopes": sorted(p.scopes)}


@router.get("/node", summary="This node 本节点")
def node(request: Request, caller: Caller = Depends(authorize("node.view"))) -> dict:
    settings = request.app.state.settings
    return {"name": settings.node.name, "division_code": settings.node.division_code,
            "level": settings.node.level, "crypto_suite": settings.crypto_suite}


@router.get("/node/key", dependencies=[Depends(public)], summary="This node's public signing key 节点公钥")
def node_key() -> dict:
    """Anyone holding a receipt from this node verifies it with this key."""
    from govshare.core.signing import public_key_info

    return public_key_info()


@router.get("/node/keys", dependencies=[Depends(public)], summary="This node's key history 节点密钥历史")
def node_key_history(session: Session = Depends(db_session)) -> list[dict]:
    """Every public key the node has signed with, by key id: a receipt or certificate signed
    before a rotation or a suite switch is verified with the key its key id names."""
    from govshare.orgs import node_keys

    return [node_keys.key_out(row) for row in node_keys.history(session)]


# --- divisions --------------------------------------------------------------------------


@router.get("/divisions", summary="Administrative divisions 行政区划")
def list_divisions(
    parent: str | None = Query(None, pattern=r"^[0-9]{6}$"),
    level: DivisionLevel | None = None,
    include_retired: bool = False,
    caller: Caller = Depends(authorize("divisions.read")),
    session: Session = Depends(db_session),
) -> list[DivisionOut]:
    rows = divisions.list_divisions(session, parent, level, include_retired)
    return [DivisionOut.model_validate(d) for d in rows]


@router.get("/divisions/{code}", summary="One division 区划详情")
def get_division(code: str, caller: Caller = Depends(authorize("divisions.read")),
                 session: Session = Depends(db_session)) -> DivisionOut:
    return DivisionOut.model_validate(divisions.get_division(session, code))


# --- departments ------------------------------------------------------------------------


@router.get("/departments", summary="Department directory 部门目录")
def list_departments(
    division: str | None = Query(None, pattern=r"^[0-9]{6}$"),
    q: str | None = Query(None, max_length=100),
    include_inactive: bool = False,
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("departments.read")),
    session: Session = Depends(db_session),
) -> Page[DepartmentOut]:
    rows, total = departments.list_departments(session, division, q, include_inactive, page.limit, page.offset)
    return Page(items=[DepartmentOut.model_validate(d) for d in rows], total=total,
                limit=page.limit, offset=page.offset)


@router.post("/departments", status_code=201, summary="Create a department 新建部门")
def create_department(data: DepartmentIn, caller: Caller = Depends(authorize("departments.write")),
                      session: Session = Depends(db_session)) -> DepartmentOut:
    return DepartmentOut.model_validate(departments.create_department(session, caller.actor, data))


@router.get("/departments/{dept_id}", summary="One department 部门详情")
def get_department(dept_id: int, caller: Caller = Depends(authorize("departments.read")),
                   session: Session = Depends(db_session)) -> DepartmentOut:
    return DepartmentOut.model_validate(departments.get_department(session, dept_id))


@router.patch("/departments/{dept_id}", summary="Edit a department 修改部门")
def update_department(dept_id: int, data: DepartmentUpdate,
                      caller: Caller = Depends(authorize("departments.write")),
                      session: Session = Depends(db_session)) -> DepartmentOut:
    return DepartmentOut.model_validate(departments.update_department(session, caller.actor, dept_id, data))


# --- users ------------------------------------------------------------------------------


@router.get("/users", summary="User accounts 用户")
def list_users(
    department_id: int | None = None,
    q: str | None = Query(None, max_length=100),
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("users.read")),
    session: Session = Depends(db_session),
) -> Page[UserOut]:
    rows, total = users.list_users(session, department_id, q, page.limit, page.offset)
    return Page(items=[users.user_out(u) for u in rows], total=total, limit=page.limit, offset=page.offset)


@router.post("/users", status_code=201, summary="Create a user 新建用户")
def create_user(data: UserIn, caller: Caller = Depends(authorize("users.write")),
                session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.create_user(session, caller.actor, data))


@router.get("/users/{user_id}", summary="One user 用户详情")
def get_user(user_id: int, caller: Caller = Depends(authorize("users.read")),
             session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.get_user(session, user_id))


@router.put("/users/{user_id}/roles", summary="Set roles 设置角色")
def set_roles(user_id: int, data: RolesIn, caller: Caller = Depends(authorize("users.assign_roles")),
              session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.set_roles(session, caller.actor, user_id, data.roles))


@router.post("/users/{user_id}/unlock", summary="Unlock 解锁")
def unlock_user(user_id: int, caller: Caller = Depends(authorize("users.write")),
                session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.unlock(session, caller.actor, user_id))


@router.post("/users/{user_id}/enable", summary="Enable 启用")
def enable_user(user_id: int, caller: Caller = Depends(authorize("users.write")),
                session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.set_active(session, caller.actor, user_id, True))


@router.post("/users/{user_id}/disable", summary="Disable 停用")
def disable_user(user_id: int, caller: Caller = Depends(authorize("users.write")),
                 session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.set_active(session, caller.actor, user_id, False))


@router.post("/users/{user_id}/second-factor/reset", summary="Reset two-factor enrolment 重置两步验证")
def reset_second_factor(user_id: int, caller: Caller = Depends(authorize("users.write")),
                        session: Session = Depends(db_session)) -> UserOut:
    user = users.get_user(session, user_id)
    second_factor.reset(session, caller.actor, user)
    return users.user_out(user)


@router.post("/users/{user_id}/password", summary="Reset password 重置口令")
def reset_password(user_id: int, data: PasswordIn, caller: Caller = Depends(authorize("users.write")),
                   session: Session = Depends(db_session)) -> UserOut:
    return users.user_out(users.set_password(session, caller.actor, user_id, data.password))


# --- API clients and tokens ------------------------------------------------------------


@router.get("/clients", summary="API clients 接入应用")
def list_clients(caller: Caller = Depends(authorize("clients.read")),
                 session: Session = Depends(db_session)) -> list[ClientOut]:
    return [clients.client_out(c) for c in clients.list_clients(session, caller.principal)]


@router.post("/clients", status_code=201, summary="Register a client 登记接入应用")
def register_client(data: ClientIn, caller: Caller = Depends(authorize("clients.write")),
                    session: Session = Depends(db_session)) -> ClientOut:
    client = clients.register_client(session, caller.principal, caller.actor, data)
    return clients.client_out(client)


@router.get("/clients/{client_id}", summary="One client 接入应用详情")
def get_client(client_id: int, caller: Caller = Depends(authorize("clients.read")),
               session: Session = Depends(db_session)) -> ClientOut:
    return clients.client_out(clients.get_client(session, caller.principal, client_id))


@router.post("/clients/{client_id}/tokens", status_code=201, summary="Issue a token 签发令牌")
def issue_token(client_id: int, data: TokenIn, caller: Caller = Depends(authorize("clients.write")),
                session: Session = Depends(db_session)) -> IssuedToken:
    token, row = clients.issue_token(session, caller.principal, caller.actor, client_id, data)
    return IssuedToken(token=token, **clients.token_out(row).model_dump())


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token 吊销令牌")
def revoke_token(token_id: int, caller: Caller = Depends(authorize("tokens.revoke")),
                 session: Session = Depends(db_session)) -> TokenOut:
    return clients.token_out(clients.revoke_token(session, caller.principal, caller.actor, token_id))
