"""Sightings record the switch port a scan with --switch found the device on.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inv_sighting") as batch:
        batch.add_column(sa.Column("switch_port", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inv_sighting") as batch:
        batch.drop_column("switch_port")
