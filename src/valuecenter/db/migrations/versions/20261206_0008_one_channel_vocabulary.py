"""one channel vocabulary: CHECK constraints on the channel columns that were free strings

``valuecenter/channels.py`` holds the one channel vocabulary and each domain's subset. The
columns that took any string now refuse a word outside their subset: ``decisions.channel`` and
``decision_responses.channel`` (the decision channels), ``contact_policy_rules.channel`` (a
consent channel or ``any``) and ``surveys.channel`` (the survey channels). The code already
wrote only such words to the first three. Survey channels came from files as free text: they
are lower-cased and trimmed, ``self_service``/``selfservice`` become ``self-service``, and a
word outside the vocabulary (which no page or model could use) becomes NULL.

The lists are written out here (migrations do not import application code).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISION_CHANNELS = (
    "phone",
    "chat",
    "email",
    "webcare",
    "sms",
    "fax",
    "self-service",
    "web",
    "ivr",
    "post",
)
SURVEY_CHANNELS = DECISION_CHANNELS
POLICY_CHANNELS = ("phone", "email", "sms", "post", "any")

# (table, constraint name as the models' naming convention makes it, allowed words)
CHECKS = (
    ("decisions", "ck_decisions_decision_channel", DECISION_CHANNELS),
    ("decision_responses", "ck_decision_responses_decision_channel", DECISION_CHANNELS),
    ("contact_policy_rules", "ck_contact_policy_rules_policy_channel", POLICY_CHANNELS),
    ("surveys", "ck_surveys_survey_channel", SURVEY_CHANNELS),
)


def _in(words: tuple[str, ...]) -> str:
    return "channel IN (" + ", ".join(f"'{w}'" for w in words) + ")"


def upgrade() -> None:
    op.execute("UPDATE surveys SET channel = lower(trim(channel)) WHERE channel IS NOT NULL")
    op.execute(
        "UPDATE surveys SET channel = 'self-service' WHERE channel IN ('self_service', 'selfservice')"
    )
    op.execute(f"UPDATE surveys SET channel = NULL WHERE NOT ({_in(SURVEY_CHANNELS)})")
    for table, name, words in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(name), _in(words))


def downgrade() -> None:
    for table, name, _words in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
