"""Imports every domain's models so ``Base.metadata`` knows all tables (Alembic, tests)."""

from valuecenter.agents.models import Agent, EmployeeSurvey, Team
from valuecenter.alerts.models import Alert, AlertRun, MarketDip
from valuecenter.campaigns.models import Campaign, CampaignMember
from valuecenter.consent.models import Consent
from valuecenter.contacts.models import Case, Contact, ContactReason
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import Base
from valuecenter.demo.truth_models import (
    TruthAgent,
    TruthContact,
    TruthCustomer,
    TruthMarketShock,
    TruthNpsDriver,
    TruthResponse,
    TruthWorld,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.retention.models import (
    RenewalCandidate,
    RenewalRun,
    RetentionOffer,
    SaveCase,
)
from valuecenter.surveys.models import Survey
from valuecenter.users.models import ApiToken, User
from valuecenter.value.models import CustomerScore, ScoreRun

__all__ = [
    "AccountManager",
    "Agent",
    "Alert",
    "AlertRun",
    "ApiToken",
    "Base",
    "Campaign",
    "CampaignMember",
    "Case",
    "Category",
    "Consent",
    "Contact",
    "ContactReason",
    "Contract",
    "Customer",
    "CustomerScore",
    "EmployeeSurvey",
    "MarketDip",
    "Order",
    "OrderLine",
    "Product",
    "RenewalCandidate",
    "RenewalRun",
    "RetentionOffer",
    "SaveCase",
    "ScoreRun",
    "Survey",
    "Team",
    "TruthAgent",
    "TruthContact",
    "TruthCustomer",
    "TruthMarketShock",
    "TruthNpsDriver",
    "TruthResponse",
    "TruthWorld",
    "User",
]
