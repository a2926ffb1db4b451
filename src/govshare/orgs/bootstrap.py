"""First start of a node: divisions, the data authority itself, and the three administrators."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.core.audit import Actor
from govshare.core.auth import Role
from govshare.core.config import get_settings
from govshare.core.errors import Conflict
from govshare.orgs import departments, divisions, users
from govshare.orgs.models import Department, DepartmentKind, User
from govshare.orgs.schemas import DepartmentIn, UserIn

ADMIN_ACCOUNTS = (
    ("admin", "系统管理员", Role.PLATFORM_ADMIN),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN),
    ("auditor", "审计管理员", Role.AUDIT_ADMIN),
)


def generate_password(length: int = 16) -> str:
    """Random and always meeting the complexity rule (all four character classes)."""
    pools = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#%^*-_=+")
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice("".join(pools)) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@dataclass
class Credential:
    username: str
    password: str
    role: Role


def is_initialized(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def initialize_node(
    session: Session,
    actor: Actor,
    authority_name: str,
    authority_uscc: str,
    passwords: dict[str, str] | None = None,
) -> tuple[Department, list[Credential]]:
    """Creates the authority's department and its three separate administrators."""
    if is_initialized(session):
        raise Conflict("this node is already initialised", "本节点已初始化")
    divisions.ensure_loaded(session, actor)
    node = get_settings().node
    authority = departments.create_department(session, actor, DepartmentIn(
        name=authority_name, short_name="数据局", uscc=authority_uscc, division_code=node.division_code,
        kind=DepartmentKind.GOVERNMENT))
    creds = []
    for username, display_name, role in ADMIN_ACCOUNTS:
        password = (passwords or {}).get(username) or generate_password()
        users.create_user(session, actor, UserIn(username=username, display_name=display_name,
                                                 department_id=authority.id, password=password, roles=[role]))
        creds.append(Credential(username, password, role))
    return authority, creds
