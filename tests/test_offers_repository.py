"""The offers repository (``offers/repository.py``) on every backend: the catalogue as the
engine, the training and the admin pages read it, the settings row, what the feature rows
track, and that it never commits (the caller's transaction decides)."""

from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_web_nba_pages import CATALOGUE
from tests.web_fixtures import NOW, World
from valuecenter.offers import catalogue, repository
from valuecenter.offers.models import Action, EngineSettings
from valuecenter.products.models import Product


def test_the_catalogue_as_the_engine_and_the_pages_read_it(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        catalogue.import_catalogue(session, copy.deepcopy(CATALOGUE))
        catalogue.set_active(session, "thank-you", False)
        oven = session.scalars(select(Product).where(Product.external_id == "P-OVEN")).one()

        active = repository.active_actions(session)
        assert [a.code for a, _p, _c in active] == ["flour-pallet", "how-to-guide", "oven-check"]
        targets = {a.code: (p, c) for a, p, c in active}
        assert targets["oven-check"][0] == "P-OVEN"
        assert targets["flour-pallet"] == (None, None)
        named = {a.code: (p, name) for a, p, name, _c, _o in repository.actions_with_names(session)}
        assert named["oven-check"] == ("P-OVEN", oven.name)
        assert len(named) == 4  # the inactive one too
        assert repository.action_exists(session, "thank-you")
        assert not repository.action_exists(session, "nope")
        assert [lv.code for lv in repository.active_levers(session)] == ["long-wait"]
        assert [p.code for p in repository.active_policy_rules(session)] == ["three-strikes"]
        ids = repository.action_ids(session)
        assert repository.action_codes(session) == {i: c for c, i in ids.items() if i is not None}
        assert repository.product_ids(session, ["P-OVEN", "P-NONE"]) == [oven.id]
        tracked = {p for p, _rule in repository.action_products_and_rules(session) if p}
        assert tracked == {oven.id}
        assert repository.active_model(session) is None
        assert repository.active_model_id(session) is None
        assert repository.purchases_since(session, [], [], NOW) == []


def test_the_settings_row_is_made_once_and_nothing_is_committed(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        first = repository.engine_settings(session)
        assert (first.id, first.version) == (1, 1)
        assert repository.engine_settings(session) is first
        session.add(Action(code="uncommitted", name="Never committed", kind="offer"))
        session.flush()
        assert repository.action_exists(session, "uncommitted")
    with sessions() as session:  # the first session closed without a commit: nothing stayed
        assert session.get(EngineSettings, 1) is None
        assert not repository.action_exists(session, "uncommitted")
