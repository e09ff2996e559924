"""scoreboard goals and settings: goals per person and per role, the leaderboard switch, and
an index on decision_responses.recorded_at (the scoreboard counts today's answers of everyone)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:39:29.731388
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoreboard_goals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "agent",
                "account_manager",
                "manager",
                "admin",
                name="goal_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (role IS NULL)", name=op.f("ck_scoreboard_goals_one_owner")
        ),
        sa.CheckConstraint(
            "offers >= 0 AND accepted >= 0 AND revenue_cents >= 0 AND saves >= 0",
            name=op.f("ck_scoreboard_goals_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_scoreboard_goals_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scoreboard_goals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoreboard_goals")),
        sa.UniqueConstraint("role", name=op.f("uq_scoreboard_goals_role")),
        sa.UniqueConstraint("user_id", name=op.f("uq_scoreboard_goals_user_id")),
    )
    op.create_table(
        "scoreboard_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "leaderboard",
            sa.Enum(
                "off",
                "team",
                "everyone",
                name="leaderboard_mode",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_scoreboard_settings_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoreboard_settings")),
    )
    with op.batch_alter_table("decision_responses", schema=None) as batch_op:
        batch_op.create_index("ix_decision_responses_recorded_at", ["recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_responses_recorded_at")

    op.drop_table("scoreboard_settings")
    op.drop_table("scoreboard_goals")
