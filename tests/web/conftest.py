"""Browser test harness: a real `snapset serve` on a free port with a temporary data
folder, Debian's chromium driven by Playwright with a fake camera, and API helpers.

The server and the browser are started once per session; every test gets a fresh
browser context (cookies, storage, service workers) and its own users and campaigns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.fakecam import blurred, jpeg_bytes, moving_frames, textured_rgb, write_y4m

CHROMIUM = Path(os.environ.get("SNAPSET_CHROMIUM", "/usr/bin/chromium"))
ADMIN_PASSWORD = "web-tests-admin-password"
BASE_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
PHONE = {"width": 360, "height": 780}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"chromium not installed at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright for Python is not installed (pip install -e '.[test]')"
    for item in items:
        if "browser" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running `snapset serve` subprocess; restartable on the same data folder."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.log = log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "SNAPSET_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SNAPSET_SECRET_KEY": "web-tests-secret-key-0123456789abcdef",
        }
        env.pop("SNAPSET_DATABASE_URL", None)
        env.pop("SNAPSET_STORAGE_URL", None)
        env.pop("SNAPSET_REDIS_URL", None)
        exe = shutil.which("snapset") or sys.executable
        cmd = [exe] if exe.endswith("snapset") else [exe, "-m", "snapset.cli"]
        cmd += ["serve", "--data-dir", str(self.data_dir), "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"snapset serve exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"snapset serve did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("snapset-web")
    srv = Server(root / "data", root / "server.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.url


class Api:
    """A logged-in API client (cookie session + CSRF header), as the pages use it."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        self.login(username, password)

    def login(self, username: str, password: str) -> None:
        r = self.client.post("/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        self.client.headers["X-CSRF-Token"] = self.client.cookies["snapset_csrf"]

    def get(self, path: str, **kw: Any) -> Any:
        r = self.client.get(path, **kw)
        assert r.status_code < 300, f"GET {path}: {r.status_code} {r.text}"
        return r.json()

    def post(self, path: str, **kw: Any) -> Any:
        r = self.client.post(path, **kw)
        assert r.status_code < 300, f"POST {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def put(self, path: str, **kw: Any) -> Any:
        r = self.client.put(path, **kw)
        assert r.status_code < 300, f"PUT {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


@pytest.fixture(scope="session")
def admin(base_url: str) -> Api:
    return Api(base_url, "admin", ADMIN_PASSWORD)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


TEST_SPEC = """\
spec_version: 1
name: {name}
category: {category}
task_type: {task_type}
instructions: |
  Photograph the shop sign from the front, the whole sign in the frame.

  Keep the phone level; no people in the photo.
examples:
  - {{url: /app/icon.svg, caption: "The whole sign, straight on", good: true}}
  - {{url: /app/icon.svg, caption: "Cut off at the edge", good: false}}
constraints:
  min_width: 640
  min_height: 480
  geofence:
    countries: [{country}]
quota:
  target_per_cell: {target}
  dimensions:
    - name: lighting
      values: [daylight, night]
consent:
  required: {consent}
pay: {{amount: "0.25", currency: USD}}
{extra}"""


def make_campaign(
    admin: Api,
    *,
    country: str = "KE",
    consent: bool = False,
    target: int = 5,
    category: str = "text_in_scenes",
    task_type: str = "ocr",
    activate: bool = True,
    extra: str = "",
) -> dict[str, Any]:
    """An active campaign whose photos the fake camera (640x480) satisfies."""
    spec = TEST_SPEC.format(
        name=unique("Signs "),
        country=country,
        consent=str(consent).lower(),
        target=target,
        category=category,
        task_type=task_type,
        extra=extra,
    )
    campaign = admin.post("/campaigns", json={"spec_yaml": spec})
    if activate:
        admin.post(f"/campaigns/{campaign['id']}/activate")
    return campaign


def make_collector(
    base_url: str, admin: Api, *, country: str = "KE", verify: bool = True
) -> tuple[Api, dict[str, Any]]:
    """A collector signed up through the API (and verified by the admin)."""
    username = unique("col")
    password = "collector-password-1"
    client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
    r = client.post(
        "/collectors/signup",
        json={
            "username": username,
            "password": password,
            "country": country,
            "languages": ["en"],
            "phone_model": "Pixel 7",
        },
    )
    assert r.status_code < 300, r.text
    me = r.json()
    client.headers["X-CSRF-Token"] = client.cookies["snapset_csrf"]
    for kind, seed in (("identity", 1), ("selfie", 2)):
        doc = jpeg_bytes(textured_rgb(480, 360, seed=seed))
        r = client.post(
            "/collectors/me/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.jpg", doc, "image/jpeg")},
        )
        assert r.status_code < 300, r.text
    if verify:
        admin.post(f"/collectors/{me['id']}/verify", json={"decision": "approve"})
    return Api(base_url, username, password), {"username": username, "password": password, **me}


@pytest.fixture(scope="session")
def camera_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fakecam")
    sharp = textured_rgb()
    return {
        "sharp": write_y4m(root / "sharp.y4m", moving_frames(sharp)),
        "blurry": write_y4m(root / "blurry.y4m", [blurred(sharp)]),
    }


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch(playwright_driver: Any, camera: Path) -> Any:
    return playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*BASE_ARGS, f"--use-file-for-fake-video-capture={camera}"],
    )


@pytest.fixture(scope="session")
def browser(playwright_driver: Any, camera_files: dict[str, Path]) -> Iterator[Any]:
    b = launch(playwright_driver, camera_files["sharp"])
    yield b
    b.close()


@pytest.fixture(scope="session")
def blurry_browser(playwright_driver: Any, camera_files: dict[str, Path]) -> Iterator[Any]:
    b = launch(playwright_driver, camera_files["blurry"])
    yield b
    b.close()


def new_context(browser: Any, base_url: str, *, phone: bool = True, locale: str = "en-US") -> Any:
    ctx = browser.new_context(
        base_url=base_url,
        viewport=PHONE if phone else {"width": 1366, "height": 900},
        locale=locale,
        geolocation={"latitude": -1.2921, "longitude": 36.8219, "accuracy": 12},
        permissions=["geolocation", "camera"],
        device_scale_factor=1,
    )
    ctx.set_default_timeout(15000)
    return ctx


@pytest.fixture
def context(browser: Any, base_url: str) -> Iterator[Any]:
    ctx = new_context(browser, base_url)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.js_errors = errors  # type: ignore[attr-defined]
    return p


def login_page(page: Any, username: str, password: str, path: str = "/app/") -> None:
    """Sign in through the page's own form."""
    page.goto(f"{path}#/login")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")


def tasks_of(admin: Api, campaign_id: int) -> list[dict[str, Any]]:
    return admin.get(f"/campaigns/{campaign_id}/tasks")


def submissions_of(admin: Api, campaign_id: int) -> list[dict[str, Any]]:
    """Every submission of a campaign, whatever its verdict (via the review queue)."""
    out: list[dict[str, Any]] = []
    for verdict in ("accepted", "needs_review", "rejected"):
        out += admin.get(
            "/review/queue", params={"campaign_id": campaign_id, "verdict": verdict, "limit": 500}
        )
    return out


def open_capture(page: Any, creds: dict[str, Any], task_id: int) -> None:
    """Log a collector in through the app, claim the task on its page, open the camera."""
    login_page(page, creds["username"], creds["password"])
    page.wait_for_selector("#tasks")
    page.click(f"a.task-card[data-task='{task_id}']")
    page.wait_for_selector("#claim, #start-capture")
    if page.locator("#claim").count():
        page.click("#claim")
    page.click("#start-capture")


def wait_camera(page: Any) -> None:
    page.wait_for_selector("#capture[data-camera='on']")
    page.wait_for_function("document.querySelector('#viewfinder').videoWidth > 0")


def shoot(page: Any, *, send_anyway: bool = True) -> None:
    """Press the shutter; if the pre-check objects, send the photo anyway."""
    before = page.locator("#strip .strip-item").count()
    page.click("#shutter")
    page.wait_for_function(
        f"document.querySelectorAll('#strip .strip-item').length > {before}"
        " || !document.querySelector('#precheck').hidden"
    )
    if page.locator("#precheck").is_visible():
        assert send_anyway, page.inner_text("#precheck")
        page.click("#send-anyway")
        page.wait_for_function(f"document.querySelectorAll('#strip .strip-item').length > {before}")
