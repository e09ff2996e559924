"""The table registry: imports every domain's models so ``Base.metadata`` knows all tables.

Alembic's environment (``db/migrations/env.py``) and the tests use it. It lives at the top of
the package, beside ``__main__``, not in ``db``: the infrastructure imports no domain (a
layers contract in pyproject.toml), and nothing in the package imports this module. The
demo's ``truth_*`` tables are not here: they have their own metadata (``demo/truth_models.py``).
"""

from valuecenter.agents.models import Agent, EmployeeSurvey, Team
from valuecenter.alerts.models import Alert, AlertRun, MarketDip
from valuecenter.campaigns.models import (
    Campaign,
    CampaignMember,
    CampaignSelection,
    CampaignVoucher,
)
from valuecenter.consent.models import Consent, DoNotCall
from valuecenter.contacts.models import Case, Contact, ContactReason, Queue
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import AccountManager, Customer
from valuecenter.db.base import Base
from valuecenter.db.secrets import InstallSecret
from valuecenter.experiments.models import Experiment, ExperimentAssignment, ExperimentStratum
from valuecenter.finance.models import Budget, CostEntry
from valuecenter.offers.models import (
    Action,
    ContactPolicyRule,
    CustomerFeatures,
    Decision,
    DecisionResponse,
    EngineSettings,
    Lever,
    PropensityModel,
)
from valuecenter.orders.models import Order, OrderLine
from valuecenter.privacy.models import AuditEntry
from valuecenter.products.models import Category, Product
from valuecenter.quality.models import FollowupTask
from valuecenter.retention.models import (
    RenewalCandidate,
    RenewalRun,
    RetentionOffer,
    SaveCase,
)
from valuecenter.routing.models import (
    AgentPresence,
    RoutingDecision,
    RoutingRule,
    RoutingSettings,
)
from valuecenter.scoreboard.models import ScoreboardGoal, ScoreboardSettings
from valuecenter.surveys.models import Survey
from valuecenter.users.models import ApiToken, LoginFailures, User, UserSession
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.workforce.models import (
    AgentSkill,
    ForecastPoint,
    ForecastRun,
    PeakDay,
    ScheduleEntry,
    Shift,
    StaffingInterval,
    StaffingPlan,
    StaffingSettings,
)

__all__ = [
    "AccountManager",
    "Action",
    "Agent",
    "AgentPresence",
    "AgentSkill",
    "Alert",
    "AlertRun",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Budget",
    "Campaign",
    "CampaignMember",
    "CampaignSelection",
    "CampaignVoucher",
    "Case",
    "Category",
    "Consent",
    "Contact",
    "ContactPolicyRule",
    "ContactReason",
    "Contract",
    "CostEntry",
    "Customer",
    "CustomerFeatures",
    "CustomerScore",
    "Decision",
    "DecisionResponse",
    "DoNotCall",
    "EmployeeSurvey",
    "EngineSettings",
    "Experiment",
    "ExperimentAssignment",
    "ExperimentStratum",
    "FollowupTask",
    "ForecastPoint",
    "ForecastRun",
    "InstallSecret",
    "Lever",
    "LoginFailures",
    "MarketDip",
    "Order",
    "OrderLine",
    "PeakDay",
    "Product",
    "PropensityModel",
    "Queue",
    "RenewalCandidate",
    "RenewalRun",
    "RetentionOffer",
    "RoutingDecision",
    "RoutingRule",
    "RoutingSettings",
    "SaveCase",
    "ScheduleEntry",
    "ScoreRun",
    "ScoreboardGoal",
    "ScoreboardSettings",
    "Shift",
    "StaffingInterval",
    "StaffingPlan",
    "StaffingSettings",
    "Survey",
    "Team",
    "User",
    "UserSession",
]
