"""Roles, the permission table, passwords and API-token secrets.

Authorisation is declared, never implied: every route names an action from ACTIONS, and an
action lists the roles (and, for business systems calling with a token, the token scope) that
may perform it. An action that is not listed cannot be performed by anyone (default deny).
Row-level rules, such as "only your own department's clients", live in the service functions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govshare.core.errors import InvalidInput


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # 系统管理员
    SECURITY_ADMIN = "security_admin"  # 安全管理员
    AUDIT_ADMIN = "audit_admin"  # 审计管理员
    DATA_OFFICER = "data_officer"  # 部门数据专员
    REVIEWER = "reviewer"  # 部门审核员
    CONSUMER = "consumer"  # 部门数据使用人员


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.PLATFORM_ADMIN: ("系统管理员", "Platform administrator"),
    Role.SECURITY_ADMIN: ("安全管理员", "Security administrator"),
    Role.AUDIT_ADMIN: ("审计管理员", "Audit administrator"),
    Role.DATA_OFFICER: ("数据专员", "Data officer"),
    Role.REVIEWER: ("审核员", "Reviewer"),
    Role.CONSUMER: ("数据使用人员", "Data consumer"),
}

# 三员分立: one person never holds two of these three (GB/T 22239-2019).
ADMIN_TRIAD = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

ANY_USER = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    token_scope: str | None = None  # business systems may call it with a token of this scope
    description: str = ""


def rule(*roles: Role, scope: str | None = None, description: str = "") -> Rule:
    return Rule(frozenset(roles), scope, description)


# Actions every node has. Capabilities declare theirs in their own policy.py (ACTIONS) and
# are merged in by `all_actions`.
ACTIONS: dict[str, Rule] = {
    "node.view": Rule(ANY_USER, "directory", "see this node's identity"),
}


def all_actions() -> dict[str, Rule]:
    from govshare.capabilities import merged

    return {**ACTIONS, **merged("policy", "ACTIONS")}


def rule_for(action: str) -> Rule:
    try:
        return all_actions()[action]
    except KeyError as exc:  # a typo must not silently open an endpoint
        raise LookupError(f"action {action!r} is not declared in any capability's policy.ACTIONS") from exc


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in person, or a department's business system with a token."""

    kind: str  # "user" | "client"
    name: str
    department_id: int | None
    roles: frozenset[Role] = frozenset()
    user_id: int | None = None
    client_id: int | None = None
    token_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def may(self, action: str) -> bool:
        rule = rule_for(action)
        if self.kind == "client":
            return rule.token_scope is not None and rule.token_scope in self.scopes
        return bool(self.roles & rule.roles)

    @property
    def is_platform_wide(self) -> bool:
        """Administrators act across departments; everyone else within their own."""
        return self.has_role(*ADMIN_TRIAD)


# --- passwords -------------------------------------------------------------------------

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_password_strength(password: str, min_length: int, username: str = "") -> None:
    """等保 2.0 complexity: long enough, three of four character classes, not the user name."""
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if len(password) < min_length:
        raise InvalidInput(
            f"password must have at least {min_length} characters",
            f"口令长度至少为 {min_length} 位",
            field="password",
        )
    if classes < 3:
        raise InvalidInput(
            "password must mix at least three of: lower case, upper case, digits, symbols",
            "口令须包含小写字母、大写字母、数字、符号中的至少三类",
            field="password",
        )
    if username and username.lower() in password.lower():
        raise InvalidInput(
            "password must not contain the user name",
            "口令不得包含用户名",
            field="password",
        )


# --- opaque secrets: API tokens and session ids -----------------------------------------

TOKEN_PREFIX = "gs"


def new_token() -> tuple[str, str, str]:
    """Returns (token shown once, lookup id, stored hash). The hash is SHA-256: tokens are
    256-bit random, so a slow hash adds nothing and would cost every API call."""
    lookup = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}_{lookup}_{secret}"
    return token, lookup, digest_secret(token)


def split_token(token: str) -> str | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def digest_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)
