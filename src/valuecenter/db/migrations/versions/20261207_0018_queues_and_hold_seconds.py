"""queues and hold seconds: the queues contacts arrive in, with their service-level target and
opening hours, and the seconds a contact was on hold (issue 20)

``queues`` (code = the contacts' ``queue``, name, department, a contact channel, the target
"share within seconds", opening hours per weekday with a timezone, active) and
``contacts.hold_seconds`` (0 for the contacts already stored).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:48:50
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACT_CHANNELS = ("phone", "chat", "email", "webcare", "sms", "fax", "self-service")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                *CONTACT_CHANNELS, name="queue_channel", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("service_level_share", sa.Float(), nullable=False),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "service_level_seconds > 0", name=op.f("ck_queues_service_level_seconds")
        ),
        sa.CheckConstraint(
            "service_level_share > 0 AND service_level_share <= 1",
            name=op.f("ck_queues_service_level_share"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("code", name=op.f("uq_queues_code")),
    )
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("hold_seconds", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("hold_seconds")
    op.drop_table("queues")
