#!/usr/bin/env python3
"""Screenshots of the main pages at phone (360x780) and desktop (1366x900) sizes.

Starts a throw-away `snapset serve` on a free port with a temporary data folder, fills it
through the HTTP API (a campaign from a template, a collector, photos with different
verdicts), drives Debian's chromium with a fake camera and writes PNGs to
docs/screenshots/. Run: `python scripts/screenshots.py [--out docs/screenshots]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.conftest import (  # noqa: E402
    ADMIN_PASSWORD,
    Api,
    Server,
    launch,
    login_page,
    make_campaign,
    make_collector,
    new_context,
    open_capture,
    shoot,
    tasks_of,
    unique,
    wait_camera,
)
from tests.web.fakecam import (  # noqa: E402
    blurred,
    jpeg_bytes,
    moving_frames,
    textured_rgb,
    write_y4m,
)


def upload(collector: Api, task_id: int, rgb: Any, hour: int) -> None:
    collector.post(
        f"/tasks/{task_id}/uploads",
        files={"file": ("p.jpg", jpeg_bytes(rgb), "image/jpeg")},
        data={
            "upload_id": unique("shot-"),
            "captured_at": f"2026-11-25T{hour:02d}:15:00Z",
            "lat": "-1.29",
            "lon": "36.82",
        },
    )


def seed(server: Server) -> dict[str, Any]:
    """A realistic small state: photos accepted, in review and rejected in one campaign."""
    admin = Api(server.url, "admin", ADMIN_PASSWORD)
    # The vehicles template (vehicle x time of day: a heat map on the dashboard), for Kenya.
    campaign = admin.post(
        "/campaigns",
        json={
            "template": "vehicles",
            "name": "Vehicles in Nairobi",
            "overrides": {
                "constraints": {
                    "min_width": 640,
                    "min_height": 480,
                    "geofence": {"countries": ["KE"]},
                },
                "quota": {"target_per_cell": 6},
                "qc": {"review": ["grayscale"]},
            },
        },
    )
    admin.post(f"/campaigns/{campaign['id']}/activate")
    make_campaign(admin, consent=True, category="faces", task_type="face")
    collector, creds = make_collector(server.url, admin)
    tasks = tasks_of(admin, campaign["id"])[:6]
    for i, task in enumerate(tasks):
        collector.post(f"/tasks/{task['id']}/claim")
        for j in range(1 + i):
            rgb = textured_rgb(800, 600, seed=100 * i + j)
            if j % 5 == 3:
                rgb = blurred(rgb, 6)
            elif j % 5 == 4:
                rgb = rgb.mean(axis=2).astype("uint8")[..., None].repeat(3, axis=2)
            upload(collector, task["id"], rgb, hour=7 + (3 * j + i) % 14)
        collector.post(f"/tasks/{task['id']}/release")
    make_collector(server.url, admin, verify=False)  # one waiting for verification
    return {"admin": admin, "campaign": campaign, "tasks": tasks, "creds": creds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        server = Server(tmpdir / "data", tmpdir / "server.log")
        server.start()
        try:
            state = seed(server)
            camera = write_y4m(tmpdir / "cam.y4m", moving_frames(textured_rgb()))
            with sync_playwright() as p:
                browser = launch(p, camera)
                shoot_pages(browser, server.url, state, args.out)
                browser.close()
        finally:
            server.stop()
    for png in sorted(args.out.glob("*.png")):
        print(png.relative_to(ROOT))


def save(page: Any, out: Path, name: str, full: bool = False) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(
        "[...document.images].filter(i => i.getBoundingClientRect().top < innerHeight)"
        ".every(i => i.complete)"
    )
    page.evaluate("document.getElementById('toasts')?.remove()")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)


def shoot_pages(browser: Any, base_url: str, state: dict[str, Any], out: Path) -> None:
    creds = state["creds"]
    campaign = state["campaign"]
    # Phone: the collector app.
    ctx = new_context(browser, base_url)
    page = ctx.new_page()
    page.goto("/app/#/signup")
    page.wait_for_selector("#signup-form")
    save(page, out, "phone-signup")
    open_capture(page, creds, state["tasks"][0]["id"])
    wait_camera(page)
    shoot(page)
    page.wait_for_selector("#strip .strip-item[data-state=sent]")
    page.click("#shutter")  # the same view again: the pre-check flags a near duplicate
    page.wait_for_selector("#precheck:not([hidden])")
    save(page, out, "phone-capture")
    page.click("#retake")
    page.goto(f"{base_url}/app/#/tasks")
    page.wait_for_selector("#tasks .task-card")
    save(page, out, "phone-tasks")
    page.click("#tasks .task-card")
    page.wait_for_selector("#task")
    save(page, out, "phone-task")
    page.goto(f"{base_url}/app/#/account")
    page.wait_for_selector("#earnings .stat")
    save(page, out, "phone-account")
    page.goto(f"{base_url}/app/#/history")
    page.wait_for_selector("#history")
    save(page, out, "phone-history")
    ctx.close()

    # Desktop: the manager and reviewer pages.
    ctx = new_context(browser, base_url, phone=False)
    page = ctx.new_page()
    login_page(page, "admin", ADMIN_PASSWORD, path="/admin/")
    page.wait_for_selector("#campaigns")
    save(page, out, "desktop-campaigns")
    page.goto(f"{base_url}/admin/#/campaigns/{campaign['id']}")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    save(page, out, "desktop-dashboard", full=True)
    page.goto(f"{base_url}/admin/#/review?campaign={campaign['id']}")
    page.wait_for_selector("#review-grid .thumb")
    save(page, out, "desktop-review")
    page.goto(f"{base_url}/admin/#/campaigns/new")
    page.wait_for_selector("#templates")
    save(page, out, "desktop-new-campaign")
    page.goto(f"{base_url}/admin/#/collectors?status=pending")
    page.wait_for_selector("#collectors, .card.muted")
    save(page, out, "desktop-collectors")
    page.goto(f"{base_url}/admin/#/exports?campaign={campaign['id']}")
    page.wait_for_selector("#start-export")
    page.click("#start-export")
    page.wait_for_selector("[data-export] [data-status=done]", timeout=60000)
    save(page, out, "desktop-exports")
    ctx.close()

    # The dashboard on a phone, and the collector app on a desktop browser.
    ctx = new_context(browser, base_url)
    page = ctx.new_page()
    login_page(page, "admin", ADMIN_PASSWORD, path="/admin/")
    page.wait_for_selector("#campaigns")
    page.goto(f"{base_url}/admin/#/campaigns/{campaign['id']}")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    save(page, out, "phone-dashboard")
    ctx.close()


if __name__ == "__main__":
    main()
