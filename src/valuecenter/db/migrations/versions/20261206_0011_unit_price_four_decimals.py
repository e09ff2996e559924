"""unit prices with four decimals: order_lines.unit_price_ten_thousandths and total_cents

A unit price is stored in integer ten-thousandths of the currency unit (was whole cents) and
each line keeps its total in cents (``quantity × unit price``, rounded half away from zero),
so prices such as 0.001 import and every money sum stays exact integer cents. Existing rows
convert exactly: ten-thousandths = cents × 100, total = quantity × cents. Downgrading rounds
each unit price to whole cents (half away from zero), which loses the extra decimals.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_price_ten_thousandths", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("total_cents", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE order_lines SET unit_price_ten_thousandths = unit_price_cents * 100, "
        "total_cents = quantity * unit_price_cents"
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column(
            "unit_price_ten_thousandths", existing_type=sa.BigInteger(), nullable=False
        )
        batch_op.alter_column("total_cents", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("unit_price_cents")


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_price_cents", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE order_lines SET unit_price_cents = CASE WHEN unit_price_ten_thousandths < 0 "
        "THEN -((-unit_price_ten_thousandths + 50) / 100) "
        "ELSE (unit_price_ten_thousandths + 50) / 100 END"
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column("unit_price_cents", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("total_cents")
        batch_op.drop_column("unit_price_ten_thousandths")
