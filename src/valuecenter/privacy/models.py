"""The audit log: who read, exported, changed or erased which customer's data, and when.

Ids only (GDPR art. 5(1)(c), data minimisation; art. 30 and 32 ask for the record): the user's
id, the customer's internal id, what was done, the route template or the command (never a
query string, a name or a value) and the time. ``customer_id`` has no foreign key: the log
outlives an erasure (the id is then an anonymous one) and a list read names no customer.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from valuecenter.db.base import Base, BigId, UTCDateTime, utcnow
from valuecenter.db.personal import NOT_PERSONAL
from valuecenter.db.types import str_enum


class AuditAction(enum.StrEnum):
    READ = "read"  # one customer's data shown (a page, an API answer)
    LIST = "list"  # a list of customers shown or exported
    CHANGE = "change"  # something about one customer recorded (a note, a consent, an outcome)
    EXPORT = "export"  # everything about one customer exported (art. 15)
    ERASE = "erase"  # one customer's personal data erased (art. 17)
    OBJECT = "object"  # his objection to direct marketing recorded (art. 21)


class AuditChannel(enum.StrEnum):
    PAGE = "page"
    API = "api"
    CLI = "cli"


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_customer_id_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, "audit_action"))
    channel: Mapped[AuditChannel] = mapped_column(str_enum(AuditChannel, "audit_channel"))
    # "GET /customers/{customer_id}" or "gdpr export": the template, never the values.
    route: Mapped[str] = mapped_column(String(200), info=NOT_PERSONAL)
