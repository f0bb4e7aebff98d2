"""Initial inventory schema: sites, scans, devices, sightings, status events, meta.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inv_meta",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "inv_site",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "inv_scan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("inv_site.id"), nullable=False, index=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("finished", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("probes", sa.JSON, nullable=False),
        sa.Column("info", sa.JSON, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("device_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "inv_device",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("inv_site.id"), nullable=False, index=True),
        sa.Column("mac", sa.String(17), index=True),
        sa.Column("serial", sa.String(200), index=True),
        sa.Column("onvif_endpoint", sa.String(300)),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("vendor", sa.String(200)),
        sa.Column("platform_vendor", sa.String(200)),
        sa.Column("model", sa.String(200)),
        sa.Column("firmware", sa.String(200)),
        sa.Column("device_type", sa.String(20), nullable=False),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("first_scan_id", sa.Integer, sa.ForeignKey("inv_scan.id"), nullable=False),
        sa.Column("last_scan_id", sa.Integer, sa.ForeignKey("inv_scan.id"), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=False),
    )
    op.create_table(
        "inv_sighting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("inv_scan.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("inv_device.id"), index=True),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("mac", sa.String(17)),
        sa.Column("serial", sa.String(200)),
        sa.Column("onvif_endpoint", sa.String(300)),
        sa.Column("vendor", sa.String(200)),
        sa.Column("platform_vendor", sa.String(200)),
        sa.Column("model", sa.String(200)),
        sa.Column("firmware", sa.String(200)),
        sa.Column("device_type", sa.String(20), nullable=False),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_index("ix_inv_sighting_scan_device", "inv_sighting", ["scan_id", "device_id"])
    op.create_table(
        "inv_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("inv_device.id"), nullable=False, index=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("old", sa.Text, nullable=False),
        sa.Column("new", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("inv_scan.id")),
    )
    op.execute(sa.text("INSERT INTO inv_meta (key, value) VALUES ('app', 'cctv-scan inventory')"))


def downgrade() -> None:
    for table in ("inv_event", "inv_sighting", "inv_device", "inv_scan", "inv_site", "inv_meta"):
        op.drop_table(table)
