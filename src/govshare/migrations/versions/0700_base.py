"""base: certificate types, certificates and revocations (电子证照)

Revision ID: 0700_base
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0700_base"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0200_catalog"  # references catalog_resource

UTC = govshare.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "base_certificate_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("holder_kind", sa.String(length=20), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=True),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["department.id"],
                                name=op.f("fk_base_certificate_type_issuer_id_department")),
        sa.ForeignKeyConstraint(["resource_id"], ["catalog_resource.id"],
                                name=op.f("fk_base_certificate_type_resource_id_catalog_resource")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_certificate_type")),
        sa.UniqueConstraint("code", name=op.f("uq_base_certificate_type_code")),
    )
    op.create_table(
        "base_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("issuer_code", sa.String(length=18), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("trust_grade", sa.String(length=1), nullable=False),
        sa.Column("suite", sa.String(length=10), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["base_certificate_type.id"],
                                name=op.f("fk_base_certificate_type_id_base_certificate_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_certificate")),
        sa.UniqueConstraint("identifier", name=op.f("uq_base_certificate_identifier")),
        sa.UniqueConstraint("type_id", "serial", name="uq_base_certificate_type_serial"),
    )
    op.create_index("ix_base_certificate_holder", "base_certificate", ["holder_code"])
    op.create_table(
        "base_certificate_revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", UTC, nullable=False),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["base_certificate.id"],
                                name=op.f("fk_base_certificate_revocation_certificate_id_base_certificate")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_certificate_revocation")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_base_certificate_revocation_certificate_id")),
    )


def downgrade() -> None:
    op.drop_table("base_certificate_revocation")
    op.drop_index("ix_base_certificate_holder", table_name="base_certificate")
    op.drop_table("base_certificate")
    op.drop_table("base_certificate_type")
