"""Reading the simulation's truth back, and scoring a treatment on it.

Only tests, benchmarks and ``valuecenter demo respond`` use this module; the product's own
analytics never read the ``truth_*`` tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from valuecenter.analytics.experiments import Effect, average_effect
from valuecenter.demo.treatments import Outcome, respond
from valuecenter.demo.truth_models import TruthResponse, require_truth
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _

_TRUE = {"1", "true", "t", "yes", "y", "treated", "treatment"}
_FALSE = {"0", "false", "f", "no", "n", "control"}


def responses(session: Session, action: str) -> pd.DataFrame:
    """The ``truth_responses`` rows of ``action``; :class:`NotFound` when the database holds
    no simulated company."""
    missing = _(
        "no truth for %(action)s: this database holds no simulated company "
        "(load one with `valuecenter demo`)",
        action=action,
    )
    require_truth(session, missing)
    t = TruthResponse
    rows = session.execute(
        select(t.customer_id, t.action, t.p_control, t.p_treated, t.u)
        .where(t.action == action)
        .order_by(t.customer_id)
    ).all()
    if not rows:
        raise NotFound(missing)
    return pd.DataFrame(rows, columns=["customer_id", "action", "p_control", "p_treated", "u"])


def read_assignment(path: Path) -> tuple[list[str], list[bool]]:
    """``customer_id`` and ``treated`` from a CSV; a bad value names its line."""
    if not path.is_file():
        raise InvalidInput("--file", _("%(file)s does not exist", file=path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("customer_id", "treated"):
        if column not in frame.columns:
            raise InvalidInput(
                "--file", _("%(file)s has no column '%(column)s'", file=path, column=column)
            )
    treated: list[bool] = []
    for line, value in enumerate(frame["treated"], start=2):
        text = value.strip().lower()
        if text in _TRUE:
            treated.append(True)
        elif text in _FALSE:
            treated.append(False)
        else:
            raise InvalidInput(
                "treated",
                _("line %(line)s: '%(value)s' is not true or false", line=line, value=value),
            )
    ids = [v.strip() for v in frame["customer_id"]]
    for line, value in enumerate(ids, start=2):
        if not value:
            raise InvalidInput("customer_id", _("line %(line)s: is empty", line=line))
    return ids, treated


def random_assignment(truth: pd.DataFrame, share: float, seed: int) -> tuple[list[str], list[bool]]:
    """Every customer with truth, treated with probability ``share`` (Bernoulli design)."""
    if not 0.0 < share < 1.0:
        raise InvalidInput("--random", _("the treated share must be between 0 and 1 (exclusive)"))
    rng = np.random.default_rng(seed)
    ids = truth["customer_id"].astype(str).tolist()
    return ids, (rng.random(len(ids)) < share).tolist()


@dataclass(frozen=True)
class Experiment:
    outcome: Outcome
    effect: Effect

    def as_json(self) -> dict[str, object]:
        summary = self.outcome.summary()
        summary["observed_effect"] = self.effect.as_json()
        summary["covers_true_uplift"] = self.effect.covers(self.outcome.true_uplift)
        return summary


def experiment(
    truth: pd.DataFrame, action: str, customer_ids: list[str], treated: list[bool]
) -> Experiment:
    """Re-simulate the assignment and estimate its effect as an analyst would."""
    outcome = respond(truth, action, customer_ids, treated)
    frame = outcome.frame
    if frame["treated"].sum() < 2 or (~frame["treated"]).sum() < 2:
        raise InvalidInput("treated", _("each arm needs at least two customers"))
    effect = average_effect(frame["outcome"].to_numpy(), frame["treated"].to_numpy())
    return Experiment(outcome=outcome, effect=effect)
