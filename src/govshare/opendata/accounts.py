"""Public accounts and developer API keys — separate from government staff accounts.

A member of the public registers with an e-mail address and a password, accepts the open-data
agreement (required for datasets released "with conditions") and receives an API key. Keys are
shown once; only their SHA-256 is stored. A browser sign-in is a key of its own kept in an
HttpOnly cookie, so pages, downloads and APIs identify the public the same way.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import auth
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, NotAuthenticated
from govshare.opendata.models import ApiKey, PublicAccount

AGREEMENT_VERSION = "2026-1"
KEY_PREFIX = "od_"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[^@\s]{1,20}$")
COOKIE = "od_key"


@dataclass(frozen=True)
class Developer:
    account_id: int
    key_id: int
    calls_per_minute: int
    agreed: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def register(session: Session, email: str, password: str, display_name: str, agree: bool) -> PublicAccount:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput("email: expected an e-mail address", "请填写有效的电子邮箱", field="email")
    if len(password) < 10 or len(password) > 128:
        raise InvalidInput("password: 10 to 128 characters", "口令长度应为 10 至 128 位", field="password")
    if session.scalar(select(PublicAccount.id).where(PublicAccount.email == email)) is not None:
        raise Conflict("this e-mail address is already registered", "该邮箱已注册", field="email")
    account = PublicAccount(
        email=email, display_name=display_name.strip()[:100], password_hash=auth.hash_password(password)
    )
    if agree:
        account.agreement_version, account.agreement_at = AGREEMENT_VERSION, utcnow()
    session.add(account)
    session.flush()
    return account


def sign_in(session: Session, email: str, password: str) -> PublicAccount:
    account = session.scalar(select(PublicAccount).where(PublicAccount.email == email.strip().lower()))
    if account is None or not auth.verify_password(account.password_hash, password):
        raise NotAuthenticated("wrong e-mail address or password", "邮箱或口令错误", code="bad_credentials")
    return account


def accept_agreement(session: Session, account: PublicAccount) -> None:
    account.agreement_version, account.agreement_at = AGREEMENT_VERSION, utcnow()


def issue_key(session: Session, account: PublicAccount, name: str = "") -> str:
    """A new key; the clear value is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    session.add(
        ApiKey(
            account_id=account.id,
            name=name[:100],
            prefix=key[:10],
            key_hash=_hash(key),
            # the node's limit when the key was issued, for the record; limits.py applies the current one
            calls_per_minute=get_settings().policy.open_key_calls_per_minute,
        )
    )
    session.flush()
    return key


def resolve(session: Session, key: str | None) -> Developer | None:
    """The developer behind a key, or None for an anonymous caller (an unknown key is refused
    rather than treated as anonymous, so a typo does not silently lower the limits)."""
    if not key:
        return None
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        raise NotAuthenticated("unknown API key", "API 密钥无效", code="invalid_key")
    found = session.execute(
        select(ApiKey, PublicAccount)
        .join(PublicAccount, PublicAccount.id == ApiKey.account_id)
        .where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None))
    ).first()
    if found is None:
        raise NotAuthenticated("unknown or revoked API key", "API 密钥无效或已吊销", code="invalid_key")
    api_key, account = found
    return Developer(account.id, api_key.id, api_key.calls_per_minute, account.agreement_version == AGREEMENT_VERSION)


def revoke(session: Session, key: str | None) -> None:
    """Signing out revokes the browser's key, so a copied cookie stops working too."""
    if key and key.startswith(KEY_PREFIX):
        found = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None)))
        if found is not None:
            found.revoked_at = utcnow()


def key_from(headers: dict[str, str], cookies: dict[str, str]) -> str | None:
    """X-API-Key, CKAN's Authorization / X-CKAN-API-Key (a bare key), or the sign-in cookie.
    A staff bearer token ("Bearer …") is not a public key and is ignored here."""
    for name in ("x-api-key", "x-ckan-api-key", "authorization"):
        value = headers.get(name, "").strip()
        if value and not value.lower().startswith("bearer "):
            return value
    return cookies.get(COOKIE) or None
