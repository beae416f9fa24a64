"""The web pages are served by the API app: `/` -> `/app/`, static files with JS types,
and the API keeps priority over the static mount."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from snapset.api.app import STATIC_DIR

pytestmark = pytest.mark.skipif(
    not (STATIC_DIR / "app" / "index.html").exists(), reason="web pages not built yet"
)


def test_root_redirects_to_collector_app(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/app/"
    page = client.get("/app/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_javascript_is_served_as_javascript(client: TestClient) -> None:
    r = client.get("/app/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")


def test_api_routes_win_over_static_files(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    r = client.get("/api/v1/no-such-endpoint")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"
