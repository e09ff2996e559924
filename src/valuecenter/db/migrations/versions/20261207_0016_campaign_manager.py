"""campaign manager: saved selections, vouchers, and the campaign manager's campaign columns

``campaign_selections`` (saved filters over customers and scores), ``campaign_vouchers`` (unique
codes and their redemptions), and on ``campaigns`` the experiment (status, treated share,
pre-registered goal), the selection, budget and costs, the margin share for the ROI, the
exclusions counted at launch and an optional landing page; ``campaign_members.exported_at``.
Imported campaigns leave the new columns empty (the cost columns default to 0).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:13:13.980953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_selections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_campaign_selections_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_selections")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_selections_name")),
    )
    op.create_table(
        "campaign_vouchers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_vouchers_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_campaign_vouchers_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_campaign_vouchers_code")),
    )
    with op.batch_alter_table("campaign_vouchers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_vouchers_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_vouchers_customer_id"), ["customer_id"], unique=False
        )

    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "selection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("budget_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("fixed_cost_cents", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("cost_per_voucher_cents", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("margin_share", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("exclusions", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("landing_slug", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("landing_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("landing_body", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaigns_experiment_id"), ["experiment_id"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_campaigns_landing_slug"), ["landing_slug"])
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_selection_id_campaign_selections"),
            "campaign_selections",
            ["selection_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_created_by_users"), "users", ["created_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_experiment_id_experiments"),
            "experiments",
            ["experiment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_experiment_id_experiments"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_campaigns_created_by_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_selection_id_campaign_selections"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_campaigns_landing_slug"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_campaigns_experiment_id"), type_="unique")
        batch_op.drop_column("created_at")
        batch_op.drop_column("created_by")
        batch_op.drop_column("landing_body")
        batch_op.drop_column("landing_title")
        batch_op.drop_column("landing_slug")
        batch_op.drop_column("exclusions")
        batch_op.drop_column("margin_share")
        batch_op.drop_column("cost_per_voucher_cents")
        batch_op.drop_column("fixed_cost_cents")
        batch_op.drop_column("budget_cents")
        batch_op.drop_column("selection_id")
        batch_op.drop_column("experiment_id")

    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.drop_column("exported_at")

    with op.batch_alter_table("campaign_vouchers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_vouchers_customer_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_vouchers_campaign_id"))

    op.drop_table("campaign_vouchers")
    op.drop_table("campaign_selections")
