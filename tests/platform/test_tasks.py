"""Tasks from quota cells: visibility by country, claims with leases and limits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from snapset.store.models import Claim
from snapset.store.types import utcnow
from tests.platform.conftest import Actors

COUNTRY_QUOTA = {
    "quota": {
        "target_per_cell": 2,
        "dimensions": [
            {"name": "country", "values": ["KE", "NG"]},
            {"name": "lighting", "values": ["day", "night"]},
        ],
    }
}


def test_collector_sees_only_tasks_of_their_country(actors: Actors) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin, overrides=COUNTRY_QUOTA)
    actors.campaign(admin, activate=False)  # drafts are invisible
    kenyan, _ = actors.collector("KE")
    nigerian, _ = actors.collector("NG")
    ke_tasks = kenyan.get("/api/v1/tasks").json()
    assert {t["cell"]["country"] for t in ke_tasks} == {"KE"}
    assert len(ke_tasks) == 2
    task = ke_tasks[0]
    assert task["campaign_id"] == campaign["id"] and task["remaining"] == 2
    assert task["pay"] == {"amount": "0.10", "currency": "USD"}
    # Another country's task id is not found (no existence leak).
    ng_task = nigerian.get("/api/v1/tasks").json()[0]
    r = kenyan.get(f"/api/v1/tasks/{ng_task['id']}")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "task_not_found"
    assert kenyan.post(f"/api/v1/tasks/{ng_task['id']}/claim").status_code == 404
    detail = kenyan.get(f"/api/v1/tasks/{task['id']}").json()
    assert "legible" in detail["instructions"] or detail["instructions"]
    assert detail["constraints"]["min_width"] == 640


def test_geofence_countries_limit_tasks_without_country_dimension(actors: Actors) -> None:
    admin = actors.admin()
    actors.campaign(admin, overrides={"constraints": {"geofence": {"countries": ["GH"]}}})
    ghanaian, _ = actors.collector("GH")
    kenyan, _ = actors.collector("KE")
    assert len(ghanaian.get("/api/v1/tasks").json()) == 2
    assert kenyan.get("/api/v1/tasks").json() == []


def test_unverified_collectors_and_staff_cannot_list_tasks(actors: Actors) -> None:
    actors.campaign(actors.admin())
    pending, _ = actors.collector(verified=False)
    r = pending.get("/api/v1/tasks")
    assert r.status_code == 403 and r.json()["detail"]["code"] == "collector_not_verified"
    assert actors.user("reviewer").get("/api/v1/tasks").status_code == 403


def test_claim_release_and_limit(actors: Actors) -> None:
    admin = actors.admin()
    actors.campaign(
        admin,
        overrides={
            "quota": {
                "target_per_cell": 1,
                "dimensions": [{"name": "angle", "values": ["a", "b", "c", "d"]}],
            }
        },
    )
    collector, _ = actors.collector()
    task_ids = [t["id"] for t in collector.get("/api/v1/tasks").json()]
    limit = actors.platform.settings.max_active_claims
    for task_id in task_ids[:limit]:
        r = collector.post(f"/api/v1/tasks/{task_id}/claim")
        assert r.status_code == 200 and r.json()["claimed_by_me"] is True
    # Claiming again renews rather than counting twice.
    assert collector.post(f"/api/v1/tasks/{task_ids[0]}/claim").status_code == 200
    r = collector.post(f"/api/v1/tasks/{task_ids[limit]}/claim")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "claim_limit_reached"
    r = collector.post(f"/api/v1/tasks/{task_ids[0]}/release")
    assert r.status_code == 200 and r.json()["claimed_by_me"] is False
    assert collector.post(f"/api/v1/tasks/{task_ids[limit]}/claim").status_code == 200
    r = collector.post(f"/api/v1/tasks/{task_ids[0]}/release")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "claim_not_found"
    mine = collector.get("/api/v1/tasks?claimed=true").json()
    assert len(mine) == limit and all(t["claim"]["expires_at"] for t in mine)


def test_expired_lease_frees_the_slot(actors: Actors) -> None:
    admin = actors.admin()
    actors.campaign(admin)
    collector, _ = actors.collector()
    task_id = collector.get("/api/v1/tasks").json()[0]["id"]
    collector.post(f"/api/v1/tasks/{task_id}/claim")
    with actors.platform.sessions() as s:
        s.execute(update(Claim).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert collector.get("/api/v1/tasks?claimed=true").json() == []


def test_paused_campaign_cannot_be_claimed(actors: Actors) -> None:
    admin = actors.admin()
    campaign = actors.campaign(admin)
    collector, _ = actors.collector()
    task_id = collector.get("/api/v1/tasks").json()[0]["id"]
    admin.post(f"/api/v1/campaigns/{campaign['id']}/pause")
    assert collector.get("/api/v1/tasks").json() == []
    r = collector.post(f"/api/v1/tasks/{task_id}/claim")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "campaign_not_active"
