"""Two-factor log-in for the three administrators (等保 2.0: 双因素鉴别 for privileged users).

Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) from any authenticator
app. Administrators enrol on their first log-in: the page shows a QR code and the secret,
and enrolment counts only once a code from the app is accepted. A code is accepted once
(the last step used is stored), with one step of clock drift either way.
"""

from __future__ import annotations

import time

import pyotp
import segno
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import ADMIN_TRIAD
from govshare.core.config import get_settings
from govshare.core.db import utcnow
from govshare.core.errors import InvalidInput, NotAuthenticated, PermissionDenied
from govshare.orgs.models import User, WebSession

ISSUER = "govshare"
STEP = 30


def required_for(user: User) -> bool:
    return get_settings().policy.admin_two_factor and bool(user.roles & ADMIN_TRIAD)


def is_enrolled(user: User) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def enrolment_secret(session: Session, user: User) -> str:
    """The secret being enrolled; created on first call, kept until confirmed."""
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    node = get_settings().node.name
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=f"{ISSUER} {node}")


def qr_svg(uri: str) -> str:
    """An inline SVG QR code: no image service, no script."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1f2328")


def _accepted_step(secret: str, code: str, last_step: int | None) -> int | None:
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // STEP
    for step in (now_step - 1, now_step, now_step + 1):
        if (last_step is None or step > last_step) and totp.at(step * STEP) == code:
            return step
    return None


def check_code(session: Session, user: User, code: str, actor: Actor) -> bool:
    """Accepts a fresh code from the user's authenticator; records the outcome."""
    if user.totp_secret is None:
        return False
    step = _accepted_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        audit.record(session, actor, "login.second_factor", object_type="user", object_id=user.id,
                     outcome=Outcome.FAILURE)
        return False
    user.totp_last_step = step
    if user.totp_confirmed_at is None:
        user.totp_confirmed_at = utcnow()
        audit.record(session, actor, "user.second_factor_enrolled", object_type="user", object_id=user.id)
    audit.record(session, actor, "login.second_factor", object_type="user", object_id=user.id)
    return True


def api_step(session: Session, user: User, code: str | None, source_ip: str | None) -> None:
    """The second step of an API sign-in; a refusal is committed to the audit log first."""
    actor = Actor(name=user.username, user_id=user.id, department_id=user.department_id, source_ip=source_ip)
    if not is_enrolled(user):
        raise PermissionDenied("administrators enrol their authenticator in the browser first",
                               "管理员须先在浏览器中绑定身份验证器", code="second_factor_enrollment_required")
    if not code or not check_code(session, user, code, actor):
        session.commit()
        raise NotAuthenticated("a valid code from the authenticator app is required (field otp)",
                               "须提供身份验证器中的有效动态验证码（otp）", code="bad_second_factor", field="otp")


def pass_session(row: WebSession) -> None:
    row.second_factor_at = utcnow()


def reset(session: Session, actor: Actor, user: User) -> None:
    """A lost phone: the security administrator clears the enrolment; the user enrols again."""
    if user.totp_secret is None:
        raise InvalidInput("the user has no second factor to reset", "该用户未绑定两步验证", field="user")
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = None, None, None
    audit.record(session, actor, "user.second_factor_reset", object_type="user", object_id=user.id)
