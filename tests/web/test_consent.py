"""Consent: the subject signs on the screen before their photos; the record is linked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import (
    Api,
    make_campaign,
    make_collector,
    open_capture,
    shoot,
    submissions_of,
    tasks_of,
    wait_camera,
)
from tests.web.fakecam import jpeg_bytes, textured_rgb

pytestmark = pytest.mark.browser


def sign(page: Any) -> None:
    box = page.locator("#signature").bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + i * 10, y + (12 if i % 2 else -12), steps=2)
    page.mouse.up()


def test_consent_signature_before_photos(page: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin, consent=True)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])

    page.wait_for_selector("#consent")  # the camera waits until the subject consented
    assert page.inner_text("#consent-text").strip()
    page.fill("#subject-name", "Wanjiru K.")
    page.click("#consent-submit")
    assert "agree" in page.inner_text("#consent .error-box")
    page.check("#consent-agree")
    page.click("#consent-submit")
    assert "sign" in page.inner_text("#consent .error-box").lower()
    sign(page)
    page.click("#consent-submit")

    wait_camera(page)
    assert "Wanjiru K." in page.inner_text("#consent-bar")
    shoot(page)
    shoot(page)
    page.wait_for_function(
        "document.querySelectorAll('#strip .strip-item[data-state=sent]').length === 2"
    )
    consents = [c for c in admin.get("/consents", params={"campaign_id": campaign["id"]})]
    assert len(consents) == 1
    record = consents[0]
    assert record["subject_name"] == "Wanjiru K."
    assert record["has_form"], "the signature image is stored with the record"
    subs = submissions_of(admin, campaign["id"])
    assert sorted(record["submission_ids"]) == sorted(s["submission_id"] for s in subs)
    assert len(subs) == 2
    assert page.js_errors == []


def test_consent_by_photo_of_a_signed_paper_form(page: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin, consent=True)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])
    page.wait_for_selector("#consent")
    page.fill("#subject-name", "Juan P.")
    form = jpeg_bytes(textured_rgb(900, 1200, seed=51))
    page.set_input_files(
        "#paper-form", files=[{"name": "form.jpg", "mimeType": "image/jpeg", "buffer": form}]
    )
    page.wait_for_selector("#paper-state:text-matches('.+')")
    page.click("#consent-submit")
    wait_camera(page)
    shoot(page)
    page.wait_for_selector("#strip .strip-item[data-state=sent]")
    [record] = admin.get("/consents", params={"campaign_id": campaign["id"]})
    assert record["subject_name"] == "Juan P." and record["has_form"]
    assert record["form_content_type"] == "image/jpeg"
    assert len(record["submission_ids"]) == 1
