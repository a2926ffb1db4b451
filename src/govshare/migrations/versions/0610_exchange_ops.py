"""exchange operations: webhook secrets encrypted at rest, delivery claims, job leases

Revision ID: 0610_exchange_ops
Revises: 0600_exchange
Create Date: 2026-11-29 05:50:00

Existing subscription secrets are encrypted in place under the node secret (core.secretbox);
the node secret itself is never written to the database. Downgrading decrypts them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govshare.core.db

revision: str = "0610_exchange_ops"
down_revision: str | None = "0600_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = "exchange_subscription.secret"  # must match exchange.subscriptions.SECRET_CONTEXT


def _rewrite_secrets(convert) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    table = sa.table("exchange_subscription", sa.column("id", sa.Integer), sa.column("secret", sa.String))
    for row_id, secret in bind.execute(sa.select(table.c.id, table.c.secret)).all():
        new = convert(secret)
        if new != secret:
            bind.execute(sa.update(table).where(table.c.id == row_id).values(secret=new))


def upgrade() -> None:
    from govshare.core import secretbox

    with op.batch_alter_table("exchange_subscription") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=100), type_=sa.String(length=400),
                           existing_nullable=False)
    _rewrite_secrets(lambda s: s if secretbox.is_encrypted(s) else secretbox.encrypt(s, CONTEXT))
    with op.batch_alter_table("exchange_delivery") as batch:
        batch.add_column(sa.Column("claimed_until", govshare.core.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=False, server_default=""))
    op.create_table(
        "exchange_job",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("lease_until", govshare.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", govshare.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", govshare.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exchange_job")),
    )


def downgrade() -> None:
    from govshare.core import secretbox

    op.drop_table("exchange_job")
    with op.batch_alter_table("exchange_delivery") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("claimed_until")
    _rewrite_secrets(lambda s: secretbox.decrypt(s, CONTEXT) if secretbox.is_encrypted(s) else s)
    with op.batch_alter_table("exchange_subscription") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=400), type_=sa.String(length=100),
                           existing_nullable=False)
