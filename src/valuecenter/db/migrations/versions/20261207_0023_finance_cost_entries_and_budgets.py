"""finance cost entries and budgets: the service P&L's entered costs per month (overhead, IT
and telephony, training, other) and the yearly budget or target per P&L line

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 20:37:04.982288
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finance_budgets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("cost", "yield", name="budget_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("line", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_finance_budgets_amount_not_negative")
        ),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_finance_budgets_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_budgets")),
        sa.UniqueConstraint("year", "line", name=op.f("uq_finance_budgets_year_line")),
    )
    op.create_table(
        "finance_cost_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "overhead",
                "it-telephony",
                "training",
                "other",
                name="cost_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "chat",
                "email",
                "webcare",
                "sms",
                "fax",
                "self-service",
                name="cost_channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_cents < 100000000000000", name=op.f("ck_finance_cost_entries_amount_bounded")
        ),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_finance_cost_entries_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_finance_cost_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_cost_entries")),
    )
    with op.batch_alter_table("finance_cost_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finance_cost_entries_month"), ["month"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_finance_cost_entries_team_id"), ["team_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finance_cost_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_cost_entries_team_id"))
        batch_op.drop_index(batch_op.f("ix_finance_cost_entries_month"))

    op.drop_table("finance_cost_entries")
    op.drop_table("finance_budgets")
