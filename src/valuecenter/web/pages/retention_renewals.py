"""The renewal list page (issue 7, C7): whom to call before his contract ends, with which
offer, in order of expected net incremental value — and the groups left out, counted.

Every figure names its source: the renewal run, the uplift model with the campaigns (and
their control groups) it learned from and its out-of-time check, and the score run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from valuecenter.bounds import PageNumber
from valuecenter.customers import service as customers
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_input, format_number, lazy_gettext
from valuecenter.retention.models import RenewalGroup
from valuecenter.retention.renewals.export import candidate_header, candidate_rows, export_run
from valuecenter.retention.renewals.listing import renewal_page
from valuecenter.retention.renewals.service import why_no_list
from valuecenter.users.models import Role, User
from valuecenter.value.models import ScoreRun
from valuecenter.web.audit import lists_customers
from valuecenter.web.csv_download import csv_download
from valuecenter.web.deps import SessionDep, require_page_roles
from valuecenter.web.templating import templates

router = APIRouter()

PAGE_SIZE = 25
ListUser = Annotated[
    User,
    Depends(require_page_roles(Role.AGENT, Role.ACCOUNT_MANAGER, Role.MANAGER, Role.ADMIN)),
]
GROUPS = {
    "listed": lazy_gettext("To call"),
    "over-budget": lazy_gettext("Over budget"),
    "silent-renewer": lazy_gettext("Silent renewers"),
    "lost-cause": lazy_gettext("Lost causes"),
    "not-worth": lazy_gettext("Not worth an offer"),
    "all": lazy_gettext("All"),
}
GROUP_HELP = {
    "listed": lazy_gettext(
        "In call order: the best expected net value of a call with the best offer first."
    ),
    "over-budget": lazy_gettext("Worth a call, but the budget ran out before them."),
    "silent-renewer": lazy_gettext(
        "They renew without an offer: a discount would only cost money."
    ),
    "lost-cause": lazy_gettext("They leave even with the offer: a call does not change it."),
    "not-worth": lazy_gettext("An offer moves them a little, but less than it costs."),
    "all": lazy_gettext("Every customer whose contract ends in the horizon."),
}


def _points(share: float) -> str:
    """A share as signed percentage points in the locale: nl '+6,1', en '+6.1'."""
    return ("+" if share >= 0 else "−") + format_number(abs(100 * share), decimals=1)


def _validation(model: Mapping[str, object]) -> dict[str, str] | None:
    """The out-of-time check in words: test campaigns and, per offer, Qini and uplift@30%."""
    check = model.get("validation")
    if not isinstance(check, Mapping) or "per_offer" not in check:
        return None
    offers = model.get("offers")
    names = list(offers) if isinstance(offers, list) else []
    figures: list[str] = []
    per = check["per_offer"]
    if isinstance(per, Mapping):
        for key, f in per.items():
            if isinstance(f, Mapping):
                k = int(key) - 1
                label = names[k] if 0 <= k < len(names) else key
                qini = f.get("qini")
                figures.append(
                    _(
                        "%(offer)s: Qini %(qini)s, uplift@30%% %(uplift)s pts",
                        offer=label,
                        qini=format_input(float(qini)) if isinstance(qini, int | float) else "–",
                        uplift=_points(float(f.get("uplift_at_30") or 0)),
                    )
                )
    tested = check.get("test_campaigns")
    return {
        "campaigns": ", ".join(map(str, tested)) if isinstance(tested, list) else "?",
        "figures": "; ".join(figures),
    }


def targeting_words(model: Mapping[str, object]) -> list[str]:
    """How the run used each offer's uplift, in words (the run's ``model.targeting``)."""
    targeting = model.get("targeting")
    words: list[str] = []
    for code, how in targeting.items() if isinstance(targeting, Mapping) else []:
        if not isinstance(how, Mapping):
            continue
        effect = how.get("average_effect")
        measured = ""
        if isinstance(effect, Mapping):
            measured = _(
                "%(estimate)s points on average (95%% interval %(low)s to %(high)s; "
                "%(treated)s offered against %(control)s held out)",
                estimate=_points(float(effect.get("estimate") or 0)),
                low=_points(float(effect.get("ci95_low") or 0)),
                high=_points(float(effect.get("ci95_high") or 0)),
                treated=format_number(int(effect.get("treated_n") or 0)),
                control=format_number(int(effect.get("control_n") or 0)),
            )
        unproven = isinstance(effect, Mapping) and float(effect.get("ci95_low") or 0) <= 0
        caution = (
            " "
            + _(
                "Its interval includes zero: the effect is not yet shown to exist — hold out a "
                "larger control group before relying on it."
            )
            if unproven
            else ""
        )
        if how.get("targeting") == "individual":
            words.append(
                _(
                    "'%(code)s' is targeted by each customer's calibrated uplift (BLP loading "
                    "%(loading)s on the newest campaigns); it raises renewal by %(measured)s.",
                    code=code,
                    loading=how.get("loading"),
                    measured=measured,
                )
                + caution
            )
        else:
            why = how.get("why")
            words.append(
                _(
                    "'%(code)s' raises renewal by %(measured)s; every customer is given that "
                    "average effect, because %(why)s. The order then follows value, cost and "
                    "each customer's chance of renewing.",
                    code=code,
                    measured=measured,
                    why=why if why else _("no customer stands out"),
                )
                + caution
            )
    return words


def _nobody_why(model: Mapping[str, object]) -> str:
    """Why nobody is listed, in words."""
    return (
        " ".join(targeting_words(model))
        + " "
        + _(
            "At that, the offer costs more than it brings for every customer whose contract "
            "ends (it is paid by everyone who renews with it, also those who would renew "
            "anyway): see the silent renewers and the customers not worth an offer."
        )
    )


def _score_run_id(session: Session, row_id: int | None) -> str | None:
    score = session.get(ScoreRun, row_id) if row_id is not None else None
    return score.run_id if score else None


@router.get("/retention/renewals/export.csv")
@lists_customers
def renewals_export(
    request: Request,
    session: SessionDep,
    user: ListUser,
    group: str = "listed",
    run: str | None = None,
) -> Response:
    """Every candidate of the renewal list (the latest run, or ``run``) with the page's group,
    in call order, as CSV."""
    if group not in GROUPS:
        raise InvalidInput("group", f"'{group}' is not one of {', '.join(GROUPS)}")
    chosen = None if group == "all" else RenewalGroup(group)
    run_id = export_run(session, run)
    return csv_download(
        request,
        user,
        name="renewals",
        header=candidate_header(),
        rows=lambda s, viewer: candidate_rows(s, viewer, run_id, group=chosen),
    )


@router.get("/retention/renewals")
@lists_customers
def renewals_page(
    request: Request,
    session: SessionDep,
    user: ListUser,
    group: str = "listed",
    page: Annotated[PageNumber, Query()] = 1,
) -> Response:
    if group not in GROUPS:
        raise InvalidInput("group", f"'{group}' is not one of {', '.join(GROUPS)}")
    result = renewal_page(
        session,
        user,
        group=None if group == "all" else RenewalGroup(group),
        page=page,
        page_size=PAGE_SIZE,
    )
    run = result.source
    model = run.model if run else {}
    uplift = model.get("uplift")
    trained = model.get("trained_on")
    return templates.TemplateResponse(
        request,
        "retention/renewals.html",
        {
            "user": user,
            "pool": customers.pool_of(session, viewer=user),
            "result": result,
            "run": run,
            "end_day": run.as_of + timedelta(days=run.horizon_days) if run else None,
            "learner": uplift.get("learner", "?") if isinstance(uplift, Mapping) else "?",
            "trained": trained if isinstance(trained, Mapping) else {},
            "validation": _validation(model),
            "totals": run.totals if run else {},
            "score_run_id": _score_run_id(session, run.score_run_id if run else None),
            "group": group,
            "groups": GROUPS,
            "group_help": GROUP_HELP,
            "counts": result.counts,
            "nobody_why": _nobody_why(model),
            # Only for the empty page: the run's own precondition check, so the page says
            # what `valuecenter retention renewals` would say.
            "why_none": why_no_list(session) if run is None else None,
            "targeting": targeting_words(model),
        },
    )
