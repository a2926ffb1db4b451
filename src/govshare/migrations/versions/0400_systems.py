"""systems: inventory, metrics, census, zombie audit, cases, integration, migration

Revision ID: 0400_systems
Revises: 0001
Create Date: 2026-11-29 02:53:57.211869
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0400_systems"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only the systems capability's tables (autogenerate output pruned to them).
    op.create_table(
        "zombie_audit_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("systems", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zombie_audit_run")),
    )
    op.create_table(
        "census_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("systems", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "returned",
                name="census_return_status",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_census_return_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_return")),
    )
    op.create_table(
        "info_system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("function", sa.Text(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("scope_departments", sa.Integer(), nullable=False),
        sa.Column("scope_regions", sa.String(length=200), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "daily",
                "weekly",
                "monthly",
                "rarely",
                name="system_frequency",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("approving_department", sa.String(length=200), nullable=False),
        sa.Column("approval_date", sa.Date(), nullable=True),
        sa.Column("funding_source", sa.String(length=100), nullable=False),
        sa.Column("builder", sa.String(length=200), nullable=False),
        sa.Column("contractor", sa.String(length=200), nullable=False),
        sa.Column("om_unit", sa.String(length=200), nullable=False),
        sa.Column("om_contract_expiry", sa.Date(), nullable=True),
        sa.Column("build_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("om_cost_yearly", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column(
            "network",
            sa.Enum(
                "intranet",
                "extranet",
                "dedicated",
                "internet",
                name="system_network",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("dedicated_network", sa.String(length=100), nullable=False),
        sa.Column("mlps_level", sa.Integer(), nullable=True),
        sa.Column("hosting", sa.String(length=100), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "planned",
                "in_use",
                "integrating",
                "retiring",
                "retired",
                name="system_lifecycle",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("business_retired", sa.Boolean(), nullable=False),
        sa.Column("linked_codes", sa.JSON(), nullable=False),
        sa.Column("resource_codes", sa.JSON(), nullable=False),
        sa.Column("exchange_connected", sa.Boolean(), nullable=False),
        sa.Column("created_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_info_system_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_system")),
        sa.UniqueConstraint("code", name=op.f("uq_info_system_code")),
        sa.UniqueConstraint("department_id", "name", name="uq_info_system_department_name"),
    )
    with op.batch_alter_table("info_system", schema=None) as batch_op:
        batch_op.create_index("ix_info_system_state", ["state"], unique=False)

    op.create_table(
        "info_system_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["info_system.id"],
            name=op.f("fk_info_system_change_system_id_info_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_system_change")),
    )
    with op.batch_alter_table("info_system_change", schema=None) as batch_op:
        batch_op.create_index("ix_info_system_change_system_id", ["system_id"], unique=False)

    op.create_table(
        "integration_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("merge", "connect", name="integration_action", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("target_system_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "exempted",
                name="integration_status",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_integration_item_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["info_system.id"],
            name=op.f("fk_integration_item_system_id_info_system"),
        ),
        sa.ForeignKeyConstraint(
            ["target_system_id"],
            ["info_system.id"],
            name=op.f("fk_integration_item_target_system_id_info_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_item")),
        sa.UniqueConstraint("system_id", "action", name="uq_integration_item_system_action"),
    )
    with op.batch_alter_table("integration_item", schema=None) as batch_op:
        batch_op.create_index("ix_integration_item_department_id", ["department_id"], unique=False)

    op.create_table(
        "network_migration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("from_network", sa.String(length=100), nullable=False),
        sa.Column(
            "target",
            sa.Enum(
                "intranet",
                "extranet",
                "dedicated",
                "internet",
                name="migration_target",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "exempted",
                name="migration_status",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["info_system.id"],
            name=op.f("fk_network_migration_system_id_info_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_migration")),
        sa.UniqueConstraint("system_id", name=op.f("uq_network_migration_system_id")),
    )
    op.create_table(
        "system_metric",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("active_users", sa.Integer(), nullable=False),
        sa.Column("logins", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("data_changes", sa.Integer(), nullable=False),
        sa.Column("cpu_pct", sa.Float(), nullable=False),
        sa.Column("memory_pct", sa.Float(), nullable=False),
        sa.Column("storage_gb", sa.Float(), nullable=False),
        sa.Column("network_bytes", sa.BigInteger(), nullable=False),
        sa.Column("deployments", sa.Integer(), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["info_system.id"], name=op.f("fk_system_metric_system_id_info_system")
        ),
        sa.PrimaryKeyConstraint("system_id", "day", name=op.f("pk_system_metric")),
    )
    op.create_table(
        "zombie_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("overall", sa.Float(), nullable=False),
        sa.Column("flagged_rules", sa.JSON(), nullable=False),
        sa.Column("time_class", sa.String(length=1), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["zombie_audit_run.id"],
            name=op.f("fk_zombie_assessment_run_id_zombie_audit_run"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["info_system.id"],
            name=op.f("fk_zombie_assessment_system_id_info_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zombie_assessment")),
    )
    with op.batch_alter_table("zombie_assessment", schema=None) as batch_op:
        batch_op.create_index("ix_zombie_assessment_run_id", ["run_id"], unique=False)
        batch_op.create_index("ix_zombie_assessment_system_id", ["system_id"], unique=False)

    op.create_table(
        "zombie_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "confirmed",
                "dismissed",
                "deferral_requested",
                "retiring",
                "retired",
                name="zombie_case_status",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deferral_reason", sa.Text(), nullable=False),
        sa.Column("deferral_until", sa.Date(), nullable=True),
        sa.Column("switch_off_date", sa.Date(), nullable=True),
        sa.Column("data_destination", sa.String(length=300), nullable=False),
        sa.Column("archive", sa.String(length=300), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("opened_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["zombie_assessment.id"],
            name=op.f("fk_zombie_case_assessment_id_zombie_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["info_system.id"], name=op.f("fk_zombie_case_system_id_info_system")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zombie_case")),
    )
    with op.batch_alter_table("zombie_case", schema=None) as batch_op:
        batch_op.create_index("ix_zombie_case_status", ["status"], unique=False)
        batch_op.create_index("ix_zombie_case_system_id", ["system_id"], unique=False)


def downgrade() -> None:
    # Only the systems capability's tables (autogenerate output pruned to them).
    with op.batch_alter_table("zombie_case", schema=None) as batch_op:
        batch_op.drop_index("ix_zombie_case_system_id")
        batch_op.drop_index("ix_zombie_case_status")

    op.drop_table("zombie_case")
    with op.batch_alter_table("zombie_assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_zombie_assessment_system_id")
        batch_op.drop_index("ix_zombie_assessment_run_id")

    op.drop_table("zombie_assessment")
    op.drop_table("system_metric")
    op.drop_table("network_migration")
    with op.batch_alter_table("integration_item", schema=None) as batch_op:
        batch_op.drop_index("ix_integration_item_department_id")

    op.drop_table("integration_item")
    with op.batch_alter_table("info_system_change", schema=None) as batch_op:
        batch_op.drop_index("ix_info_system_change_system_id")

    op.drop_table("info_system_change")
    with op.batch_alter_table("info_system", schema=None) as batch_op:
        batch_op.drop_index("ix_info_system_state")

    op.drop_table("info_system")
    op.drop_table("census_return")
    op.drop_table("zombie_audit_run")
