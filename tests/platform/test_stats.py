"""The campaign dashboard's numbers match the photos that were stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from snapset.service.platform import Platform
from tests.platform.api_helpers import collector_client, seed_campaign, seed_photo

API = "/api/v1"


def test_dashboard_counts_cells_reasons_time_collectors_and_diversity(
    actors: Any, platform: Platform
) -> None:
    admin = actors.admin()
    reviewer = actors.user("reviewer")
    _a, alice = collector_client(actors, platform, country="KE")
    _b, bob = collector_client(actors, platform, country="NG")
    camp, (day, night) = seed_campaign(platform, target=3)
    morning = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    for minutes in (0, 5):
        seed_photo(
            platform,
            day,
            alice.id,
            "accepted",
            minutes=minutes,
            captured_at=morning,
            camera_make="Google",
            camera_model="Pixel 8",
        )
    seed_photo(platform, night, bob.id, "accepted", minutes=70)
    blurry = [{"code": "blurry", "message": "blurry"}]
    seed_photo(platform, night, bob.id, "rejected", minutes=71, reasons=blurry)
    seed_photo(
        platform,
        day,
        bob.id,
        "rejected",
        minutes=72,
        reasons=[*blurry, {"code": "dark", "message": "dark"}],
    )
    seed_photo(platform, day, alice.id, "needs_review", minutes=1500)

    assert reviewer.get(f"{API}/campaigns/{camp}/dashboard").status_code == 404
    r = admin.get(f"{API}/campaigns/{camp}/dashboard")
    assert r.status_code == 200, r.text
    board = r.json()
    assert (board["target"], board["accepted"], board["pending"], board["rejected"]) == (6, 3, 1, 2)
    assert board["rejected_by_reason"] == {"blurry": 2, "dark": 1}
    day_cell, night_cell = board["cells"]
    assert day_cell["cell"] == {"lighting": "day"}
    assert (day_cell["accepted"], day_cell["pending"], day_cell["rejected"]) == (2, 1, 1)
    assert day_cell["rejected_by_reason"] == {"blurry": 1, "dark": 1}
    assert (night_cell["accepted"], night_cell["remaining"]) == (1, 2)
    assert [h["count"] for h in board["per_hour"]] == [2, 3, 1]
    assert [d["count"] for d in board["per_day"]] == [5, 1]
    top = board["top_collectors"]
    assert top[0]["pseudonym"] == f"p{alice.id:05d}" and top[0]["accepted"] == 2
    diversity = board["diversity"]
    assert diversity["countries"] == {"KE": 2, "NG": 1}
    assert diversity["devices"] == {"Google Pixel 8": 2, "unknown": 1}
    assert diversity["hour_of_day"][9] == 2
    assert sum(b["count"] for b in diversity["brightness"]) == 3  # seeded brightness 0.5
    assert admin.get(f"{API}/campaigns/99999/dashboard").status_code == 404
