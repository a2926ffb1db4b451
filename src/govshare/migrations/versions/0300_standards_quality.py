"""standards registry (data elements, code tables) and stored quality reports

Revision ID: 0300_standards_quality
Revises: 0001

The shipped elements and code tables are not inserted here: they load through
`govshare.standards.registry.ensure_seeded` on first use, the same code path tests use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0300_standards_quality"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "code_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=60), nullable=False),
        sa.Column("version", sa.String(length=30), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("source_standard", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_table")),
        sa.UniqueConstraint("identifier", "version", name="uq_code_table_identifier_version"),
    )
    op.create_table(
        "code_table_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["table_id"], ["code_table.id"],
                                name=op.f("fk_code_table_entry_table_id_code_table"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_table_entry")),
        sa.UniqueConstraint("table_id", "code", name="uq_code_table_entry_table_id_code"),
    )
    op.create_table(
        "data_element",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=60), nullable=False),
        sa.Column("version", sa.String(length=30), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("data_type", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=True),
        sa.Column("domain_kind", sa.String(length=20), nullable=True),
        sa.Column("domain", sa.String(length=500), nullable=True),
        sa.Column("source_standard", sa.String(length=200), nullable=False),
        sa.Column("personal", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_element")),
        sa.UniqueConstraint("identifier", "version", name="uq_data_element_identifier_version"),
    )
    with op.batch_alter_table("data_element", schema=None) as batch_op:
        batch_op.create_index("ix_data_element_status", ["status"], unique=False)
    op.create_table(
        "quality_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resource_code", sa.String(length=100), nullable=True),
        sa.Column("dataset_version_ref", sa.String(length=100), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("checked_by", sa.String(length=200), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_report")),
    )
    with op.batch_alter_table("quality_report", schema=None) as batch_op:
        batch_op.create_index("ix_quality_report_resource_code", ["resource_code"], unique=False)
        batch_op.create_index("ix_quality_report_checked_at", ["checked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_report", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_report_checked_at")
        batch_op.drop_index("ix_quality_report_resource_code")
    op.drop_table("quality_report")
    with op.batch_alter_table("data_element", schema=None) as batch_op:
        batch_op.drop_index("ix_data_element_status")
    op.drop_table("data_element")
    op.drop_table("code_table_entry")
    op.drop_table("code_table")
