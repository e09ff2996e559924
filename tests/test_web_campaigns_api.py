"""The campaign manager's API (issue 19) on the small web world, on both backends: a manager
runs a campaign from selection to results; other roles are refused; a launched campaign's goal
cannot change (409); the export is a CSV of the allowed treated members; bad CSV text is a 422
naming the row and the field, with nothing written."""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session, sessionmaker

from tests.web_fixtures import World, bearer, make_client
from valuecenter.offers.models import Action, ActionKind


def _action(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            Action(code="upgrade", name="Upgrade", kind=ActionKind.OFFER, channels=["email"])
        )


def test_a_manager_runs_a_campaign_through_the_api(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    _action(sessions)
    with make_client(db_url) as client:
        client.headers.update(bearer(world.tokens["manager"]))
        counted = client.post("/api/v1/selections/count", json={"countries": ["NL", "BE", "DE"]})
        assert counted.status_code == 200, counted.text
        saved = client.post("/api/v1/selections", json={"name": "all", "spec": {}})
        assert saved.status_code == 201, saved.text
        everybody = saved.json()["count"]
        assert everybody == len(world.customers)
        made = client.post(
            "/api/v1/campaigns",
            json={
                "code": "UP-1",
                "name": "Upgrade",
                "selection_id": saved.json()["id"],
                "action": "upgrade",
                "channel": "email",
                "start": "2026-11-01",
                "cost_per_contact_euro": 0.5,
                "margin_share": 0.4,
            },
        )
        assert made.status_code == 201, made.text
        campaign = made.json()["id"]
        assert made.json()["status"] == "draft"
        goal = client.put(
            f"/api/v1/campaigns/{campaign}/goal", json={"baseline": 0.05, "mde": 0.01}
        )
        assert goal.json() == {"treated": 8158, "control": 8158, "total": 16316}  # Fleiss
        too_few = client.post(f"/api/v1/campaigns/{campaign}/launch")
        assert too_few.status_code == 409  # the goal needs 16,316 members
        assert "underpowered" in too_few.json()["detail"]
        launched = client.post(f"/api/v1/campaigns/{campaign}/launch?underpowered=true")
        assert launched.status_code == 200, launched.text
        counts = launched.json()
        assert counts["selected"] == everybody
        frozen = client.put(
            f"/api/v1/campaigns/{campaign}/goal", json={"baseline": 0.1, "mde": 0.1}
        )
        assert frozen.status_code == 409
        exported = client.post(f"/api/v1/campaigns/{campaign}/export.csv")
        assert exported.status_code == 200
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert len(rows) == counts["treated"] - sum(
            int(part.split("=")[1]) for part in exported.headers["X-Removed"].split(";")
        )
        bad = client.post(
            f"/api/v1/campaigns/{campaign}/responses",
            json={"csv": "customer,responded_at,converted_at,revenue\nC1001,,,-5\n"},
        )
        assert bad.status_code == 422
        assert bad.json()["detail"].startswith("row 2, revenue")
        results = client.get(f"/api/v1/campaigns/{campaign}/results")
        assert results.status_code == 200
        body = results.json()
        assert body["provenance"]["experiment"] == "campaign:UP-1"
        assert body["treated"]["members"] + body["control"]["members"] == counts["eligible"]
        assert body["decision"] in ("scale", "stop", "extend")
        listed = client.get("/api/v1/campaigns")
        assert [c["code"] for c in listed.json()] == ["UP-1"]


def test_other_roles_may_not_run_campaigns(db_url: str, world: World) -> None:
    with make_client(db_url) as client:
        for role in ("agent", "account_manager"):
            answer = client.get("/api/v1/campaigns", headers=bearer(world.tokens[role]))
            assert answer.status_code == 403
            answer = client.post(
                "/api/v1/selections",
                json={"name": "x", "spec": {}},
                headers=bearer(world.tokens[role]),
            )
            assert answer.status_code == 403


def test_an_unknown_action_or_campaign_is_a_clear_error(db_url: str, world: World) -> None:
    with make_client(db_url) as client:
        client.headers.update(bearer(world.tokens["manager"]))
        saved = client.post("/api/v1/selections", json={"name": "all", "spec": {}}).json()
        made = client.post(
            "/api/v1/campaigns",
            json={
                "code": "X-1", "name": "X", "selection_id": saved["id"], "action": "nothing",
                "channel": "sms", "start": "2026-11-01",
            },
        )  # fmt: skip
        assert made.status_code == 422
        assert made.json()["detail"].startswith("action:")
        assert client.get("/api/v1/campaigns/999999").status_code == 404
        huge = client.get("/api/v1/campaigns/99999999999999999999")
        assert huge.status_code == 422


def test_voucher_redemptions_count_as_conversions_and_cost(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    """Every treated member gets a unique code at launch; a redemption file marks the voucher
    and its holder's conversion, and each redeemed voucher adds its cost to the campaign's."""
    _action(sessions)
    with make_client(db_url) as client:
        client.headers.update(bearer(world.tokens["manager"]))
        saved = client.post("/api/v1/selections", json={"name": "all", "spec": {}}).json()
        made = client.post(
            "/api/v1/campaigns",
            json={
                "code": "V-1", "name": "Vouchers", "selection_id": saved["id"],
                "action": "upgrade", "channel": "email", "start": "2026-11-01",
                "vouchers": True, "cost_per_voucher_euro": 5.0, "margin_share": 0.5,
            },
        ).json()  # fmt: skip
        client.put(f"/api/v1/campaigns/{made['id']}/goal", json={"baseline": 0.1, "mde": 0.2})
        launched = client.post(f"/api/v1/campaigns/{made['id']}/launch?underpowered=true").json()
        rows = list(
            csv.DictReader(
                io.StringIO(
                    client.post(f"/api/v1/campaigns/{made['id']}/export.csv").text.lstrip("\ufeff")
                )
            )
        )
        codes = [r["voucher"] for r in rows]
        assert len(codes) == len(set(codes)) == len(rows) > 0
        redeemed = codes[:2]
        text = "code,redeemed_at,order_ref,revenue\n" + "".join(
            f"{code.lower()},2026-11-03T12:00:00,ORD-{i},80.00\n" for i, code in enumerate(redeemed)
        )
        text += "NOSUCHCODE,2026-11-03T12:00:00,ORD-X,10\n"
        imported = client.post(f"/api/v1/campaigns/{made['id']}/redemptions", json={"csv": text})
        assert imported.json() == {"rows": 3, "members": 2, "not_members": 1}
        results = client.get(f"/api/v1/campaigns/{made['id']}/results").json()
        assert results["vouchers_redeemed"] == 2
        assert results["treated"]["conversions"] == 2
        assert results["treated"]["revenue_euro"] == 160.0
        assert results["cost_euro"] == 10.0  # 2 × €5, no fixed or per-contact cost
        assert launched["treated"] == results["treated"]["members"]
