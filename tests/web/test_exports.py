"""Export page: start an export, follow its progress to the end, download the archive."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from tests.web.conftest import (
    ADMIN_PASSWORD,
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


def test_export_progress_and_download(browser: Any, base_url: str, admin: Api) -> None:
    campaign = make_campaign(admin, target=10)
    task = tasks_of(admin, campaign["id"])[0]
    collector, _ = make_collector(base_url, admin)
    collector.post(f"/tasks/{task['id']}/claim")
    for seed in (31, 32, 33):
        collector.post(
            f"/tasks/{task['id']}/uploads",
            files={"file": ("p.jpg", jpeg_bytes(textured_rgb(640, 480, seed=seed)), "image/jpeg")},
            data={"upload_id": unique("e-")},
        )
    ctx = new_context(browser, base_url, phone=False)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login_page(page, "admin", ADMIN_PASSWORD, path="/admin/")
    page.wait_for_selector("#new-campaign")

    page.goto(f"{base_url}/admin/#/exports?campaign={campaign['id']}")
    page.select_option("#export-format", "coco")
    page.click("#start-export")
    page.wait_for_selector("[data-export] [data-status=done]", timeout=60000)
    bar = page.locator("[data-export] .progress").first
    assert bar.get_attribute("aria-valuenow") == "100"
    link = page.locator("[data-export] a[download]").first
    href = link.get_attribute("href")
    body = page.evaluate(
        "async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer()))", href
    )
    names = zipfile.ZipFile(io.BytesIO(bytes(body))).namelist()
    assert "manifest.jsonl" in names, names
    assert any(n.startswith("annotations/") and n.endswith(".json") for n in names), names
    assert errors == []
    ctx.close()
