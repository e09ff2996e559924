"""The tables the importer writes, from the models of the domains that own them.

The importer writes the core domains' and the records' tables and nothing else, so it imports
only their models — not the whole table registry (``valuecenter.models``), which would make it
import every feature. A table is looked up here by name; a name the importer does not write is
a programming error (``KeyError``).
"""

from __future__ import annotations

from types import MappingProxyType

from sqlalchemy import Table

from valuecenter.agents.models import Agent, EmployeeSurvey, Team
from valuecenter.campaigns.models import Campaign, CampaignMember
from valuecenter.consent.models import Consent, DoNotCall
from valuecenter.contacts.models import Case, Contact, ContactReason, Queue
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import Base
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.surveys.models import Survey

_MODELS: tuple[type[Base], ...] = (
    AccountManager,
    Agent,
    Campaign,
    CampaignMember,
    Case,
    Category,
    Consent,
    Contact,
    ContactReason,
    Contract,
    Customer,
    DoNotCall,
    EmployeeSurvey,
    Order,
    OrderLine,
    Product,
    Queue,
    Survey,
    Team,
)

TABLES: MappingProxyType[str, Table] = MappingProxyType(
    {t.name: t for t in (Base.metadata.tables[m.__tablename__] for m in _MODELS)}
)


def table(name: str) -> Table:
    """The importer's table called ``name``."""
    return TABLES[name]
