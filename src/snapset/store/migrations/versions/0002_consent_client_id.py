"""consent_records.client_id: idempotent consent creation from offline clients

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("consent_records", sa.Column("client_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_consent_records_collector_client",
        "consent_records",
        ["collector_id", "client_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_consent_records_collector_client", table_name="consent_records")
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("client_id")
