"""followup tasks: the closed loop with detractors (one call-back task per detractor answer)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:21:14.713844
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followup_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "survey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                "unreachable",
                "expired",
                name="followup_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "followup_survey_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_followup_tasks_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_followup_tasks_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["followup_survey_id"],
            ["surveys.id"],
            name=op.f("fk_followup_tasks_followup_survey_id_surveys"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_followup_tasks_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_followup_tasks_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_tasks")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_followup_tasks_survey_id")),
    )
    with op.batch_alter_table("followup_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_tasks_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followup_tasks_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_followup_tasks_status_due_at", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followup_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_tasks_status_due_at")
        batch_op.drop_index(batch_op.f("ix_followup_tasks_owner_id"))
        batch_op.drop_index(batch_op.f("ix_followup_tasks_customer_id"))

    op.drop_table("followup_tasks")
