"""value: the measured risk of every score run (issue 18, point 3)

``score_runs.risk_model`` and ``score_runs.risk_auc``: which risk model the run chose for the
segments' risk axis and its out-of-time AUC; ``customer_scores.risk``: the customer's chance
of leaving within the risk horizon (calibrated on the out-of-time cut) and
``customer_scores.risk_model``, the model it came from (the chosen one, or the next best that
scores him).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("score_runs") as batch:
        batch.add_column(sa.Column("risk_model", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("risk_auc", sa.Float(), nullable=True))
    with op.batch_alter_table("customer_scores") as batch:
        batch.add_column(sa.Column("risk", sa.Float(), nullable=True))
        batch.add_column(sa.Column("risk_model", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_scores") as batch:
        batch.drop_column("risk_model")
        batch.drop_column("risk")
    with op.batch_alter_table("score_runs") as batch:
        batch.drop_column("risk_auc")
        batch.drop_column("risk_model")
