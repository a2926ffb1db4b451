"""Integration & sharing lists (整合共享清单): per department, which systems merge into which
target "big system" and which connect to the exchange, with deadlines and progress; exported
as the XLSX departments file."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.clock import today
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.systems import exchange_link, inventory
from govshare.systems.models import (
    InformationSystem,
    IntegrationAction,
    IntegrationItem,
    Lifecycle,
    PlanStatus,
)
from govshare.systems.schemas import IntegrationEdit, IntegrationIn, ProgressIn

HEADERS = (
    "序号",
    "系统编号",
    "系统名称",
    "整合方式",
    "目标系统",
    "完成时限",
    "进度（%）",
    "状态",
    "是否逾期",
    "备注",
)
ACTION_ZH = {IntegrationAction.MERGE: "整合并入", IntegrationAction.CONNECT: "接入共享交换平台"}
STATUS_ZH = {
    PlanStatus.PLANNED: "未开始",
    PlanStatus.IN_PROGRESS: "推进中",
    PlanStatus.DONE: "已完成",
    PlanStatus.EXEMPTED: "确需保留",
}


def overdue(deadline: date, status: PlanStatus) -> bool:
    return status in (PlanStatus.PLANNED, PlanStatus.IN_PROGRESS) and deadline < today()


def _check_target(
    session: Session, principal: Principal, system: InformationSystem, target_id: int | None
) -> None:
    if target_id is None or target_id == system.id:
        raise InvalidInput(
            "a merge needs a target system other than itself",
            "整合须指定另一个目标系统",
            field="target_system_id",
        )
    target = inventory.get_system(session, principal, target_id)
    if target.department_id != system.department_id:
        raise InvalidInput(
            "the target must be a system of the same department",
            "目标系统须属于同一部门",
            field="target_system_id",
        )


def add_item(
    session: Session, actor: Actor, principal: Principal, data: IntegrationIn
) -> IntegrationItem:
    system = inventory.get_system(session, principal, data.system_id)
    if data.action == IntegrationAction.MERGE:
        _check_target(session, principal, system, data.target_system_id)
    if session.scalar(
        select(IntegrationItem).where(
            IntegrationItem.system_id == system.id, IntegrationItem.action == data.action
        )
    ):
        raise Conflict(
            f"{system.name} is already on the list for {data.action.value}",
            f"{system.name} 已在清单中",
            field="system_id",
        )
    item = IntegrationItem(
        department_id=system.department_id,
        system_id=system.id,
        action=data.action,
        target_system_id=data.target_system_id if data.action == IntegrationAction.MERGE else None,
        deadline=data.deadline,
        status=PlanStatus.PLANNED,
        note=data.note,
    )
    session.add(item)
    session.flush()
    if data.action == IntegrationAction.MERGE and system.state == Lifecycle.IN_USE:
        inventory.set_state(
            session, actor, system, Lifecycle.INTEGRATING, f"integration item {item.id}"
        )
    audit.record(
        session,
        actor,
        "integration.add",
        object_type="integration_item",
        object_id=item.id,
        details=data.model_dump(mode="json"),
    )
    return item


def _require_connected(session: Session, system: InformationSystem) -> None:
    """A "connect" row is done only when the exchange shows it: a held resource served there."""
    if not exchange_link.connected(session, system):
        raise InvalidInput(
            f"{system.name} is not on the exchange yet: none of its held catalog resources has a "
            "live dataset or an interface there",
            f"{system.name} 尚未接入交换平台：其持有的目录资源在交换平台上均无数据集或接口",
            field="status",
        )


def edit_item(
    session: Session, actor: Actor, principal: Principal, item_id: int, data: IntegrationEdit
) -> IntegrationItem:
    """Change a row: target (merge only), deadline, progress and status, note."""
    item = session.get(IntegrationItem, item_id)
    if item is None:
        raise NotFound(
            f"integration item {item_id} does not exist", f"整合清单条目 {item_id} 不存在"
        )
    system = inventory.get_system(session, principal, item.system_id)
    changes = data.model_dump(exclude_unset=True)
    if "target_system_id" in changes:
        if item.action != IntegrationAction.MERGE:
            raise InvalidInput(
                "only a merge has a target system", "只有整合并入才有目标系统", field="target_system_id"
            )
        _check_target(session, principal, system, data.target_system_id)
        item.target_system_id = data.target_system_id
    if data.deadline is not None:
        item.deadline = data.deadline
    if data.progress is not None:
        item.progress = data.progress
    if data.status is not None:
        item.status = data.status
    elif data.progress is not None:
        item.status = PlanStatus.DONE if data.progress == 100 else PlanStatus.IN_PROGRESS
    if item.status == PlanStatus.DONE:
        if item.action == IntegrationAction.CONNECT:
            _require_connected(session, system)
        item.progress = 100
    if data.note is not None:
        item.note = data.note
    session.flush()
    audit.record(
        session,
        actor,
        "integration.edit",
        object_type="integration_item",
        object_id=item.id,
        details={**data.model_dump(mode="json", exclude_unset=True), "status": item.status.value},
    )
    return item


def update_progress(
    session: Session, actor: Actor, principal: Principal, item_id: int, data: ProgressIn
) -> IntegrationItem:
    return edit_item(
        session, actor, principal, item_id, IntegrationEdit(**data.model_dump(exclude_unset=True))
    )


def list_items(
    session: Session, principal: Principal, department_id: int | None = None
) -> list[dict[str, Any]]:
    target = aliased(InformationSystem)
    query = inventory.visible(
        select(IntegrationItem, InformationSystem, target.name)
        .join(InformationSystem, InformationSystem.id == IntegrationItem.system_id)
        .outerjoin(target, target.id == IntegrationItem.target_system_id),
        principal,
    )
    if department_id:
        query = query.where(IntegrationItem.department_id == department_id)
    rows = session.execute(
        query.order_by(IntegrationItem.department_id, IntegrationItem.deadline, IntegrationItem.id)
    ).all()
    links = exchange_link.Connections(session)
    links.prefetch([s for i, s, _ in rows if i.action == IntegrationAction.CONNECT])
    out = []
    for i, s, t in rows:
        progress, status = i.progress, i.status
        connected = None
        if i.action == IntegrationAction.CONNECT:
            # the exchange decides whether a system is connected, not the form
            connected = links.connected(s)
            if connected and status != PlanStatus.EXEMPTED:
                progress, status = 100, PlanStatus.DONE
            elif not connected and status == PlanStatus.DONE:
                status = PlanStatus.IN_PROGRESS  # was done, its resources left the exchange
                progress = min(progress, 99)
        out.append(
            {
                "id": i.id,
                "department_id": i.department_id,
                "system_id": s.id,
                "system_code": s.code,
                "system_name": s.name,
                "action": i.action.value,
                "target_system_id": i.target_system_id,
                "target_name": t or "",
                "deadline": i.deadline,
                "progress": progress,
                "status": status.value,
                "reported_progress": i.progress,
                "connected": connected,
                "overdue": overdue(i.deadline, status),
                "note": i.note,
            }
        )
    return out


def export_xlsx(items: list[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "整合共享清单"
    sheet.append([title])
    sheet.append(list(HEADERS))
    for n, item in enumerate(items, start=1):
        sheet.append(
            [
                n,
                item["system_code"],
                item["system_name"],
                ACTION_ZH[IntegrationAction(item["action"])],
                item["target_name"],
                item["deadline"],
                item["progress"],
                STATUS_ZH[PlanStatus(item["status"])],
                "是" if item["overdue"] else "否",
                item["note"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def list_xlsx(session: Session, principal: Principal, department_id: int | None = None) -> bytes:
    """The integration & sharing list as filed: one department's, or every visible one."""
    return export_xlsx(list_items(session, principal, department_id), "政务信息系统整合共享清单")
