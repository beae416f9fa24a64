"""Reviewer: keyboard approve / reject with reason, and a bulk approval."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import (
    Api,
    login_page,
    make_campaign,
    make_collector,
    new_context,
    tasks_of,
    unique,
)
from tests.web.fakecam import jpeg_bytes, textured_rgb

pytestmark = pytest.mark.browser

# Grayscale photos go to human review in this campaign; duplicates are ignored.
REVIEW_QC = """qc:
  reject: []
  review: [grayscale]
  near_duplicates: ignore
"""


def upload_gray(collector: Api, task_id: int, seed: int) -> dict[str, Any]:
    gray = textured_rgb(640, 480, seed=seed).mean(axis=2).astype("uint8")
    rgb = gray[..., None].repeat(3, axis=2)
    files = {"file": (f"g{seed}.jpg", jpeg_bytes(rgb), "image/jpeg")}
    data = {"upload_id": unique("u-"), "captured_at": "2026-11-25T10:00:00Z"}
    return collector.post(f"/tasks/{task_id}/uploads", files=files, data=data)


def test_reviewer_approves_and_rejects_by_keyboard(browser: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin, extra=REVIEW_QC, target=20)
    task = tasks_of(admin, campaign["id"])[0]
    collector, _ = make_collector(base_url, admin)
    collector.post(f"/tasks/{task['id']}/claim")
    ids = [upload_gray(collector, task["id"], seed)["submission_id"] for seed in (21, 22, 23, 24)]
    pending = admin.get(
        "/review/queue", params={"campaign_id": campaign["id"], "verdict": "needs_review"}
    )
    assert sorted(s["submission_id"] for s in pending) == sorted(ids)

    # A reviewer (not an admin) assigned to this campaign does the review.
    reviewer = unique("rev")
    user = admin.post(
        "/users", json={"username": reviewer, "password": "reviewer-password-1", "role": "reviewer"}
    )
    admin.post(f"/campaigns/{campaign['id']}/reviewers", json={"user_id": user["id"]})

    ctx = new_context(browser, base_url, phone=False)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login_page(page, reviewer, "reviewer-password-1", path="/admin/")
    page.wait_for_selector("#campaigns")
    assert page.locator("#new-campaign").count() == 0, "reviewers do not create campaigns"
    assert page.locator(".topbar nav a").count() == 2
    page.goto(f"{base_url}/admin/#/review?campaign={campaign['id']}")
    page.wait_for_selector("#review-grid .thumb")
    order = [
        int(x)
        for x in page.locator("#review-grid .thumb").evaluate_all(
            "els => els.map(e => e.dataset.submission)"
        )
    ]
    assert sorted(order) == sorted(ids)
    page.wait_for_selector("#large-image")
    assert (
        "grayscale" in page.inner_text("#review-large").lower()
        or page.locator("#review-grid .thumb.current .flag").count()
    )

    page.keyboard.press("a")  # approve the first, move to the second
    page.wait_for_selector(f".thumb.decided-approved[data-submission='{order[0]}']")
    page.keyboard.press("ArrowRight")  # skip the second
    page.keyboard.press("r")  # reject the third with reason 1 (blurry)
    page.wait_for_selector("#reject-dialog")
    page.keyboard.press("1")
    page.wait_for_selector(f".thumb.decided-rejected[data-submission='{order[2]}']")

    verdict = {
        s["submission_id"]: s["verdict"]
        for s in admin.get(
            "/review/queue", params={"campaign_id": campaign["id"], "verdict": "accepted"}
        )
    }
    assert verdict.get(order[0]) == "accepted"
    rejected = admin.get(
        "/review/queue", params={"campaign_id": campaign["id"], "verdict": "rejected"}
    )
    assert [s["submission_id"] for s in rejected] == [order[2]]
    reviews = admin.get(f"/submissions/{order[2]}/reviews")
    assert reviews[-1]["reason_code"] == "blurry"

    # Bulk: select the remaining two and approve them together.
    for sid in (order[1], order[3]):
        page.check(f".thumb[data-submission='{sid}'] .pick")
    page.click("#bulk-approve")
    page.wait_for_selector(f".thumb.decided-approved[data-submission='{order[3]}']")
    left = admin.get(
        "/review/queue", params={"campaign_id": campaign["id"], "verdict": "needs_review"}
    )
    assert left == []
    assert errors == []
    ctx.close()


def test_near_duplicate_shown_side_by_side(browser: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin, target=20)
    task = tasks_of(admin, campaign["id"])[0]
    collector, _ = make_collector(base_url, admin)
    collector.post(f"/tasks/{task['id']}/claim")
    rgb = textured_rgb(640, 480, seed=61)
    first = collector.post(
        f"/tasks/{task['id']}/uploads",
        files={"file": ("a.jpg", jpeg_bytes(rgb), "image/jpeg")},
        data={"upload_id": unique("n-")},
    )
    mirrored = collector.post(
        f"/tasks/{task['id']}/uploads",
        files={"file": ("b.jpg", jpeg_bytes(rgb[:, ::-1].copy(), quality=80), "image/jpeg")},
        data={"upload_id": unique("n-")},
    )
    assert mirrored["verdict"] == "needs_review", mirrored

    ctx = new_context(browser, base_url, phone=False)
    page = ctx.new_page()
    login_page(page, "admin", "web-tests-admin-password", path="/admin/")
    page.wait_for_selector("#new-campaign")
    page.goto(f"{base_url}/admin/#/review?campaign={campaign['id']}")
    page.click(f".thumb[data-submission='{mirrored['submission_id']}']")
    page.wait_for_selector("#near-duplicate img")
    caption = page.inner_text("#near-duplicate figcaption")
    assert f"#{first['submission_id']}" in caption
    page.wait_for_function(
        "() => { const i = document.querySelector('#near-duplicate img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    ctx.close()
