"""catalog: census snapshots; items' data-element codes moved to the standards registry's identifiers

Revision ID: 0201_catalog_census_elements
Revises: 0200_catalog
Create Date: 2026-11-29 06:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0201_catalog_census_elements"
down_revision: str | None = "0200_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalog's former seed codes → the standards registry element of the same name (or of the
# seed's alias: 联系电话 was also 手机号码). 成立日期 (DE0012) has no registry element: cleared.
# Frozen here: the application's own table (catalog.elements.LEGACY_CODES) may grow later.
ELEMENT_CODES = {
    "DE0001": "DE0101",
    "DE0002": "DE0102",
    "DE0003": "DE0103",
    "DE0004": "DE0105",
    "DE0005": "DE0104",
    "DE0006": "DE0201",
    "DE0007": "DE0202",
    "DE0008": "DE0106",
    "DE0009": "DE0204",
    "DE0010": "DE0107",
    "DE0011": "DE0108",
    "DE0012": "",
}


def upgrade() -> None:
    op.create_table(
        "catalog_census_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("taken_at", govshare.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("by_department", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_census_snapshot")),
    )
    op.create_index("ix_catalog_census_snapshot_period", "catalog_census_snapshot", ["period"])
    item = sa.table("catalog_item", sa.column("element_code", sa.String))
    for old, new in ELEMENT_CODES.items():
        op.execute(item.update().where(item.c.element_code == old).values(element_code=new))


def downgrade() -> None:
    # Element codes stay the registry's: items that had them before (base libraries) cannot be
    # told apart from rewritten ones, and the former code read registry codes too.
    op.drop_index("ix_catalog_census_snapshot_period", table_name="catalog_census_snapshot")
    op.drop_table("catalog_census_snapshot")
