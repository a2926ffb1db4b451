"""Network migration (设施共建): systems on dedicated business networks (业务专网) moving onto the
e-government intranet or extranet, with a target date and status. When a migration is done
the system's own network changes, and its history keeps the dedicated network it left."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal
from govshare.core.errors import Conflict, InvalidInput, NotFound
from govshare.systems import inventory
from govshare.systems.integration import overdue
from govshare.systems.models import InformationSystem, Network, NetworkMigration, PlanStatus
from govshare.systems.schemas import MigrationEdit, MigrationIn, MigrationStatusIn

TARGETS = (Network.INTRANET, Network.EXTRANET)


def plan(
    session: Session, actor: Actor, principal: Principal, data: MigrationIn
) -> NetworkMigration:
    system = inventory.get_system(session, principal, data.system_id)
    if system.network != Network.DEDICATED:
        raise InvalidInput(
            f"{system.name} is not on a dedicated network",
            f"{system.name} 不在业务专网上",
            field="system_id",
        )
    if data.target not in TARGETS:
        raise InvalidInput(
            "the target must be the intranet or the extranet",
            "迁移目标须为电子政务内网或外网",
            field="target",
        )
    if session.scalar(select(NetworkMigration).where(NetworkMigration.system_id == system.id)):
        raise Conflict(
            f"{system.name} already has a migration plan",
            f"{system.name} 已有迁移计划",
            field="system_id",
        )
    row = NetworkMigration(
        system_id=system.id,
        from_network=system.dedicated_network,
        target=data.target,
        target_date=data.target_date,
        status=PlanStatus.PLANNED,
        note=data.note,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "migration.plan",
        object_type="network_migration",
        object_id=row.id,
        details=data.model_dump(mode="json"),
    )
    return row


def edit(
    session: Session, actor: Actor, principal: Principal, migration_id: int, data: MigrationEdit
) -> NetworkMigration:
    """Change a migration's target, date, status or note. Done moves the system."""
    row = session.get(NetworkMigration, migration_id)
    if row is None:
        raise NotFound(
            f"migration {migration_id} does not exist", f"迁移计划 {migration_id} 不存在"
        )
    system = inventory.get_system(session, principal, row.system_id)
    if row.status == PlanStatus.DONE and data.target not in (None, row.target):
        raise InvalidInput(
            "the migration is done; its target can no longer change",
            "迁移已完成，不能再修改目标网络",
            field="target",
        )
    if data.target is not None:
        if data.target not in TARGETS:
            raise InvalidInput(
                "the target must be the intranet or the extranet",
                "迁移目标须为电子政务内网或外网",
                field="target",
            )
        row.target = data.target
    if data.target_date is not None:
        row.target_date = data.target_date
    if data.note is not None:
        row.note = data.note
    if data.status is not None and data.status != row.status:
        row.status = data.status
        if data.status == PlanStatus.DONE:
            inventory.apply_changes(
                session,
                actor,
                system,
                {"network": row.target, "dedicated_network": ""},
                f"network migration {row.id}",
            )
    session.flush()
    audit.record(
        session,
        actor,
        "migration.edit",
        object_type="network_migration",
        object_id=row.id,
        details={**data.model_dump(mode="json", exclude_unset=True), "status": row.status.value},
    )
    return row


def set_status(
    session: Session, actor: Actor, principal: Principal, migration_id: int, data: MigrationStatusIn
) -> NetworkMigration:
    return edit(
        session, actor, principal, migration_id, MigrationEdit(**data.model_dump(exclude_unset=True))
    )


def list_migrations(session: Session, principal: Principal) -> list[dict[str, Any]]:
    query = inventory.visible(
        select(NetworkMigration, InformationSystem).join(
            InformationSystem, InformationSystem.id == NetworkMigration.system_id
        ),
        principal,
    )
    rows = session.execute(query.order_by(NetworkMigration.target_date, NetworkMigration.id))
    return [
        {
            "id": m.id,
            "system_id": s.id,
            "system_code": s.code,
            "system_name": s.name,
            "department_id": s.department_id,
            "from_network": m.from_network,
            "target": m.target.value,
            "target_date": m.target_date,
            "status": m.status.value,
            "overdue": overdue(m.target_date, m.status),
            "note": m.note,
        }
        for m, s in rows
    ]


def unplanned(session: Session, principal: Principal) -> list[InformationSystem]:
    """Systems still on a dedicated network with no migration plan."""
    planned = select(NetworkMigration.system_id)
    query = inventory.visible(select(InformationSystem), principal).where(
        InformationSystem.network == Network.DEDICATED, InformationSystem.id.not_in(planned)
    )
    return list(session.scalars(query.order_by(InformationSystem.id)))
