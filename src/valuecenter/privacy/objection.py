"""A customer's objection to direct marketing (GDPR art. 21(2) and (3)): from now on his data
is not used for direct marketing on any channel.

Recorded as consent withdrawals (``consent/``): the purpose ``marketing`` on every consent
channel of the vocabulary (``channels.CONSENT_CHANNELS``) and on ``any``, all at one moment and
with one source. The decision engine reads the events on every decision, so the very next one
holds every marketing action back (sales offers, retention offers and loyalty moments are all
marketing; service actions stay). A later opt-in on one channel, given by the customer
himself, takes precedence there as any later event does (``consent/state.py``, rule 1).

Profiling is a purpose of its own here (the models rank service actions too); an objection to
profiling is recorded with ``valuecenter consent record --purpose profiling --withdraw``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from valuecenter import channels
from valuecenter.consent.models import Purpose
from valuecenter.consent.service import record_consent
from valuecenter.db.base import utcnow
from valuecenter.users.models import User

SOURCE = "GDPR art. 21 objection"
MARKETING_PURPOSES = (Purpose.MARKETING,)


@dataclass(frozen=True)
class Objection:
    customer_id: int
    recorded_at: datetime
    withdrawn: list[tuple[str, str]]  # (purpose, channel)


def objection_channels() -> list[str]:
    """Every consent channel and the wildcard ``any``."""
    return list(channels.CONSENT_WORDS)


def record_objection(
    session: Session, customer_id: int, *, viewer: User | None = None
) -> Objection:
    """Withdraw every marketing purpose on every channel for the customer, now (``viewer``:
    a customer he may not see is :class:`NotFound`)."""
    at = utcnow()
    withdrawn = []
    for purpose in MARKETING_PURPOSES:
        for channel in objection_channels():
            record_consent(
                session,
                customer_id=customer_id,
                purpose=purpose,
                channel=channel,
                granted=False,
                source=SOURCE,
                viewer=viewer,
                at=at,
            )
            withdrawn.append((purpose.value, channel))
    return Objection(customer_id, at, withdrawn)
