"""node key history: every public signing key the node has used, by key id

Revision ID: 0003_node_keys
Revises: 0002_second_factor
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0003_node_keys"
down_revision: str | None = "0002_second_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = govshare.core.db.UTCDateTime(timezone=True)
RETIREMENTS = ("rotated", "suite_switch", "replaced", "compromised")


def upgrade() -> None:
    op.create_table(
        "node_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("suite", sa.String(length=10), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("valid_from", UTC, nullable=False),
        sa.Column("valid_to", UTC, nullable=True),
        sa.Column("retired_reason", sa.Enum(*RETIREMENTS, name="key_retirement", native_enum=False, length=40),
                  nullable=True),
        sa.Column("retired_note", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_node_key_key_id")),
    )


def downgrade() -> None:
    op.drop_table("node_key")
