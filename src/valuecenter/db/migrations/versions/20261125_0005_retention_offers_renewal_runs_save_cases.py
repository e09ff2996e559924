"""retention offers renewal runs save cases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 08:00:48.691547
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_offers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "discount",
                "free-months",
                "handset",
                "other",
                name="offer_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("discount_share", sa.Float(), nullable=False),
        sa.Column("free_months", sa.Integer(), nullable=False),
        sa.Column("fixed_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("campaign_action", sa.String(length=64), nullable=True),
        sa.Column("prior_uplift", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_offers")),
        sa.UniqueConstraint("code", name=op.f("uq_retention_offers_code")),
    )
    op.create_table(
        "renewal_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("budget_calls", sa.Integer(), nullable=True),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("call_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "score_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["score_run_id"],
            ["score_runs.id"],
            name=op.f("fk_renewal_runs_score_run_id_score_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_runs")),
        sa.UniqueConstraint("run_id", name=op.f("uq_renewal_runs_run_id")),
    )
    op.create_table(
        "renewal_candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "group",
            sa.Enum(
                "listed",
                "over-budget",
                "silent-renewer",
                "lost-cause",
                "not-worth",
                name="renewal_group",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("p_renew", sa.Float(), nullable=False),
        sa.Column("p_renew_offer", sa.Float(), nullable=False),
        sa.Column("uplift", sa.Float(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("net_cents", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_renewal_candidates_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_renewal_candidates_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["retention_offers.id"],
            name=op.f("fk_renewal_candidates_offer_id_retention_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["renewal_runs.id"],
            name=op.f("fk_renewal_candidates_run_id_renewal_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_candidates")),
    )
    with op.batch_alter_table("renewal_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renewal_candidates_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_renewal_candidates_net_cents"), ["net_cents"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_renewal_candidates_run_id"), ["run_id"], unique=False)

    op.create_table(
        "save_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "source",
            sa.Enum(
                "ivr",
                "contact-reason",
                "request",
                name="save_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "arm",
            sa.Enum("desk", "control", name="save_arm", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open", "closed", name="save_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("monthly_fee_cents", sa.BigInteger(), nullable=True),
        sa.Column("risk", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "score_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "suggested_offer_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("suggestion", sa.JSON(), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("offer_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "kept", "cancelled", name="save_outcome", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "handled_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_save_cases_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_save_cases_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_save_cases_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["users.id"], name=op.f("fk_save_cases_handled_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["retention_offers.id"],
            name=op.f("fk_save_cases_offer_id_retention_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["score_run_id"], ["score_runs.id"], name=op.f("fk_save_cases_score_run_id_score_runs")
        ),
        sa.ForeignKeyConstraint(
            ["suggested_offer_id"],
            ["retention_offers.id"],
            name=op.f("fk_save_cases_suggested_offer_id_retention_offers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_save_cases")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_save_cases_contact_id")),
    )
    with op.batch_alter_table("save_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_save_cases_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_save_cases_arm"), ["arm"], unique=False)
        batch_op.create_index(batch_op.f("ix_save_cases_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_save_cases_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_save_cases_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_save_cases_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_save_cases_status_closed_at", ["status", "closed_at"], unique=False
        )
        batch_op.create_index(
            "uq_save_cases_open_customer",
            ["customer_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("save_cases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_save_cases_open_customer",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_save_cases_status_closed_at")
        batch_op.drop_index(batch_op.f("ix_save_cases_status"))
        batch_op.drop_index(batch_op.f("ix_save_cases_opened_at"))
        batch_op.drop_index(batch_op.f("ix_save_cases_customer_id"))
        batch_op.drop_index(batch_op.f("ix_save_cases_closed_at"))
        batch_op.drop_index(batch_op.f("ix_save_cases_arm"))
        batch_op.drop_index(batch_op.f("ix_save_cases_agent_id"))

    op.drop_table("save_cases")
    with op.batch_alter_table("renewal_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_candidates_run_id"))
        batch_op.drop_index(batch_op.f("ix_renewal_candidates_net_cents"))
        batch_op.drop_index(batch_op.f("ix_renewal_candidates_customer_id"))

    op.drop_table("renewal_candidates")
    op.drop_table("renewal_runs")
    op.drop_table("retention_offers")
