"""truth tables leave the schema: the demo's truth_* tables get their own metadata

A real company's database holds no simulated truth: the ``truth_*`` tables now belong to the
demo (``demo/truth_models.py``), which creates them when it loads a world. This migration drops
them from a database where no world was loaded (``truth_worlds`` missing or empty). Where a
demo world was loaded before, they hold its truth and stay as the demo's own tables (the same
definition the demo creates), so upgrading a demo database loses nothing. The downgrade
re-creates whichever of them are missing, as migrations 0002 and 0006 defined them.

Revision ID: 0007
Revises: 0011
Create Date: 2026-12-06 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRUTH_TABLES = (
    "truth_agents",
    "truth_contacts",
    "truth_customers",
    "truth_market_shocks",
    "truth_nps_drivers",
    "truth_products",
    "truth_responses",
    "truth_worlds",
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _tables(metadata: sa.MetaData) -> list[sa.Table]:
    """The truth tables as migrations 0002 and 0006 left them."""
    return [
        sa.Table(
            "truth_agents",
            metadata,
            _id(),
            sa.Column("agent_id", sa.String(length=64), nullable=False),
            sa.Column("team", sa.String(length=64), nullable=False),
            sa.Column("team_climate", sa.Float(), nullable=False),
            sa.Column("engagement", sa.Float(), nullable=False),
            sa.Column("quality", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_truth_agents"),
            sa.UniqueConstraint("agent_id", name="uq_truth_agents_agent_id"),
        ),
        sa.Table(
            "truth_contacts",
            metadata,
            _id(),
            sa.Column("contact_id", sa.String(length=64), nullable=False),
            sa.Column("need", sa.String(length=32), nullable=False),
            sa.Column("origin", sa.String(length=16), nullable=False),
            sa.Column("avoidable", sa.Boolean(), nullable=False),
            sa.Column("true_resolved", sa.Boolean(), nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_truth_contacts"),
            sa.UniqueConstraint("contact_id", name="uq_truth_contacts_contact_id"),
        ),
        sa.Table(
            "truth_customers",
            metadata,
            _id(),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("value_potential", sa.Float(), nullable=False),
            sa.Column("order_rate", sa.Float(), nullable=False),
            sa.Column("contact_rate", sa.Float(), nullable=False),
            sa.Column("satisfaction", sa.Float(), nullable=False),
            sa.Column("offer_sensitivity", sa.Float(), nullable=False),
            sa.Column("response_type", sa.String(length=16), nullable=False),
            sa.Column("channel_pref", sa.String(length=16), nullable=False),
            sa.Column("churn_date", sa.Date(), nullable=True),
            sa.Column("churn_cause", sa.String(length=32), nullable=True),
            sa.Column("decline_days", sa.Integer(), nullable=False),
            sa.Column("basket_lines", sa.Float(), nullable=True),
            sa.Column("favourites", sa.String(length=200), nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_truth_customers"),
            sa.UniqueConstraint("customer_id", name="uq_truth_customers_customer_id"),
        ),
        sa.Table(
            "truth_market_shocks",
            metadata,
            _id(),
            sa.Column("scenario", sa.String(length=32), nullable=False),
            sa.Column("country", sa.String(length=8), nullable=True),
            sa.Column("starts", sa.Date(), nullable=False),
            sa.Column("ends", sa.Date(), nullable=False),
            sa.Column("order_factor", sa.Float(), nullable=False),
            sa.Column("churn_factor", sa.Float(), nullable=False),
            sa.Column("contact_factor", sa.Float(), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_truth_market_shocks"),
        ),
        sa.Table(
            "truth_nps_drivers",
            metadata,
            _id(),
            sa.Column("driver", sa.String(length=64), nullable=False),
            sa.Column("effect", sa.Float(), nullable=False),
            sa.Column("unit", sa.String(length=64), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id", name="pk_truth_nps_drivers"),
            sa.UniqueConstraint("driver", name="uq_truth_nps_drivers_driver"),
        ),
        sa.Table(
            "truth_products",
            metadata,
            _id(),
            sa.Column("product_id", sa.String(length=64), nullable=False),
            sa.Column("category", sa.String(length=64), nullable=False),
            sa.Column("popularity", sa.Float(), nullable=False),
            sa.Column("list_price_cents", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_truth_products"),
            sa.UniqueConstraint("product_id", name="uq_truth_products_product_id"),
        ),
        sa.Table(
            "truth_responses",
            metadata,
            _id(),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("action", sa.String(length=32), nullable=False),
            sa.Column("p_control", sa.Float(), nullable=False),
            sa.Column("p_treated", sa.Float(), nullable=False),
            sa.Column("u", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_truth_responses"),
            sa.UniqueConstraint(
                "customer_id", "action", name="uq_truth_responses_customer_id_action"
            ),
        ),
        sa.Table(
            "truth_worlds",
            metadata,
            _id(),
            sa.Column("preset", sa.String(length=32), nullable=False),
            sa.Column("seed", sa.Integer(), nullable=False),
            sa.Column("customers", sa.Integer(), nullable=False),
            sa.Column("starts", sa.Date(), nullable=False),
            sa.Column("ends", sa.Date(), nullable=False),
            sa.Column("scenarios", sa.String(length=200), nullable=False),
            sa.Column("generator", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_truth_worlds"),
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names()) & set(TRUTH_TABLES)
    if "truth_worlds" in present:
        worlds = bind.execute(sa.text("SELECT count(*) FROM truth_worlds")).scalar_one()
        if worlds:
            return  # a demo world's truth: the demo's own tables from now on
    for name in sorted(present):
        op.drop_table(name)


def downgrade() -> None:
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    for table in _tables(sa.MetaData()):
        if table.name not in present:
            table.create(bind)
