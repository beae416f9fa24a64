"""Claim, capture with the (fake) rear camera, pre-check, upload and the verdict shown."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import (
    Api,
    login_page,
    make_campaign,
    make_collector,
    new_context,
    open_capture,
    shoot,
    submissions_of,
    tasks_of,
    wait_camera,
)
from tests.web.fakecam import jpeg_bytes, textured_rgb

pytestmark = pytest.mark.browser


def test_capture_upload_and_verdict(page: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    login_page(page, creds["username"], creds["password"])
    card = page.locator(f"a.task-card[data-task='{task['id']}']")
    assert "$0.25" in card.inner_text() and "5" in card.inner_text()
    card.click()
    assert "shop sign" in page.inner_text("#task .instructions")
    assert page.locator(".examples figure.good").count() == 1
    assert page.locator(".examples figure.bad").count() == 1
    page.click("#claim")
    page.wait_for_selector("#release")
    page.click("#release")  # release and claim again: the buttons follow the state
    page.click("#claim")
    page.click("#start-capture")
    wait_camera(page)

    shoot(page, send_anyway=False)  # a sharp, well-lit frame passes the pre-check
    item = page.locator("#strip .strip-item").first
    page.wait_for_selector("#strip .strip-item[data-state=sent]")
    verdict = item.get_attribute("data-verdict")
    assert verdict in ("accepted", "needs_review", "rejected")
    assert item.locator(f".pill[data-verdict={verdict}]").is_visible()
    assert page.get_attribute("#taken-count", "data-count") == "1"

    subs = submissions_of(admin, campaign["id"])
    assert len(subs) == 1
    sub = subs[0]
    assert sub["verdict"] == verdict
    assert (sub["width"], sub["height"]) == (640, 480)
    assert sub["captured_at"], "capture time from the browser clock"
    assert sub["location"] and abs(sub["location"]["lat"] - (-1.2921)) < 1e-3
    assert abs(sub["location"]["lon"] - 36.8219) < 1e-3

    # The collector's history and account show the photo and its outcome.
    page.click("nav.tabs a[href='#/history']")
    row = page.locator(f"#history [data-submission='{sub['submission_id']}']")
    row.wait_for()
    assert row.locator(f"[data-verdict={verdict}]").count() == 1
    page.wait_for_function(
        "(sel) => { const i = document.querySelector(sel);"
        " return i.complete && i.naturalWidth > 0; }",
        arg=f"#history [data-submission='{sub['submission_id']}'] img",
    )
    page.click("nav.tabs a[href='#/account']")
    page.wait_for_selector("#earnings .stat")
    counts = {"accepted": "accepted", "needs_review": "pending", "rejected": "rejected"}
    assert page.inner_text(f"#earnings [data-key={counts[verdict]}] .stat-value") == "1"
    assert page.js_errors == []


def test_precheck_rejects_blurry_frame_and_retake(
    blurry_browser: Any, base_url: str, admin: Api
) -> None:
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    ctx = new_context(blurry_browser, base_url, locale="es-ES")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_capture(page, creds, task["id"])
    wait_camera(page)

    page.click("#shutter")
    page.wait_for_selector("#precheck:not([hidden])")
    reasons = page.locator("#precheck li[data-code]")
    assert "blurry" in reasons.evaluate_all("els => els.map(e => e.dataset.code)")
    assert "borrosa" in page.inner_text("#precheck"), "reason in the collector's language"
    page.click("#retake")
    assert page.locator("#precheck").is_hidden()
    assert page.locator("#strip .strip-item").count() == 0, "a retaken photo is not queued"

    # The collector may still send it: the server decides, and its reasons are shown.
    page.click("#shutter")
    page.click("#send-anyway")
    page.wait_for_selector("#strip .strip-item[data-state=sent]")
    item = page.locator("#strip .strip-item").first
    assert item.get_attribute("data-verdict") in ("rejected", "needs_review")
    codes = item.locator(".reasons li").evaluate_all("els => els.map(e => e.dataset.code)")
    assert "blurry" in codes
    assert len(submissions_of(admin, campaign["id"])) == 1
    assert errors == []
    ctx.close()


def test_file_input_fallback_without_camera(page: Any, base_url: str, admin: Api) -> None:
    """No camera (refused or absent): the page offers the phone's camera app / files."""
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('denied', 'NotAllowedError'));"
    )
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])
    page.wait_for_selector("#capture[data-camera='off']")
    assert page.locator("#shutter").is_hidden()
    assert page.get_attribute("#file-input", "capture") == "environment"
    photos = [
        {
            "name": f"IMG_{i}.jpg",
            "mimeType": "image/jpeg",
            "buffer": jpeg_bytes(textured_rgb(1024, 768, seed=40 + i)),
        }
        for i in range(2)
    ]
    page.set_input_files("#file-input", files=photos)
    page.wait_for_function(
        "document.querySelectorAll('#strip .strip-item[data-state=sent]').length === 2"
    )
    subs = submissions_of(admin, campaign["id"])
    assert sorted((s["width"], s["height"]) for s in subs) == [(1024, 768), (1024, 768)]
    assert page.js_errors == []
