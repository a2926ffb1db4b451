"""The department directory (部门): create, edit, list, with GB 32100 codes checked."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.orgs.divisions import division_prefix, require_current
from govshare.orgs.models import Department, User
from govshare.orgs.schemas import DepartmentIn, DepartmentUpdate
from govshare.standards.identifiers import check_uscc


def _checked_uscc(value: str) -> str:
    check = check_uscc(value)
    if not check.ok:
        raise InvalidInput(
            f"uscc: {check.reason}",
            "统一社会信用代码：" + "；".join(p.message_zh for p in check.problems),
            field="uscc",
            details={"value": value, "problems": [p.code for p in check.problems]},
        )
    return check.normalized or value


def _unique(session: Session, uscc: str, division_code: str, name: str, own_id: int | None) -> None:
    clash = session.scalars(
        select(Department).where(
            or_(
                Department.uscc == uscc,
                (Department.division_code == division_code) & (Department.name == name),
            ),
            Department.id != (own_id or 0),
        )
    ).first()
    if clash is None:
        return
    if clash.uscc == uscc:
        raise Conflict(
            f"credit code {uscc} already belongs to {clash.name}",
            f"统一社会信用代码 {uscc} 已属于 {clash.name}",
            field="uscc",
        )
    raise Conflict(
        f"a department named {name} already exists in division {division_code}",
        f"该行政区划内已有名为 {name} 的部门",
        field="name",
    )


def _require_parent(session: Session, parent_id: int | None, own_id: int | None = None) -> None:
    if parent_id is None:
        return
    if parent_id == own_id:
        raise InvalidInput("a department cannot be its own parent", "部门不能以自身为上级", field="parent_id")
    if session.get(Department, parent_id) is None:
        raise InvalidInput(f"parent department {parent_id} does not exist", "上级部门不存在", field="parent_id")


def create_department(session: Session, actor: Actor, data: DepartmentIn) -> Department:
    uscc = _checked_uscc(data.uscc)
    require_current(session, data.division_code)
    _require_parent(session, data.parent_id)
    name = data.name.strip()
    _unique(session, uscc, data.division_code, name, None)
    dept = Department(
        name=name,
        short_name=(data.short_name or "").strip() or None,
        uscc=uscc,
        division_code=data.division_code,
        parent_id=data.parent_id,
        kind=data.kind,
    )
    session.add(dept)
    session.flush()
    audit.record(
        session, actor, "department.create", object_type="department", object_id=dept.id,
        details={"name": dept.name, "uscc": uscc, "division_code": dept.division_code},
    )
    return dept


def update_department(session: Session, actor: Actor, dept_id: int, data: DepartmentUpdate) -> Department:
    dept = get_department(session, dept_id)
    changes = data.model_dump(exclude_unset=True)
    if "uscc" in changes and changes["uscc"] is not None:
        changes["uscc"] = _checked_uscc(changes["uscc"])
    if changes.get("division_code"):
        require_current(session, changes["division_code"])
    if "parent_id" in changes:
        _require_parent(session, changes["parent_id"], dept.id)
    for person_field in ("data_officer_id", "reviewer_id"):
        if changes.get(person_field) is not None:
            _require_member(session, dept, changes[person_field], person_field)
    _unique(
        session,
        changes.get("uscc") or dept.uscc,
        changes.get("division_code") or dept.division_code,
        (changes.get("name") or dept.name).strip(),
        dept.id,
    )
    before = {k: getattr(dept, k) for k in changes}
    for key, value in changes.items():
        setattr(dept, key, value)
    session.flush()
    audit.record(
        session, actor, "department.update", object_type="department", object_id=dept.id,
        details={"before": before, "after": changes},
    )
    return dept


def _require_member(session: Session, dept: Department, user_id: int, field: str) -> None:
    user = session.get(User, user_id)
    if user is None or user.department_id != dept.id:
        raise InvalidInput(
            f"user {user_id} is not a member of {dept.name}",
            f"用户 {user_id} 不属于 {dept.name}",
            field=field,
        )


def get_department(session: Session, dept_id: int) -> Department:
    dept = session.get(Department, dept_id)
    if dept is None:
        raise NotFound(f"department {dept_id} does not exist", f"部门 {dept_id} 不存在")
    return dept


def find_department(session: Session, name_or_code: str) -> Department:
    """By id, credit code, name or short name: what people type on a command line."""
    query = select(Department).where(
        or_(
            Department.uscc == name_or_code.upper(),
            Department.name == name_or_code,
            Department.short_name == name_or_code,
        )
    )
    if name_or_code.isdigit():
        query = select(Department).where(Department.id == int(name_or_code))
    found = session.scalars(query).all()
    if len(found) != 1:
        raise NotFound(
            f"no single department matches {name_or_code!r} ({len(found)} found)",
            f"没有唯一匹配 {name_or_code!r} 的部门（找到 {len(found)} 个）",
        )
    return found[0]


def list_departments(
    session: Session,
    division_code: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[Department], int]:
    query = select(Department)
    if division_code:
        query = query.where(Department.division_code.startswith(division_prefix(division_code)))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(Department.name.like(like), Department.short_name.like(like), Department.uscc.like(like))
        )
    if not include_inactive:
        query = query.where(Department.active.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Department.division_code, Department.id).limit(limit).offset(offset)).all()
    return list(rows), total
