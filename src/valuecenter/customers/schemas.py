"""Response models of the customer domain: the searchable list and the references to a customer.

The customer 360's models are in ``valuecenter.customer360.schemas``.

Money is integer cents with its currency (never floats); timestamps are UTC-aware.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from valuecenter.customers.models import CustomerKind


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CustomerRef(_Out):
    """A customer as a list row names him (alerts, save cases, renewal candidates)."""

    id: int
    external_id: str = Field(description="The customer id of the source system.")
    name: str | None
    country: str | None
    account_manager: str | None = Field(description="Code of the customer's account manager.")


class Money(_Out):
    amount_cents: int
    currency: str = Field(min_length=3, max_length=3)


class CustomerFilters(BaseModel):
    """What a customer search may narrow by; all optional, all combined with AND."""

    q: str | None = None
    country: str | None = None
    segment: str | None = None
    account_manager: str | None = None


class CustomerListItem(_Out):
    id: int
    customer_id: str = Field(description="The external customer id (from the source system).")
    name: str | None
    kind: CustomerKind
    country: str | None
    language: str | None
    segment: str | None
    account_manager: str | None = Field(description="Code of the account manager, if any.")


class CustomerPage(_Out):
    items: list[CustomerListItem]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class AccountManagerRef(_Out):
    code: str
    name: str | None
