"""What agent attrition costs a contact center a year, and what less of it saves.

Every agent who leaves is replaced by a hire who is recruited, trained before taking calls and
slower in his first weeks on the floor. Per replacement (all amounts in integer cents):

- **recruitment**: advertising, selection and onboarding, a fixed amount per hire;
- **training**: the trainee's paid hours during the initial training (``training_weeks`` ×
  ``hours_per_week`` × the agent's hourly cost) plus his share of the trainer
  (the same hours × the trainer's hourly cost ÷ ``trainees_per_trainer``);
- **ramp-up**: in his first ``ramp_up_weeks`` on the floor a new agent handles on average
  ``ramp_up_productivity`` of an experienced agent's contacts, so the missing share of those
  hours must be paid again to someone else.

Yearly cost = leavers × cost per replacement, leavers = agents × annual attrition. The saving
"per 10% less attrition" reads the seeds' sentence as ten percentage points (a 35% attrition
falling to 25%): 10% of the agents fewer leavers a year; a relative reading (35% → 31.5%) is
given by :func:`saving` with ``relative=True``.

The seeds' case (seed 004, "De kosten van verloop"): a contact center of 250 agents taking
330,000 inbound calls a month with three weeks of full-time initial training saves roughly
€100,000 a year per 10% less attrition. :data:`SEED_CASE` states the assumptions under which
this module reproduces it (docs/staffing.md): 36 paid hours a week at €22 an hour (a loaded
Dutch contact-center wage), a trainer at €40 an hour for twelve trainees, €500 of recruitment
per hire and four weeks on the floor at 75% productivity → €4,028 per replacement, 25 fewer
leavers → €100,700 a year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from valuecenter.analytics.errors import InputError
from valuecenter.i18n import N_


@dataclass(frozen=True)
class AttritionInputs:
    """The contact center and what one replacement takes (money in cents a unit)."""

    agents: int
    attrition_rate: float  # leavers a year ÷ agents (0.3 = 30%)
    training_weeks: float = 3.0
    hours_per_week: float = 36.0
    agent_cost_per_hour_cents: int = 2_200
    trainer_cost_per_hour_cents: int = 4_000
    trainees_per_trainer: float = 12.0
    recruitment_cost_cents: int = 50_000
    ramp_up_weeks: float = 4.0
    ramp_up_productivity: float = 0.75  # share of an experienced agent's output while ramping up


@dataclass(frozen=True)
class ReplacementCost:
    """What one leaver costs, by part (cents)."""

    recruitment_cents: int
    trainee_hours_cents: int
    trainer_cents: int
    ramp_up_cents: int

    @property
    def total_cents(self) -> int:
        return (
            self.recruitment_cents
            + self.trainee_hours_cents
            + self.trainer_cents
            + self.ramp_up_cents
        )


@dataclass(frozen=True)
class AttritionCost:
    """The yearly cost of attrition and the saving of ten points less of it."""

    inputs: AttritionInputs
    per_replacement: ReplacementCost
    leavers_per_year: float
    yearly_cost_cents: int
    saving_per_10_points_cents: int  # 10 percentage points less attrition (35% → 25%)
    saving_per_10_percent_cents: int  # 10% less of the current rate (35% → 31.5%)


def _check(inputs: AttritionInputs) -> None:
    if not 0 < inputs.agents <= 1_000_000:
        raise InputError(N_("agents: must be a whole number from 1 to 1,000,000"))
    if not (math.isfinite(inputs.attrition_rate) and 0 <= inputs.attrition_rate <= 5):
        raise InputError(N_("attrition_rate: must be a share from 0 to 5 (0.3 = 30% a year)"))
    for name, value, high in (
        ("training_weeks", inputs.training_weeks, 52.0),
        ("hours_per_week", inputs.hours_per_week, 80.0),
        ("ramp_up_weeks", inputs.ramp_up_weeks, 52.0),
    ):
        if not (math.isfinite(value) and 0 <= value <= high):
            raise InputError(N_("%(name)s: must be from 0 to %(high)s"), name=name, high=high)
    if not (math.isfinite(inputs.trainees_per_trainer) and inputs.trainees_per_trainer >= 1):
        raise InputError(N_("trainees_per_trainer: must be at least 1"))
    if not (math.isfinite(inputs.ramp_up_productivity) and 0 <= inputs.ramp_up_productivity <= 1):
        raise InputError(N_("ramp_up_productivity: must be a share from 0 to 1"))
    for name, cents in (
        ("agent_cost_per_hour", inputs.agent_cost_per_hour_cents),
        ("trainer_cost_per_hour", inputs.trainer_cost_per_hour_cents),
        ("recruitment_cost", inputs.recruitment_cost_cents),
    ):
        if not 0 <= cents <= 100_000_000:
            raise InputError(N_("%(name)s: must be from 0 to 1,000,000 euros"), name=name)


def replacement_cost(inputs: AttritionInputs) -> ReplacementCost:
    """What replacing one leaver costs (cents, rounded half up per part)."""
    _check(inputs)
    training_hours = inputs.training_weeks * inputs.hours_per_week
    ramp_hours = inputs.ramp_up_weeks * inputs.hours_per_week
    return ReplacementCost(
        recruitment_cents=inputs.recruitment_cost_cents,
        trainee_hours_cents=_cents(training_hours * inputs.agent_cost_per_hour_cents),
        trainer_cents=_cents(
            training_hours * inputs.trainer_cost_per_hour_cents / inputs.trainees_per_trainer
        ),
        ramp_up_cents=_cents(
            ramp_hours * (1 - inputs.ramp_up_productivity) * inputs.agent_cost_per_hour_cents
        ),
    )


def attrition_cost(inputs: AttritionInputs) -> AttritionCost:
    """The yearly cost of attrition and the saving of less of it (see the module's text)."""
    per = replacement_cost(inputs)
    leavers = inputs.agents * inputs.attrition_rate
    return AttritionCost(
        inputs=inputs,
        per_replacement=per,
        leavers_per_year=leavers,
        yearly_cost_cents=_cents(leavers * per.total_cents),
        saving_per_10_points_cents=_cents(inputs.agents * 0.10 * per.total_cents),
        saving_per_10_percent_cents=_cents(leavers * 0.10 * per.total_cents),
    )


def _cents(value: float) -> int:
    return math.floor(value + 0.5)


SEED_CASE = AttritionInputs(agents=250, attrition_rate=0.35)
"""Seed 004's contact center (250 agents, three weeks of initial training) under the stated
assumptions of the module's text; 35% attrition is a common figure for inbound contact centers
and changes only the yearly cost, not the saving per ten points."""
