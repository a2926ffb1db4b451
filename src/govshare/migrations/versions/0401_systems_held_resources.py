"""systems: held catalog resources become links; "connected to the exchange" is derived

Revision ID: 0401_systems_held_resources
Revises: 0400_systems
Create Date: 2026-11-29 05:45:00

Every code of the free-text list `info_system.resource_codes` becomes a row of
`info_system_resource`. Codes the catalog does not know are kept (the system page shows them
as unresolved) and named in the migration log; `govshare systems resources --unresolved`
lists them afterwards. A code too long to be a catalog code (over 40 characters) cannot be
linked: it is written into the system's history instead, so nothing is lost silently.
The hand-set `exchange_connected` flag is dropped (now derived from the held resources);
where it was set, the system's history says so.
"""

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0401_systems_held_resources"
down_revision: str | None = "0400_systems"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0200_catalog"  # resolves codes against catalog_resource

log = logging.getLogger("alembic.runtime.migration")
ACTOR = "migration 0401"
CODE_LENGTH = 40

systems = sa.table(
    "info_system",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("resource_codes", sa.JSON),
    sa.column("exchange_connected", sa.Boolean),
)
links = sa.table(
    "info_system_resource",
    sa.column("system_id", sa.Integer),
    sa.column("resource_code", sa.String),
    sa.column("linked_at", govshare.core.db.UTCDateTime(timezone=True)),
    sa.column("linked_by", sa.String),
)
changes = sa.table(
    "info_system_change",
    sa.column("system_id", sa.Integer),
    sa.column("at", govshare.core.db.UTCDateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("reason", sa.String),
    sa.column("changes", sa.JSON),
)


def _codes(value: object) -> list[str]:
    if isinstance(value, str):  # SQLite hands JSON back as text through a bare select
        value = json.loads(value or "[]")
    seen: dict[str, None] = {}
    for code in value or []:
        if str(code).strip():
            seen.setdefault(str(code).strip(), None)
    return list(seen)


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite >= 3.35 drops a plain column in place; batch mode would copy the table,
        # which other tables reference.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    op.create_table(
        "info_system_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=CODE_LENGTH), nullable=False),
        sa.Column("linked_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["info_system.id"],
            name=op.f("fk_info_system_resource_system_id_info_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_system_resource")),
        sa.UniqueConstraint("system_id", "resource_code", name="uq_info_system_resource"),
    )
    op.create_index("ix_info_system_resource_code", "info_system_resource", ["resource_code"])

    bind = op.get_bind()
    now = datetime.now(UTC)
    rows, notes = [], []
    for system_id, code, held, connected in bind.execute(
        sa.select(systems.c.id, systems.c.code, systems.c.resource_codes, systems.c.exchange_connected)
    ):
        codes = _codes(held)
        fit = [c for c in codes if len(c) <= CODE_LENGTH]
        rows += [
            {"system_id": system_id, "resource_code": c, "linked_at": now, "linked_by": ACTOR} for c in fit
        ]
        note: dict[str, object] = {}
        if len(fit) < len(codes):
            log.warning("system %s: codes longer than %d characters not linked: %s", code, CODE_LENGTH,
                        [c for c in codes if c not in fit])
            note["resource_codes"] = {"from": codes, "to": fit}
        if connected:
            note["exchange_connected"] = {"from": True, "to": "derived from held resources"}
        if note:
            notes.append({"system_id": system_id, "at": now, "actor": ACTOR,
                          "reason": "held resources linked to the catalog", "changes": note})
    if rows:
        op.bulk_insert(links, rows)
    if notes:
        op.bulk_insert(changes, notes)

    known = {c for (c,) in bind.execute(sa.text("SELECT code FROM catalog_resource"))}
    unresolved = sorted({r["resource_code"] for r in rows} - known)
    if unresolved:
        log.warning(
            "%d held resource code(s) are not in the catalog and stay unresolved "
            "(list them: govshare systems resources --unresolved): %s",
            len(unresolved), ", ".join(unresolved[:20]) + (" …" if len(unresolved) > 20 else ""),
        )

    _drop_column("info_system", "resource_codes")
    _drop_column("info_system", "exchange_connected")


def downgrade() -> None:
    op.add_column("info_system", sa.Column("resource_codes", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "info_system", sa.Column("exchange_connected", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    bind = op.get_bind()
    held: dict[int, list[str]] = {}
    for system_id, code in bind.execute(
        sa.select(links.c.system_id, links.c.resource_code).order_by(links.c.system_id, sa.text("id"))
    ):
        held.setdefault(system_id, []).append(code)
    for system_id, codes in held.items():
        bind.execute(systems.update().where(systems.c.id == system_id).values(resource_codes=codes))
    op.drop_index("ix_info_system_resource_code", table_name="info_system_resource")
    op.drop_table("info_system_resource")
