"""``valuecenter offers train``: the propensity models, learned from the decision log.

Per action of the catalogue two models are trained on exactly the features each decision used
(the decision log keeps them, so what is learned is what is served):

- **accept**: P(the customer accepts | features, context), on every answered presentation of
  the action (accepted = 1; rejected or ignored = 0). Random explorations are among them, so
  the model also sees offers the engine would not have chosen.
- **organic** (offers of a product or category): P(he buys it within the action's conversion
  window *without* being offered it), on the matured decisions in which nothing of that product
  or category was presented — the control group's decisions and those that presented other
  products. The assumption (stated, and checked against the control group alone by the
  tests): presenting one product does not change the purchases of another.

The engine's incremental P is accept − organic (the retention work's lesson: pay only for what
the offer changes). Actions with too few answers keep a shrunk rate (``analytics/propensity``).

Validation is out of time: each model is also fitted on the older 80% of its rows and scored
on the newest 20% (AUC and mean predicted against observed); the stored model is then fitted
on all rows. The run is one ``propensity_models`` row, active from then on.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sqlalchemy.orm import Session

from valuecenter.analytics.errors import InputError
from valuecenter.analytics.propensity import (
    ActionModel,
    PropensityKind,
    fit_action,
    to_payload,
)
from valuecenter.db.base import utcnow
from valuecenter.errors import InvalidInput, NotFound
from valuecenter.i18n import _
from valuecenter.offers import repository
from valuecenter.offers.inputs import POOLED, Layout, Target, model_names
from valuecenter.offers.models import (
    Action,
    ActionKind,
    PropensityModel,
    ResponseOutcome,
)

HOLDOUT_SHARE = 0.2
MIN_HOLDOUT = 50
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Training:
    model_id: int
    version: str
    responses: int
    decisions: int
    actions: dict[str, dict[str, Any]]
    seconds: float
    features: int

    def as_json(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "version": self.version,
            "responses": self.responses,
            "decisions": self.decisions,
            "features": self.features,
            "actions": self.actions,
            "seconds": self.seconds,
        }


def _decisions(session: Session, until: datetime) -> pd.DataFrame:
    rows = repository.decisions_before(session, until)
    return pd.DataFrame(rows, columns=["decision_id", "customer_id", "decided_at", "features"])


def _responses(session: Session, until: datetime) -> pd.DataFrame:
    rows = repository.responses_before(session, until)
    return pd.DataFrame(rows, columns=["decision_id", "action_id", "outcome"])


def _purchases(
    session: Session, product_ids: Sequence[int], category_ids: Sequence[int], since: datetime
) -> pd.DataFrame:
    """(customer_id, product_id, category_id, ordered_at) of the lines of these products or
    categories ordered from ``since`` on."""
    rows = repository.purchases_since(session, product_ids, category_ids, since)
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "category_id", "ordered_at"])


def _logloss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def _scores(model: ActionModel, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    predicted = model.predict(x)
    both = len(set(y.tolist())) == 2
    return {
        "rows": len(y),
        "kind": model.kind,
        "auc": round(float(roc_auc_score(y, predicted)), 4) if both else None,
        "log_loss": round(_logloss(y, predicted), 6),
        "mean_predicted": round(float(predicted.mean()), 6),
        "observed_rate": round(float(y.mean()), 6),
    }


def _fit(
    label: str,
    data: _Rows,
    *,
    prior: float,
    kind: PropensityKind,
    seed: int,
    names: Sequence[str],
    cut: object | None = None,
    pooled_old: ActionModel | None = None,
) -> tuple[ActionModel, dict[str, Any], ActionModel | None]:
    """Fit one model on all its rows, and check it out of time: refitted on the rows before
    ``cut`` (default: the newest ``HOLDOUT_SHARE`` of them are after it), scored on the rest.
    With ``pooled_old`` (the pooled model fitted before the same cut) the two are compared
    on this action's newest rows, and the action keeps its own model only when that one's
    log-loss there is lower (``serves``: own or pooled). Returns the model to store, the
    summary, and the refitted old model."""
    x, y, times = data.x, data.y, data.times
    try:
        model = fit_action(x, y, prior=prior, kind=kind, seed=seed, feature_names=names)
        if cut is None and len(times):
            cut = np.sort(times)[int(len(times) * (1 - HOLDOUT_SHARE))]
        new = (
            np.asarray(times >= cut, dtype=bool)
            if cut is not None
            else np.zeros(len(y), dtype=bool)
        )
        old_model: ActionModel | None = None
        check: dict[str, Any] | None = None
        rival: dict[str, Any] | None = None
        if new.sum() >= MIN_HOLDOUT and (~new).sum() > 0 and len(set(y[new].tolist())) == 2:
            old_model = fit_action(
                x[~new], y[~new], prior=prior, kind=kind, seed=seed, feature_names=names
            )
            check = _scores(old_model, x[new], y[new])
            if pooled_old is not None:
                rival = _scores(pooled_old, x[new], y[new])
    except InputError as exc:
        raise InvalidInput(label, exc.translated()) from None
    serves = "own"
    if pooled_old is not None:
        own_better = (
            model.kind != "prior"
            and check is not None
            and rival is not None
            and check["log_loss"] < rival["log_loss"]
        )
        if not own_better:
            serves = "pooled"
            # Keep the action's shrunk rate (for profiling objections), not its model.
            model = fit_action(
                x,
                y,
                prior=prior,
                kind=kind,
                seed=seed,
                feature_names=names,
                min_positives=max(len(y), 2) + 1,
            )
    summary = {**model.describe(), "out_of_time": check, "serves": serves}
    if rival is not None:
        summary["pooled_out_of_time"] = rival
    return model, summary, old_model


@dataclass(frozen=True)
class _Rows:
    """A training set: matrix, labels, decision times."""

    x: np.ndarray
    y: np.ndarray
    times: np.ndarray

    @staticmethod
    def stack(parts: Sequence[_Rows]) -> _Rows:
        return _Rows(
            np.vstack([p.x for p in parts]),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.times for p in parts]),
        )


def train(
    session: Session,
    *,
    kind: PropensityKind = "auto",
    organic_kind: PropensityKind = "logistic",
    until: datetime | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Training:
    """Train every active action's models on the log before ``until`` (default now) and store
    them as the active propensity models.

    ``kind``: the learner of the accept models; ``organic_kind``: of the organic ones (default
    logistic: a purchase rate is close to log-linear in the category share and the order
    rate, and the organic sets are the large ones).
    """
    started = time.perf_counter()
    until = until or utcnow()
    say = progress or (lambda _text: None)
    rows = repository.active_actions(session)
    if not rows:
        raise NotFound(
            _("the catalogue has no active actions: import one with `valuecenter offers import`")
        )
    actions = [a for a, _p, _c in rows]
    targets = {a.id: Target(a.code, c, p) for a, p, c in rows}
    say(_("reading the decision log"))
    decisions = _decisions(session, until)
    if decisions.empty:
        raise NotFound(_("the decision log is empty: there is nothing to learn from yet"))
    responses = _responses(session, until)
    offers = [a for a in actions if a.kind == ActionKind.OFFER and (a.product_id or a.category_id)]
    layout = Layout(
        tuple(model_names({k for f in decisions["features"] for k in f}, [a.code for a in offers]))
    )
    features_of: dict[int, dict[str, float]] = dict(
        zip(decisions["decision_id"].astype(int), decisions["features"], strict=True)
    )
    decided_at = decisions.set_index("decision_id")["decided_at"]
    presented = responses.assign(decided_at=responses["decision_id"].map(decided_at))
    models: dict[str, ActionModel] = {}
    summary: dict[str, dict[str, Any]] = {}
    accept_sets: dict[int, _Rows] = {}
    for n, action in enumerate(actions, start=1):
        say(f"{action.code} ({n}/{len(actions)})")
        mine = presented[presented["action_id"] == action.id]
        ids = [int(d) for d in mine["decision_id"]]
        data = _Rows(
            layout.matrix([features_of[d] for d in ids], [targets[action.id]] * len(ids)),
            (mine["outcome"] == ResponseOutcome.ACCEPTED).to_numpy(dtype=np.int64),
            mine["decided_at"].to_numpy(),
        )
        if action in offers:
            accept_sets[action.id] = data
            continue
        model, info, _old = _fit(
            f"{action.code}.accept",
            data,
            prior=action.prior_accept,
            kind=kind,
            seed=seed,
            names=layout.names,
        )
        models[f"accept:{action.code}"] = model
        summary[action.code] = {"accept": info, "answers": len(ids), "accepted": int(data.y.sum())}

    if offers:
        say("pooled accept model of the offers")
        _pooled_and_own(
            "accept",
            offers,
            accept_sets,
            {a.id: float(a.prior_accept) for a in offers},
            kind,
            seed,
            layout,
            models,
            summary,
        )
        say("organic models")
        organic = _organic_sets(
            session, offers, targets, decisions, presented, features_of, layout, until
        )
        _pooled_and_own(
            "organic",
            offers,
            organic,
            {
                a.id: float((d.y.sum() + 1) / (len(d.y) + 2))
                for a in offers
                for d in [organic[a.id]]
            },
            organic_kind,
            seed,
            layout,
            models,
            summary,
        )

    first_decision = pd.Timestamp(decisions["decided_at"].min()).to_pydatetime()
    version = f"pm-{until.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    repository.deactivate_models(session)
    row = PropensityModel(
        version=version,
        trained_at=utcnow(),
        learner=kind,
        decisions_from=first_decision,
        decisions_to=pd.Timestamp(decisions["decided_at"].max()).to_pydatetime(),
        responses=len(responses),
        feature_names=list(layout.names),
        summary=summary,
        payload=to_payload(models, layout.names),
        active=True,
        seconds=round(time.perf_counter() - started, 3),
    )
    session.add(row)
    session.flush()
    return Training(
        model_id=row.id,
        version=version,
        responses=len(responses),
        decisions=len(decisions),
        actions=summary,
        seconds=row.seconds,
        features=len(layout.names),
    )


def _pooled_and_own(
    what: str,
    offers: Sequence[Action],
    sets: dict[int, _Rows],
    priors: dict[int, float],
    kind: PropensityKind,
    seed: int,
    layout: Layout,
    models: dict[str, ActionModel],
    summary: dict[str, dict[str, Any]],
) -> None:
    """The pooled model of the offers, then each offer's own model where it beats the pooled
    one out of time on the offer's newest rows (``_fit``)."""
    parts = [sets[a.id] for a in offers if len(sets[a.id].y)]
    pooled_old: ActionModel | None = None
    cut = None
    if parts:
        stacked = _Rows.stack(parts)
        prior = float(np.clip(np.mean([priors[a.id] for a in offers]), 1e-4, 1 - 1e-4))
        model, info, pooled_old = _fit(
            f"offers.{what}", stacked, prior=prior, kind=kind, seed=seed, names=layout.names
        )
        models[f"{what}:{POOLED}"] = model
        summary.setdefault(POOLED, {})[what] = {
            **info,
            "rows": len(stacked.y),
            "positives": int(stacked.y.sum()),
        }
        if len(stacked.times):
            cut = np.sort(stacked.times)[int(len(stacked.times) * (1 - HOLDOUT_SHARE))]
    for action in offers:
        data = sets[action.id]
        model, info, _old = _fit(
            f"{action.code}.{what}",
            data,
            prior=float(np.clip(priors[action.id], 1e-4, 1 - 1e-4)),
            kind=kind,
            seed=seed,
            names=layout.names,
            cut=cut,
            pooled_old=pooled_old
            if pooled_old is not None and pooled_old.kind != "prior"
            else None,
        )
        models[f"{what}:{action.code}"] = model
        entry = summary.setdefault(action.code, {})
        entry[what] = {**info, "rows": len(data.y), "positives": int(data.y.sum())}


def _organic_sets(
    session: Session,
    offers: Sequence[Action],
    targets: dict[int, Target],
    decisions: pd.DataFrame,
    presented: pd.DataFrame,
    features_of: dict[int, dict[str, float]],
    layout: Layout,
    until: datetime,
) -> dict[int, _Rows]:
    """Per offer: the matured decisions that presented nothing of its category, labelled by
    whether the customer bought its product (or category) within its conversion window —
    a window cut short where the customer is next presented something of the category, since
    a purchase after that presentation may be its doing, not an organic one."""
    first = pd.Timestamp(decisions["decided_at"].min()).to_pydatetime()
    purchases = _purchases(
        session,
        [a.product_id for a in offers if a.product_id],
        [a.category_id for a in offers if a.category_id],
        first,
    )
    category_of = {a: t.category for a, t in targets.items()}
    customer_of = decisions.set_index("decision_id")["customer_id"]
    shown_categories = presented.assign(
        category=presented["action_id"].map(category_of),
        customer_id=presented["decision_id"].map(customer_of),
    )
    out: dict[int, _Rows] = {}
    for action in offers:
        target = targets[action.id]
        window = pd.Timedelta(days=action.conversion_days)
        treated = set(
            shown_categories.loc[shown_categories["category"] == target.category, "decision_id"]
        )
        matured = decisions[
            (decisions["decided_at"] + window <= pd.Timestamp(until))
            & ~decisions["decision_id"].isin(treated)
        ]
        if action.product_id:
            bought = purchases[purchases["product_id"] == action.product_id]
        else:
            bought = purchases[purchases["category_id"] == action.category_id]
        shown = shown_categories.loc[
            shown_categories["category"] == target.category, ["customer_id", "decided_at"]
        ].rename(columns={"decided_at": "next_shown"})
        windows = matured[["decision_id", "customer_id", "decided_at"]].assign(
            ends=matured["decided_at"] + window
        )
        if len(shown):
            later = windows.merge(shown, on="customer_id", how="inner")
            later = later[later["next_shown"] > later["decided_at"]]
            first_later = later.groupby("decision_id")["next_shown"].min()
            cut_at = windows["decision_id"].map(first_later)
            windows["ends"] = windows["ends"].where(
                cut_at.isna() | (windows["ends"] <= cut_at), cut_at
            )
        joined = windows.merge(bought[["customer_id", "ordered_at"]], on="customer_id", how="inner")
        hit = joined[
            (joined["ordered_at"] > joined["decided_at"]) & (joined["ordered_at"] <= joined["ends"])
        ]
        buyers = set(hit["decision_id"])
        ids = [int(d) for d in matured["decision_id"]]
        out[action.id] = _Rows(
            layout.matrix([features_of[d] for d in ids], [target] * len(ids)),
            np.asarray([1 if d in buyers else 0 for d in ids], dtype=np.int64),
            matured["decided_at"].to_numpy(),
        )
    return out
