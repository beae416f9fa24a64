"""Offline: photos wait in IndexedDB across a reload and arrive exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import (
    Api,
    login_page,
    make_campaign,
    make_collector,
    open_capture,
    shoot,
    submissions_of,
    tasks_of,
    wait_camera,
)

pytestmark = pytest.mark.browser


def test_offline_capture_reload_and_send_exactly_once(
    context: Any, page: Any, base_url: str, admin: Api
) -> None:
    campaign = make_campaign(admin, target=10)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])
    wait_camera(page)
    # The service worker controls the page before the network goes away.
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.wait_for_selector("#offline-flag:not([hidden])")
    for _ in range(3):
        shoot(page)
        page.wait_for_timeout(150)  # a moment between photos, as by hand
    page.wait_for_selector("#unsent[data-count='3']")
    assert submissions_of(admin, campaign["id"]) == []

    page.reload()  # offline: the service worker serves the app shell
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#unsent[data-count='3']")
    page.goto(f"{base_url}/app/#/photos")
    page.wait_for_selector("#waiting-count[data-count='3']")
    assert page.locator(".photo-row[data-state=queued]").count() == 3
    # Logging out now warns that three photos are not sent; the collector stays.
    page.click("nav.tabs a[href='#/account']")
    page.click("#logout")
    page.wait_for_selector("#confirm-dialog")
    assert "3" in page.inner_text("#confirm-dialog")
    page.click("#dialog-cancel")
    assert page.locator("#account").is_visible()
    page.click("nav.tabs a[href='#/photos']")
    page.wait_for_selector("#waiting-count[data-count='3']")

    context.set_offline(False)
    page.wait_for_selector("#unsent", state="hidden", timeout=30000)
    page.wait_for_selector("#waiting-count[data-count='0']")
    subs = submissions_of(admin, campaign["id"])
    assert len(subs) == 3, subs
    assert len({s["submission_id"] for s in subs}) == 3
    assert all(s["captured_at"] for s in subs)
    assert page.js_errors == []


def test_retry_with_same_upload_id_does_not_duplicate(page: Any, base_url: str, admin: Api) -> None:
    """A photo whose answer was lost is sent again with its upload id: still one photo."""
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    _, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])
    wait_camera(page)
    shoot(page)
    page.wait_for_selector("#strip .strip-item[data-state=sent]")
    # Put the sent photo back in the queue as if its answer had never arrived.
    page.evaluate("""async () => {
      const q = await import('/app/queue.js');
      const [u] = await q.allUploads();
      const again = { ...u, state: 'queued', blob: u.blob || new Blob([new Uint8Array(8)]) };
      await q.putUpload(again);
      await q.flush();
    }""")
    page.wait_for_function("document.querySelector('#unsent').hidden")
    assert len(submissions_of(admin, campaign["id"])) == 1


def test_claim_lapsed_while_offline_is_renewed_on_send(
    context: Any, page: Any, base_url: str, admin: Api
) -> None:
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    collector, creds = make_collector(base_url, admin)
    open_capture(page, creds, task["id"])
    wait_camera(page)
    context.set_offline(True)
    shoot(page)
    page.wait_for_selector("#unsent[data-count='1']")
    collector.post(f"/tasks/{task['id']}/release")  # as if the lease ran out meanwhile
    context.set_offline(False)
    page.wait_for_selector("#strip .strip-item[data-state=sent]", timeout=30000)
    assert len(submissions_of(admin, campaign["id"])) == 1
    assert page.js_errors == []


def test_photos_wait_for_their_own_collector_on_a_shared_phone(
    context: Any, page: Any, base_url: str, admin: Api
) -> None:
    campaign = make_campaign(admin)
    task = tasks_of(admin, campaign["id"])[0]
    _, amina = make_collector(base_url, admin)
    _, baraka = make_collector(base_url, admin)
    open_capture(page, amina, task["id"])
    wait_camera(page)
    context.set_offline(True)
    shoot(page)
    page.wait_for_selector("#unsent[data-count='1']")
    page.click("nav.tabs a[href='#/account']")
    page.click("#logout")
    page.click("#dialog-ok")  # "log out anyway"
    page.wait_for_selector("#login-form")
    context.set_offline(False)

    # Another collector signs in on the same phone: Amina's photo is not sent as theirs.
    login_page(page, baraka["username"], baraka["password"])
    page.wait_for_selector("#tasks")
    page.evaluate("async () => (await import('/app/queue.js')).flush()")
    page.wait_for_timeout(500)
    assert submissions_of(admin, campaign["id"]) == []
    assert page.locator("#unsent").is_hidden(), "not Baraka's photo to send"
    waiting = page.evaluate(
        "async () => (await (await import('/app/queue.js')).allUploads())"
        ".filter(u => u.state !== 'sent').length"
    )
    assert waiting == 1, "still kept on the phone for Amina"

    page.click("nav.tabs a[href='#/account']")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    login_page(page, amina["username"], amina["password"])
    page.wait_for_selector("#tasks")
    subs: list[dict[str, Any]] = []
    for _ in range(60):
        subs = submissions_of(admin, campaign["id"])
        if subs:
            break
        page.wait_for_timeout(500)
    assert len(subs) == 1
    assert subs[0]["collector"] == admin.get(f"/collectors/{amina['id']}")["pseudonym"]
