"""Business systems as API clients, and their tokens: shown once, stored hashed, scoped,
expiring, and revocable with effect on the very next call."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, all_actions, digest_secret, new_token, same_digest, split_token
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput, NotFound, PermissionDenied
from govshare.orgs.departments import get_department
from govshare.orgs.models import ApiClient, ApiToken
from govshare.orgs.schemas import ClientIn, ClientOut, TokenIn, TokenOut


def known_scopes() -> set[str]:
    return {rule.token_scope for rule in all_actions().values() if rule.token_scope}


def _may_manage(principal: Principal, client: ApiClient) -> None:
    """Departments manage their own systems; only platform-wide roles cross departments."""
    if principal.is_platform_wide or principal.department_id == client.department_id:
        return
    raise NotFound(f"client {client.id} does not exist", f"接入应用 {client.id} 不存在")


def register_client(session: Session, principal: Principal, actor: Actor, data: ClientIn) -> ApiClient:
    department_id = data.department_id or principal.department_id
    if department_id != principal.department_id and not principal.is_platform_wide:
        raise PermissionDenied(
            "you can register systems only for your own department",
            "只能为本部门登记接入应用",
            field="department_id",
        )
    department = get_department(session, department_id)
    taken = select(ApiClient.id).where(ApiClient.department_id == department.id, ApiClient.name == data.name)
    if session.scalar(taken):
        raise InvalidInput(
            f"{department.name} already has a system named {data.name}",
            f"{department.name} 已有名为 {data.name} 的接入应用",
            field="name",
        )
    client = ApiClient(department_id=department.id, name=data.name.strip(), description=data.description,
                       created_by=principal.user_id)
    session.add(client)
    session.flush()
    audit.record(session, actor, "client.register", object_type="api_client", object_id=client.id,
                 details={"name": client.name, "department_id": department.id})
    return client


def get_client(session: Session, principal: Principal, client_id: int) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"client {client_id} does not exist", f"接入应用 {client_id} 不存在")
    _may_manage(principal, client)
    return client


def list_clients(session: Session, principal: Principal) -> list[ApiClient]:
    query = select(ApiClient).order_by(ApiClient.department_id, ApiClient.id)
    if not principal.is_platform_wide:
        query = query.where(ApiClient.department_id == principal.department_id)
    return list(session.scalars(query))


def issue_token(
    session: Session, principal: Principal, actor: Actor, client_id: int, data: TokenIn
) -> tuple[str, ApiToken]:
    client = get_client(session, principal, client_id)
    if not client.active:
        raise InvalidInput("the client is disabled", "该接入应用已停用", field="client_id")
    unknown = sorted(set(data.scopes) - known_scopes())
    if unknown:
        raise InvalidInput(
            f"unknown scopes: {', '.join(unknown)}; expected some of {', '.join(sorted(known_scopes()))}",
            f"未知的权限范围：{', '.join(unknown)}",
            field="scopes",
        )
    max_days = get_settings().policy.token_max_days
    if data.days > max_days:
        raise InvalidInput(
            f"tokens may live at most {max_days} days", f"令牌有效期不得超过 {max_days} 天", field="days"
        )
    token, lookup, digest = new_token()
    row = ApiToken(
        client_id=client.id,
        lookup=lookup,
        token_hash=digest,
        label=data.label,
        scopes=sorted(set(data.scopes)),
        expires_at=utcnow() + timedelta(days=data.days),
        created_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "token.issue", object_type="api_token", object_id=row.id,
                 details={"client_id": client.id, "lookup": lookup, "scopes": row.scopes, "days": data.days})
    return token, row


def revoke_token(session: Session, principal: Principal, actor: Actor, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} does not exist", f"令牌 {token_id} 不存在")
    _may_manage(principal, row.client)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor, "token.revoke", object_type="api_token", object_id=row.id,
                     details={"client_id": row.client_id, "lookup": row.lookup})
    return row


def resolve_token(session: Session, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None when unknown, expired or revoked.

    Checked against the database on every call, so a revocation takes effect at once on
    every worker. Read as plain columns in one indexed join: this runs before every API call
    of a business system, and loading the token, client and department as ORM objects cost
    more than the rest of a verify call's own work."""
    lookup = split_token(token)
    if lookup is None:
        return None
    row = session.connection().execute(_token_lookup(), {"lookup": lookup}).first()  # plain columns: no ORM layer
    if row is None or not same_digest(row.token_hash, digest_secret(token)):
        return None
    now = utcnow()
    if row.revoked_at is not None or row.expires_at <= now or not row.client_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now)
                        .execution_options(synchronize_session=False))
    return Principal(
        kind="client",
        name=f"client:{row.client_name}",
        department_id=row.department_id,
        client_id=row.client_id,
        token_id=row.token_id,
        scopes=frozenset(row.scopes),
    )


@lru_cache(maxsize=1)
def _token_lookup():  # type: ignore[no-untyped-def]
    return (select(ApiToken.id.label("token_id"), ApiToken.token_hash, ApiToken.scopes, ApiToken.expires_at,
                   ApiToken.revoked_at, ApiToken.last_used_at, ApiClient.id.label("client_id"),
                   ApiClient.name.label("client_name"), ApiClient.department_id,
                   ApiClient.active.label("client_active"))
            .join(ApiClient, ApiClient.id == ApiToken.client_id)
            .where(ApiToken.lookup == bindparam("lookup")))


def token_state(row: ApiToken) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= utcnow():
        return "expired"
    return "active"


def token_out(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id, lookup=row.lookup, label=row.label, scopes=list(row.scopes),
        created_at=row.created_at, expires_at=row.expires_at, revoked_at=row.revoked_at,
        last_used_at=row.last_used_at, state=token_state(row),
    )


def client_out(client: ApiClient) -> ClientOut:
    return ClientOut(
        id=client.id, department_id=client.department_id, department_name=client.department.name,
        name=client.name, description=client.description, active=client.active,
        tokens=[token_out(t) for t in sorted(client.tokens, key=lambda t: t.id)],
    )
