"""Upload throughput and latency of a real `snapset serve`, on SQLite and on PostgreSQL.

For each backend: start `snapset serve` as a subprocess on a fresh temporary data folder
(PostgreSQL: a freshly created database on 127.0.0.1:5432, trust auth), set everything up
through the HTTP API (admin API token, an active shelf-products campaign with one quota
cell per client, verified collectors with identity documents, one claimed task each),
then upload 200 distinct real 12-megapixel JPEGs (see upload_images.py) from 8
concurrent clients (httpx, one connection each) and print throughput and p50/p95/p99
latency per photo. Target on the 2-core dev machine: p95 < 1 s and >= 10 photos/s.

    nice -n 10 python benchmarks/upload_throughput.py [--backends sqlite,postgres]
        [--photos 200] [--clients 8] [--profile]

`--profile` runs the server under py-spy (pip install py-spy) and writes a flame graph
per backend to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from upload_images import prepare_upload_photos

OUT = Path(__file__).resolve().parent / "out"
ADMIN_PASSWORD = "bench-admin-password-1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
API = "/api/v1"


@dataclass
class Result:
    backend: str
    latencies: list[float] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0
    megabytes: float = 0.0
    server_cpu_seconds: float = 0.0
    load_average: float = 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_pg_database() -> tuple[str, str]:
    import psycopg

    name = f"snapset_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """`snapset serve` in a subprocess, optionally under py-spy."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None,
        profile_to: Path | None,
        server_workers: int = 1,
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SNAPSET_ADMIN_PASSWORD": ADMIN_PASSWORD}
        env.pop("SNAPSET_DATABASE_URL", None)
        if database_url:
            env["SNAPSET_DATABASE_URL"] = database_url
        command = [
            sys.executable,
            "-c",
            "from snapset.cli import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            "--workers",
            str(server_workers),
        ]
        if profile_to is not None:
            command = [
                "py-spy",
                "record",
                "--subprocesses",
                "--format",
                "raw",
                "-r",
                "50",
                "-o",
                str(profile_to),
                "--",
                *command,
            ]
        OUT.mkdir(parents=True, exist_ok=True)
        self.log = (OUT / f"upload_server_{data_dir.parent.name[:22]}.log").open("w")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}; see {self.log.name}"
                )
            try:
                if httpx.get(self.base + f"{API}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("server did not become ready")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)  # the server, and py-spy around it
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to get a per-photo CPU cost that
    does not depend on what else the machine is running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants (uvicorn workers under `--workers N`)."""
    total = process_cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += tree_cpu_seconds(int(child))
    return total


def check(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def small_jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def token_for(base: str, username: str, password: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        check(
            client.post(f"{API}/auth/login", json={"username": username, "password": password}),
            "login",
        )
        client.headers["X-CSRF-Token"] = client.cookies["snapset_csrf"]
        return str(check(client.post(f"{API}/me/tokens", json={"name": "bench"}), "token")["token"])


def setup(base: str, clients: int) -> list[tuple[str, int]]:
    """Campaign + verified collectors with one claimed task each: [(token, task_id)]."""
    admin = httpx.Client(
        base_url=base,
        timeout=60,
        headers={"Authorization": f"Bearer {token_for(base, 'admin', ADMIN_PASSWORD)}"},
    )
    cells = [f"aisle_{i}" for i in range(clients)]
    campaign = check(
        admin.post(
            f"{API}/campaigns",
            json={
                "template": "shelf_products",
                "name": "Upload benchmark",
                "overrides": {
                    "quota": {
                        "target_per_cell": 1000,
                        "dimensions": [{"name": "aisle", "values": cells}],
                    }
                },
            },
        ),
        "create campaign",
    )
    check(admin.post(f"{API}/campaigns/{campaign['id']}/activate"), "activate")
    out = []
    run = uuid.uuid4().hex[:6]
    for i in range(clients):
        username, password = f"bench{run}c{i}", "collector-password-1"
        with httpx.Client(base_url=base, timeout=60) as signup:
            me = check(
                signup.post(
                    f"{API}/collectors/signup",
                    json={
                        "username": username,
                        "password": password,
                        "country": "KE",
                        "languages": ["en"],
                        "phone_model": "BenchPhone",
                    },
                ),
                "signup",
            )
            signup.headers["X-CSRF-Token"] = signup.cookies["snapset_csrf"]
            for kind in ("identity", "selfie"):
                check(
                    signup.post(
                        f"{API}/collectors/me/documents",
                        data={"kind": kind},
                        files={
                            "file": (f"{kind}.jpg", small_jpeg(i * 2 + len(kind)), "image/jpeg")
                        },
                    ),
                    f"{kind} upload",
                )
        collector_id = me["collector"]["id"] if me.get("collector") else me["id"]
        check(
            admin.post(f"{API}/collectors/{collector_id}/verify", json={"decision": "approve"}),
            "verify",
        )
        token = token_for(base, username, password)
        with httpx.Client(
            base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as collector:
            tasks = check(collector.get(f"{API}/tasks"), "list tasks")
            mine = [
                t
                for t in tasks
                if t["campaign_id"] == campaign["id"] and t["cell"].get("aisle") == cells[i]
            ]
            check(collector.post(f"{API}/tasks/{mine[0]['id']}/claim"), "claim")
        out.append((token, mine[0]["id"]))
    admin.close()
    return out


def upload_all(
    base: str, workers: list[tuple[str, int]], photos: list[Path], result: Result
) -> None:
    lock = threading.Lock()
    shares = [photos[i :: len(workers)] for i in range(len(workers))]

    def work(token: str, task_id: int, mine: list[Path]) -> None:
        with httpx.Client(
            base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for path in mine:
                data = path.read_bytes()
                started = time.perf_counter()
                try:
                    response = client.post(
                        f"{API}/tasks/{task_id}/uploads",
                        data={"upload_id": str(uuid.uuid4())},
                        files={"file": (path.name, data, "image/jpeg")},
                    )
                    elapsed = time.perf_counter() - started
                    with lock:
                        result.latencies.append(elapsed)
                        result.megabytes += len(data) / 1e6
                        if response.status_code == 200 or response.status_code == 201:
                            answer = response.json()
                            result.verdicts[answer["verdict"]] += 1
                            result.reasons.update(r["code"] for r in answer.get("reasons", []))
                        else:
                            code = response.json().get("detail", {}).get("code", "?")
                            result.errors[f"{response.status_code} {code}"] += 1
                except httpx.HTTPError as exc:
                    with lock:
                        result.errors[type(exc).__name__] += 1

    threads = [
        threading.Thread(target=work, args=(tok, task, share))
        for (tok, task), share in zip(workers, shares, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_seconds = time.perf_counter() - started


def run_backend(
    backend: str, photos: list[Path], clients: int, profile: bool, server_workers: int = 1
) -> Result:
    result = Result(backend)
    workdir = Path(tempfile.mkdtemp(prefix=f"snapset-bench-{backend}-"))
    pg_name = None
    database_url = None
    if backend == "postgres":
        pg_name, database_url = create_pg_database()
    profile_to = OUT / f"upload_profile_{backend}.txt" if profile else None
    server = Server(workdir / "data", database_url, profile_to, server_workers)
    try:
        server.wait_ready()
        workers = setup(server.base, clients)
        # The whole process tree: uvicorn's workers under --workers N (and py-spy's child).
        pid = server.process.pid
        cpu_before = tree_cpu_seconds(pid)
        upload_all(server.base, workers, photos, result)
        result.server_cpu_seconds = tree_cpu_seconds(pid) - cpu_before
        result.load_average = os.getloadavg()[0]
    finally:
        server.stop()
        if pg_name:
            drop_pg_database(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(results: list[Result], photos: int, clients: int) -> None:
    print(
        f"\n{photos} distinct 12 MP JPEGs (4000x3000, q90), {clients} concurrent clients, "
        f"{os.cpu_count()} CPUs"
    )
    header = (
        f"{'backend':<10} {'ok':>4} {'err':>4} {'MB':>6} {'wall s':>7} {'photos/s':>9} "
        f"{'p50 s':>6} {'p95 s':>6} {'p99 s':>6}  verdicts"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ok = sum(r.verdicts.values())
        rate = ok / r.wall_seconds if r.wall_seconds else 0.0
        lat = r.latencies
        print(
            f"{r.backend:<10} {ok:>4} {sum(r.errors.values()):>4} {r.megabytes:>6.0f} "
            f"{r.wall_seconds:>7.1f} {rate:>9.2f} {percentile(lat, 50):>6.3f} "
            f"{percentile(lat, 95):>6.3f} {percentile(lat, 99):>6.3f}  {dict(r.verdicts)}"
            + (f" errors={dict(r.errors)}" if r.errors else "")
        )
        if r.reasons:
            print(f"{'':<10} reason codes: {dict(r.reasons.most_common())}")
        if ok and r.server_cpu_seconds > 0:
            per_photo = r.server_cpu_seconds / ok
            print(
                f"{'':<10} server CPU {per_photo * 1000:.0f} ms per photo -> at most "
                f"{(os.cpu_count() or 1) / per_photo:.1f} photos/s on {os.cpu_count()} "
                f"otherwise idle cores; it got {r.server_cpu_seconds / r.wall_seconds:.2f} "
                f"cores on average; 1-min load average at the end {r.load_average:.1f}"
            )
        if lat:
            print(
                f"{'':<10} mean {statistics.mean(lat):.3f} s, max {max(lat):.3f} s; target "
                f"p95 < 1 s: {'met' if percentile(lat, 95) < 1 else 'MISSED'}, >= 10 photos/s: "
                f"{'met' if rate >= 10 else 'MISSED'}"
            )


def stage_costs(photos: list[Path]) -> None:
    """Single-thread CPU time of each analysis step the server runs per photo (the same
    functions the upload pipeline calls), to show where the server's CPU goes."""
    import hashlib

    from snapset.quality import check_image, decode_image
    from snapset.quality.hashing import fingerprint

    totals: Counter[str] = Counter()

    def timed(name: str, fn: Any) -> Any:
        start = time.thread_time()
        value = fn()
        totals[name] += time.thread_time() - start
        return value

    for path in photos:
        timed("sha256 of the file", lambda p=path: hashlib.sha256(p.read_bytes()).digest())
        decoded = timed("decode_image (draft JPEG)", lambda p=path: decode_image(p, max_side=1024))
        timed("check_image (QC scores)", lambda d=decoded: check_image(d))
        timed("fingerprint (hashes)", lambda d=decoded: fingerprint(d))
    print(f"\nanalysis CPU per photo, single thread, mean of {len(photos)} photos:")
    for name, seconds in totals.items():
        print(f"  {name:<28} {seconds / len(photos) * 1000:6.1f} ms")
    print(f"  {'total':<28} {sum(totals.values()) / len(photos) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="record a py-spy flame graph")
    parser.add_argument(
        "--server-workers", type=int, default=1, help="`snapset serve --workers N` processes"
    )
    args = parser.parse_args()
    photos = prepare_upload_photos(OUT / "upload_12mp", args.photos)
    results = []
    for backend in args.backends.split(","):
        print(f"running {backend} ...", flush=True)
        results.append(
            run_backend(backend.strip(), photos, args.clients, args.profile, args.server_workers)
        )
    report(results, len(photos), args.clients)
    stage_costs(photos[:20])


if __name__ == "__main__":
    main()
