"""Sign-up to verified collector, through the collector app and the admin page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ADMIN_PASSWORD, Api, login_page, new_context, unique
from tests.web.fakecam import jpeg_bytes, textured_rgb

pytestmark = pytest.mark.browser


def test_signup_documents_admin_verification(browser: Any, base_url: str, admin: Api) -> None:
    phone = new_context(browser, base_url)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    username = unique("amina")
    page.goto("/app/#/signup")
    page.fill("#signup-form input[name=username]", username)
    page.fill("#signup-form input[name=password]", "a-long-password-1")
    page.select_option("#signup-form select[name=country]", "KE")
    page.check("#languages input[value=sw]")
    page.fill("#signup-form input[name=phone_model]", "Tecno Spark 10")
    page.click("#signup-form button[type=submit]")

    page.wait_for_selector("#verify")
    assert page.get_attribute("#verification-status", "data-status") == "pending"
    doc = jpeg_bytes(textured_rgb(800, 500, seed=11))
    selfie = jpeg_bytes(textured_rgb(480, 640, seed=12))
    page.set_input_files(
        "#doc-identity", files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": doc}]
    )
    page.wait_for_selector(".doc-row[data-kind=identity] .doc-state.ok")
    page.set_input_files(
        "#doc-selfie", files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": selfie}]
    )
    page.wait_for_selector(".doc-row[data-kind=selfie] .doc-state.ok")
    # Tasks are closed to an unverified collector: the app sends them back to verification.
    page.goto("/app/#/tasks")
    page.wait_for_selector("#verify")

    # The admin sees the pending collector with both documents and approves.
    desk = new_context(browser, base_url, phone=False)
    adm = desk.new_page()
    adm.on("pageerror", lambda e: errors.append(str(e)))
    login_page(adm, "admin", ADMIN_PASSWORD, path="/admin/")
    adm.wait_for_selector("#new-campaign, .card.muted")
    adm.goto("/admin/#/collectors?status=pending")
    adm.click(f"#collectors a:text-is('{username}')")
    adm.wait_for_selector("#documents img")
    adm.wait_for_function(
        "[...document.querySelectorAll('#documents img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert adm.locator("#documents img").count() == 2
    adm.click("#verify-approve")
    adm.wait_for_selector("#collector [data-status=verified]")

    page.click("#verify-refresh")
    page.wait_for_selector("#tasks")

    # Suspending with a reason closes the tasks again and tells the collector why.
    adm.fill("#status-reason", "fraud_suspected")
    adm.click("#suspend")
    adm.wait_for_selector("#collector [data-status=suspended]")
    page.goto("/app/#/account")
    page.reload()
    page.wait_for_selector("#account")
    page.goto("/app/#/tasks")
    page.wait_for_selector("#verify [data-status=suspended]")
    assert "fraud_suspected" in page.inner_text("#verify")
    me = [
        c
        for c in admin.get("/collectors", params={"status": "suspended"})
        if c["username"] == username
    ]
    assert me and me[0]["country"] == "KE" and "sw" in me[0]["languages"]
    assert me[0]["phone_model"] == "Tecno Spark 10"
    assert errors == []
    phone.close()
    desk.close()
