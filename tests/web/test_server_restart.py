"""A photo taken while the server is down waits on the phone and arrives after restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import (
    ADMIN_PASSWORD,
    Api,
    Server,
    make_campaign,
    make_collector,
    new_context,
    open_capture,
    shoot,
    submissions_of,
    tasks_of,
    wait_camera,
)

pytestmark = pytest.mark.browser


def test_photo_survives_server_restart(browser: Any, tmp_path: Path) -> None:
    server = Server(tmp_path / "data", tmp_path / "server.log")
    server.start()
    try:
        admin = Api(server.url, "admin", ADMIN_PASSWORD)
        campaign = make_campaign(admin)
        task = tasks_of(admin, campaign["id"])[0]
        _, creds = make_collector(server.url, admin)
        ctx = new_context(browser, server.url)
        page = ctx.new_page()
        open_capture(page, creds, task["id"])
        wait_camera(page)

        server.stop()
        shoot(page)
        page.wait_for_selector("#unsent[data-count='1']")
        # The sender keeps the photo queued through refused connections.
        page.wait_for_timeout(1500)
        assert page.get_attribute("#strip .strip-item", "data-state") in ("queued", "sending")

        server.start()  # same data folder, same port
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("#strip .strip-item[data-state=sent]", timeout=60000)
        page.wait_for_selector("#unsent", state="hidden")
        admin = Api(server.url, "admin", ADMIN_PASSWORD)
        assert len(submissions_of(admin, campaign["id"])) == 1
        ctx.close()
    finally:
        server.stop()
