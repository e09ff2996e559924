"""A customer as people name him: by the customer number they see (``C0003720``) or by the
internal id the API returns (issue 16: "CLI commands accept the customer number people see").

The customer number wins when a text is both (a company whose numbers are plain digits): it
is what is printed on every page, invoice and list, and an id is only ever copied from the
API. Whitespace around the text is ignored; the number's letters match in any case.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.customers.models import Customer
from valuecenter.errors import InvalidInput
from valuecenter.i18n import gettext as _

MAX_LENGTH = 64


def customer_id_of(session: Session, reference: str, *, field: str = "customer") -> int:
    """The internal id of the customer ``reference`` names; :class:`InvalidInput` on ``field``
    naming what was given when no customer has that number or id."""
    text = reference.strip()
    if not text or len(text) > MAX_LENGTH:
        raise InvalidInput(field, _("give a customer number (e.g. C0003720) or a customer id"))
    found = session.scalar(select(Customer.id).where(Customer.external_id == text))
    if found is None:
        found = session.scalar(
            select(Customer.id).where(func.upper(Customer.external_id) == text.upper()).limit(2)
        )
    if found is None and text.isdigit():
        found = session.scalar(select(Customer.id).where(Customer.id == int(text)))
    if found is None:
        raise InvalidInput(
            field, _("no customer with number or id '%(reference)s'", reference=text)
        )
    return int(found)
