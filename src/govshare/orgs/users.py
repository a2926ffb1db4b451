"""People: accounts, roles (with 三员分立), lock-out and password changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor, Outcome
from govshare.core.auth import (
    ADMIN_TRIAD,
    ROLE_LABELS,
    Role,
    check_password_strength,
    hash_password,
    password_needs_rehash,
    verify_password,
)
from govshare.core.config import Policy, get_settings
from govshare.core.db import utcnow
from govshare.core.errors import AccountLocked, Conflict, InvalidInput, NotAuthenticated, NotFound
from govshare.orgs.departments import get_department
from govshare.orgs.models import User, UserRole
from govshare.orgs.schemas import UserIn, UserOut


def _policy() -> Policy:
    return get_settings().policy


def check_separation_of_duties(roles: Iterable[Role]) -> None:
    held = ADMIN_TRIAD.intersection(roles)
    if len(held) > 1:
        names_en = ", ".join(ROLE_LABELS[r][1] for r in sorted(held))
        names_zh = "、".join(ROLE_LABELS[r][0] for r in sorted(held))
        raise InvalidInput(
            f"one person cannot hold more than one of the three administrator roles ({names_en})",
            f"三员分立：同一人不能同时担任{names_zh}",
            field="roles",
        )


def create_user(session: Session, actor: Actor, data: UserIn) -> User:
    department = get_department(session, data.department_id)
    roles = frozenset(data.roles)
    check_separation_of_duties(roles)
    check_password_strength(data.password, _policy().password_min_length, data.username)
    if session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"user name {data.username} is taken", f"用户名 {data.username} 已被使用", field="username")
    user = User(
        username=data.username,
        display_name=data.display_name.strip(),
        department_id=department.id,
        password_hash=hash_password(data.password),
        role_rows=[UserRole(role=r) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", object_type="user", object_id=user.id,
        details={"username": user.username, "department_id": department.id, "roles": sorted(roles)},
    )
    return user


def set_roles(session: Session, actor: Actor, user_id: int, roles: Iterable[Role]) -> User:
    user = get_user(session, user_id)
    wanted = frozenset(roles)
    check_separation_of_duties(wanted)
    if actor.user_id == user.id and user.roles & ADMIN_TRIAD != wanted & ADMIN_TRIAD:
        raise InvalidInput(
            "administrators cannot change their own administrator role",
            "管理员不能更改自己的管理员角色",
            field="roles",
        )
    before = sorted(user.roles)
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.roles)
    ]
    session.flush()
    audit.record(
        session, actor, "user.roles", object_type="user", object_id=user.id,
        details={"before": before, "after": sorted(wanted)},
    )
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    user = get_user(session, user_id)
    if actor.user_id == user.id and not active:
        raise InvalidInput("you cannot disable your own account", "不能停用自己的账号", field="active")
    user.active = active
    if not active:
        from govshare.orgs.sessions import end_all_sessions

        end_all_sessions(session, user.id)
    audit.record(session, actor, "user.enable" if active else "user.disable", object_type="user", object_id=user.id)
    return user


def unlock(session: Session, actor: Actor, user_id: int) -> User:
    user = get_user(session, user_id)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.unlock", object_type="user", object_id=user.id)
    return user


def set_password(session: Session, actor: Actor, user_id: int, password: str) -> User:
    user = get_user(session, user_id)
    check_password_strength(password, _policy().password_min_length, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    audit.record(session, actor, "user.password", object_type="user", object_id=user.id)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist", f"用户 {user_id} 不存在")
    return user


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"user {username} does not exist", f"用户 {username} 不存在", field="username")
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def authenticate(session: Session, username: str, password: str, source_ip: str | None) -> User:
    """Checks a password; counts failures and locks the account after too many.

    The same message answers an unknown user and a wrong password, so that the log-in form
    does not tell an attacker which user names exist.
    """
    policy = _policy()
    user = session.scalars(select(User).where(User.username == username)).first()
    attempt = Actor(name=username[:64] or "?", user_id=user.id if user else None,
                    department_id=user.department_id if user else None, source_ip=source_ip)
    bad = NotAuthenticated("wrong user name or password", "用户名或口令错误", code="bad_credentials")

    def refuse(error: Exception, outcome: str, reason: str) -> Exception:
        # A refused log-in must still count and be audited although the request fails,
        # so commit the failure before the caller's unit of work rolls back.
        audit.record(session, attempt, "login", object_type="user", object_id=user.id if user else "",
                     outcome=outcome, details={"reason": reason})
        session.commit()
        return error

    if user is None:
        verify_password(_DUMMY_HASH, password)  # same time as a real check
        raise refuse(bad, Outcome.FAILURE, "unknown user")
    if is_locked(user):
        raise refuse(AccountLocked(
            f"account locked until {user.locked_until:%Y-%m-%d %H:%M} UTC after repeated failures",
            "连续登录失败次数过多，账号已被临时锁定",
        ), Outcome.DENIED, "locked")
    if not user.active or not verify_password(user.password_hash, password):
        user.failed_logins += 1
        reason = "disabled" if not user.active else "wrong password"
        if user.failed_logins >= policy.login_max_failures:
            user.locked_until = utcnow() + timedelta(minutes=policy.lockout_minutes)
            reason += f"; locked after {user.failed_logins} failures"
        raise refuse(bad, Outcome.FAILURE, reason)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, utcnow()
    audit.record(session, attempt, "login", object_type="user", object_id=user.id)
    return user


_DUMMY_HASH = hash_password("not-a-real-password-0")


def list_users(
    session: Session, department_id: int | None = None, q: str | None = None, limit: int = 500, offset: int = 0
) -> tuple[list[User], int]:
    query = select(User)
    if department_id:
        query = query.where(User.department_id == department_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(User.username.like(like), User.display_name.like(like)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.id).limit(limit).offset(offset)).all()
    return list(rows), total


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        department_id=user.department_id,
        department_name=user.department.name,
        roles=sorted(user.roles),
        active=user.active,
        locked=is_locked(user),
        last_login_at=user.last_login_at,
    )
