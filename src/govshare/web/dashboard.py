"""What each role sees first: the figures and charts of its own work."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.auditlog.service import events_per_day
from govshare.core.audit import AuditRecord
from govshare.core.auth import Role
from govshare.core.db import utcnow
from govshare.core.i18n import translate
from govshare.orgs.models import ApiClient, ApiToken, Department, DepartmentKind, Division, User, UserRole
from govshare.web.deps import Caller


@dataclass
class Panel:
    label: str
    value: Any
    href: str | None = None


def _count(session: Session, stmt: Any) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _bar(names: list[str], values: list[int]) -> dict[str, Any]:
    return {
        "tooltip": {},
        "grid": {"left": 40, "right": 10, "bottom": 60, "top": 20},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": "#a4161a"}}],
    }


def _pie(pairs: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["35%", "65%"],
                    "data": [{"name": n, "value": v} for n, v in pairs]}],
    }


def _alt(pairs: list[tuple[str, int]]) -> str:
    """Text alternative for a chart: the same figures, for screen readers."""
    return "; ".join(f"{name}: {value}" for name, value in pairs)


def chart(title: str, pairs: list[tuple[str, int]], kind: str = "bar") -> dict[str, Any]:
    """A chart for templates: title key, ECharts option and its text alternative. Capabilities'
    dashboards (the catalog census) draw theirs with it too."""
    option = _pie(pairs) if kind == "pie" else _bar([p[0] for p in pairs], [p[1] for p in pairs])
    return {"title": title, "option": option, "alt": _alt(pairs)}


def _departments_by_division(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Division.name, func.count(Department.id))
        .join(Department, Department.division_code == Division.code)
        .group_by(Division.name)
        .order_by(func.count(Department.id).desc())
    ).all()
    return [(name, n) for name, n in rows]


def _departments_by_kind(session: Session, lang: str) -> list[tuple[str, int]]:
    counts = Counter(session.scalars(select(Department.kind)).all())
    return [(translate(f"kind_{k.value}", lang), counts.get(k, 0)) for k in DepartmentKind if counts.get(k)]


def _users_by_role(session: Session, lang: str) -> list[tuple[str, int]]:
    from govshare.web.templating import role_label

    rows = session.execute(select(UserRole.role, func.count()).group_by(UserRole.role)).all()
    return [(role_label(role, lang), n) for role, n in rows]


def landing(session: Session, caller: Caller, lang: str) -> dict[str, Any]:
    p = caller.principal
    panels: list[Panel] = []
    charts: list[dict[str, Any]] = []
    recent: list[AuditRecord] = []
    if p.has_role(Role.PLATFORM_ADMIN):
        panels += [
            Panel("departments", _count(session, select(Department.id)), "/admin/departments"),
            Panel("users", _count(session, select(User.id)), "/admin/users"),
            Panel("clients", _count(session, select(ApiClient.id)), "/clients"),
        ]
        charts += [
            chart("by_division", _departments_by_division(session)),
            chart("by_kind", _departments_by_kind(session, lang), "pie"),
        ]
    if p.has_role(Role.SECURITY_ADMIN):
        now = utcnow()
        panels += [
            Panel("users", _count(session, select(User.id)), "/admin/users"),
            Panel("locked", _count(session, select(User.id).where(User.locked_until > now)), "/admin/users"),
            Panel("tokens", _count(session, select(ApiToken.id).where(
                ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)), "/clients"),
        ]
        charts.append(chart("by_role", _users_by_role(session, lang), "pie"))
    if p.has_role(Role.AUDIT_ADMIN):
        panels.append(Panel("audit", _count(session, select(AuditRecord.id)), "/audit"))
        charts.append(chart("audit_by_day", events_per_day(session)))
        recent = list(session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(10)))
    if not p.is_platform_wide and p.department_id:
        dept = session.get(Department, p.department_id)
        panels.append(Panel("department", dept.name if dept else "-"))
        panels.append(Panel("clients", _count(session, select(ApiClient.id).where(
            ApiClient.department_id == p.department_id)), "/clients"))
    return {"panels": panels, "charts": charts, "recent": recent}
