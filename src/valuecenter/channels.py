"""The one channel vocabulary: every way the company and a customer reach each other.

Each domain stores a channel from its own subset of :class:`Channel`, named here once, and the
database refuses anything else (CHECK constraints, migration 0008):

- **contacts** — where a service contact took place (:data:`CONTACT_CHANNELS`);
- **campaigns** — how a campaign's message is sent (:data:`CAMPAIGN_CHANNELS`);
  ``direct-mail`` is a mailing by post, ``in-contact`` an offer made by the agent during a
  service contact;
- **consent** — the channels a customer grants or withdraws consent for
  (:data:`CONSENT_CHANNELS`, plus the wildcard :data:`ANY`, "every channel");
- **decisions** (next best action) — where a decision is shown: the contact channels plus the
  web site, the IVR and a letter (:data:`DECISION_CHANNELS`);
- **surveys** — where the survey was answered (:data:`SURVEY_CHANNELS`).

The explicit mapping :data:`CONSENT_CHANNEL_OF` says which consent governs a message on a
channel (an IVR call falls under ``phone``, a direct mailing under ``post``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEBCARE = "webcare"  # public social media answered by the service desk
    SMS = "sms"
    FAX = "fax"
    SELF_SERVICE = "self-service"
    WEB = "web"
    IVR = "ivr"
    POST = "post"
    DIRECT_MAIL = "direct-mail"
    IN_CONTACT = "in-contact"


ANY = "any"  # consent only: the event applies to every channel

CONTACT_CHANNELS: tuple[Channel, ...] = (
    Channel.PHONE,
    Channel.CHAT,
    Channel.EMAIL,
    Channel.WEBCARE,
    Channel.SMS,
    Channel.FAX,
    Channel.SELF_SERVICE,
)
CAMPAIGN_CHANNELS: tuple[Channel, ...] = (
    Channel.DIRECT_MAIL,
    Channel.EMAIL,
    Channel.SMS,
    Channel.PHONE,
    Channel.IN_CONTACT,
)
CONSENT_CHANNELS: tuple[Channel, ...] = (Channel.PHONE, Channel.EMAIL, Channel.SMS, Channel.POST)
DECISION_CHANNELS: tuple[Channel, ...] = (
    *CONTACT_CHANNELS,
    Channel.WEB,
    Channel.IVR,
    Channel.POST,
)
SURVEY_CHANNELS: tuple[Channel, ...] = DECISION_CHANNELS

# Which consent governs a message on a channel: a call from the IVR is a phone call, a direct
# mailing a letter. Channels not listed (chat, web, webcare, an offer made inside a contact the
# customer started …) are governed only by an "any"-channel consent event.
CONSENT_CHANNEL_OF: Mapping[Channel, Channel] = MappingProxyType(
    {
        Channel.PHONE: Channel.PHONE,
        Channel.IVR: Channel.PHONE,
        Channel.EMAIL: Channel.EMAIL,
        Channel.SMS: Channel.SMS,
        Channel.POST: Channel.POST,
        Channel.DIRECT_MAIL: Channel.POST,
    }
)


def values(channels: tuple[Channel, ...]) -> tuple[str, ...]:
    """The stored words of ``channels``, in order."""
    return tuple(c.value for c in channels)


# The words a consent event or a contact-policy rule may name: a consent channel or "any".
CONSENT_WORDS: tuple[str, ...] = (*values(CONSENT_CHANNELS), ANY)
