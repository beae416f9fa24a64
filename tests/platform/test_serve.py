"""End to end: the real `snapset serve` process on a free port with a temporary data dir."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SERVER_CAP = 2_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    data_dir: Path, *args: str, env_extra: dict[str, str] | None = None
) -> Iterator[tuple[str, Path]]:
    """Start `snapset serve` on a free port; yields (base url, console log path)."""
    log_path = data_dir.parent / f"console-{uuid.uuid4().hex[:6]}.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPSET_")}
    env.update(env_extra or {})
    command = [sys.executable, "-c", "from snapset.cli import main; main()", "serve"]
    command += ["--port", str(port), "--data-dir", str(data_dir), *args]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise AssertionError("server exited:\n" + log_path.read_text())
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        yield base, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """(base url, data dir, console output) of a server started with --demo."""
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    env = {"SNAPSET_MAX_UPLOAD_BYTES": str(SERVER_CAP)}
    with running_server(data_dir, "--demo", env_extra=env) as (base, log_path):
        yield base, data_dir, log_path.read_text()


def test_several_worker_processes(tmp_path: Path) -> None:
    """`--workers 2`: both processes serve the same data; the admin password is honoured."""
    env = {"SNAPSET_ADMIN_PASSWORD": "worker test password"}
    with running_server(tmp_path / "data", "--workers", "2", env_extra=env) as (base, log):
        for _ in range(6):
            with httpx.Client(base_url=base) as c:
                r = c.post(
                    "/api/v1/auth/login",
                    json={"username": "admin", "password": "worker test password"},
                )
                assert r.status_code == 200, r.text
                assert c.get("/api/v1/me").json()["role"] == "admin"
        assert "one-time password" not in log.read_text()


def _admin_password(console: str) -> str:
    for line in console.splitlines():
        if "one-time password:" in line:
            return line.rsplit(":", 1)[1].strip()
    raise AssertionError("no admin password printed:\n" + console)


def test_first_start_creates_admin_and_serves_docs(server: tuple[str, Path, str]) -> None:
    base, data_dir, console = server
    assert (data_dir / "snapset.db").exists()
    assert oct((data_dir / "secret.key").stat().st_mode & 0o777) == "0o600"
    docs = httpx.get(f"{base}/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = httpx.get(f"{base}/api/openapi.json").json()
    assert "/api/v1/tasks/{task_id}/uploads" in spec["paths"]
    with httpx.Client(base_url=base) as admin:
        r = admin.post(
            "/api/v1/auth/login", json={"username": "admin", "password": _admin_password(console)}
        )
        assert r.status_code == 200, r.text
        admin.headers["X-CSRF-Token"] = admin.cookies["snapset_csrf"]
        campaigns = admin.get("/api/v1/campaigns").json()
        assert [c["name"] for c in campaigns] == ["Demo: street text in Nairobi"]
        assert campaigns[0]["status"] == "active"
        assert admin.post("/api/v1/auth/logout").status_code == 204


def test_demo_collector_sees_checked_photos(server: tuple[str, Path, str]) -> None:
    base, _, _ = server
    with httpx.Client(base_url=base) as c:
        r = c.post(
            "/api/v1/auth/login",
            json={"username": "demo-collector", "password": "demo-collector-pass"},
        )
        assert r.status_code == 200
        mine = c.get("/api/v1/me/submissions").json()
        verdicts = {m["verdict"] for m in mine}
        assert verdicts == {"accepted", "needs_review", "rejected"}
        codes = {r["code"] for m in mine for r in m["reasons"]}
        assert {"blurry", "dark", "duplicate", "location_missing"} <= codes


def _bearer(base: str) -> tuple[str, int]:
    with httpx.Client(base_url=base) as c:
        c.post(
            "/api/v1/auth/login",
            json={"username": "demo-collector", "password": "demo-collector-pass"},
        )
        c.headers["X-CSRF-Token"] = c.cookies["snapset_csrf"]
        token = c.post("/api/v1/me/tokens", json={"name": "e2e"}).json()["token"]
        task_id = c.get("/api/v1/tasks?claimed=true").json()[0]["id"]
    return token, task_id


def test_oversized_upload_is_cut_off_while_streaming(server: tuple[str, Path, str]) -> None:
    """The server answers 413 and stops reading long before the client has sent it all."""
    base, data_dir, _ = server
    token, task_id = _bearer(base)
    port = int(base.rsplit(":", 1)[1])
    boundary = "snapsetboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload_id"\r\n\r\n'
        f"{uuid.uuid4()}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="file"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    offered = 200 * 1024 * 1024
    sent = 0
    response = b""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            (
                f"POST /api/v1/tasks/{task_id}/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
            ).encode()
        )
        chunk = b"\xff" * 65536
        try:
            sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
            while sent < offered:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                response += data
        except (ConnectionResetError, TimeoutError):
            pass
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    body = json.loads(response.split(b"\r\n\r\n", 1)[1].split(b"\r\n0\r\n")[0].strip() or b"{}")
    assert body["detail"]["code"] == "file_too_large"
    assert sent < offered / 4
    assert list((data_dir / "tmp").glob("upload-*")) == []
    # The server keeps serving.
    assert httpx.get(f"{base}/api/v1/health").status_code == 200


def test_upload_over_http_gets_a_verdict(server: tuple[str, Path, str]) -> None:
    from snapset.service.demo import sample_scene
    from tests.platform import photos

    base, _, _ = server
    token, task_id = _bearer(base)
    data = photos.jpeg(pixels=sample_scene(77))
    headers = {"Authorization": f"Bearer {token}"}
    form = {"upload_id": "e2e-1", "lat": "-1.29", "lon": "36.82"}
    r = httpx.post(
        f"{base}/api/v1/tasks/{task_id}/uploads",
        data=form,
        files={"file": ("p.jpg", data, "image/jpeg")},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["verdict"] == "accepted", r.json()["reasons"]
    again = httpx.post(
        f"{base}/api/v1/tasks/{task_id}/uploads",
        data=form,
        files={"file": ("p.jpg", data, "image/jpeg")},
        headers=headers,
    )
    assert again.status_code == 200
    assert again.json()["submission_id"] == r.json()["submission_id"]


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPSET_")}
    env["SNAPSET_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from snapset.cli import main; main()",
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(_free_port()),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr
