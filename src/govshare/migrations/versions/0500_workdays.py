"""workdays: holiday notices entered by the authority

Revision ID: 0500_workdays
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0500_workdays"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.Enum("holiday", "workday", name="day_kind", native_enum=False, length=20),
                  nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("entered_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_notice")),
        sa.UniqueConstraint("day", name="uq_holiday_notice_day"),
    )


def downgrade() -> None:
    op.drop_table("holiday_notice")
