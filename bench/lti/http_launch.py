"""Benchmark (b): full OIDC login + launch over HTTP, gunicorn with 2 workers on SQLite.

Two apps, measured side by side in the same run, in alternating rounds: credbridge
(``lti_tool.web.app:create_app()``) and a minimal pylti1p3 Flask app
(:mod:`bench.lti.pylti_app`) that validates the same launch and upserts the same rows. Each app
gets its own freshly migrated SQLite database with the same platform registered (pasted key
set, deployment approved). Both run under ``gunicorn -w 2`` (sync workers) on loopback.

The load: ``CLIENTS`` threads, each a browser (its cookies cleared before each launch, its
connections kept), each doing launch after
launch for a different person (a person launches ``REPEAT`` times, so both first launches,
which create the person, and returning ones count): GET ``/lti/login`` → read state and nonce
from the redirect to the platform → sign the id_token as the platform (RS256, same cost for both
apps) → POST ``/lti/launch`` → expect a 302. The latency is the whole login + launch.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from bench.lti.platform import BenchPlatform
from bench.lti.validation import lti_container
from bench.measure import Summary
from lti_tool.db.migrate import upgrade

CLIENTS = 4
REPEAT = 3
SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AppResult:
    name: str
    launches: int
    errors: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return self.launches / self.seconds

    @property
    def latency(self) -> Summary:
        return Summary.of(list(self.latencies))


@dataclass(frozen=True)
class HttpLaunchResult:
    ours: AppResult
    baseline: AppResult
    workers: int
    clients: int

    @property
    def ratio(self) -> float:
        return self.ours.per_second / self.baseline.per_second

    @property
    def passed(self) -> bool:
        return self.ratio >= 1.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int) -> Iterator[str]:
    """``gunicorn -w workers app`` on a free loopback port; stopped (by its pid) on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--log-level", "warning", app,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **env, "BENCH_BASE_URL": url, "CREDBRIDGE_BASE_URL": url},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/__ready__", timeout=5)
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {app} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _one_launch(browser: requests.Session, base: str, platform: BenchPlatform, person: int) -> bool:
    launch_url = base + "/lti/launch"
    browser.cookies.clear()  # each launch is a new visit from the LMS; keep the connection
    login = browser.get(
        base + "/lti/login",
        params={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
            "login_hint": f"user-{person}",
            "target_link_uri": launch_url,
        },
        allow_redirects=False,
        timeout=30,
    )
    if login.status_code != 302:
        return False
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    token = platform.id_token(query["nonce"][0], launch_url, person)
    answer = browser.post(
        launch_url,
        data={"id_token": token, "state": query["state"][0]},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code == 302


def _load(name: str, base: str, platform: BenchPlatform, seconds: float, offset: int) -> AppResult:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        with requests.Session() as browser:
            count = 0
            while time.monotonic() < stop:
                person = offset + number * 100_000 + count // REPEAT
                started = time.perf_counter()
                ok = _one_launch(browser, base, platform, person)
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                count += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if not latencies:
        raise RuntimeError(f"{name}: no launch succeeded ({errors[0]} failed)")
    return AppResult(name, len(latencies), errors[0], elapsed, tuple(latencies))


def _merge(parts: list[AppResult]) -> AppResult:
    return AppResult(
        parts[0].name,
        sum(part.launches for part in parts),
        sum(part.errors for part in parts),
        sum(part.seconds for part in parts),
        tuple(value for part in parts for value in part.latencies),
    )


def run(workdir: Path, seconds: float, rounds: int = 2, workers: int = 2) -> HttpLaunchResult:
    workdir.mkdir(parents=True, exist_ok=True)
    platform = BenchPlatform()
    ours_dir, theirs_dir = workdir / "credbridge", workdir / "pylti1p3"
    ours_dir.mkdir(exist_ok=True)
    theirs_dir.mkdir(exist_ok=True)
    container = lti_container(ours_dir, platform)
    container.tool_keys.ensure_signing_key()
    ours_url = str(container.engine.url)
    container.lti.http.close()
    container.engine.dispose()
    theirs_url = f"sqlite:///{theirs_dir / 'lti.sqlite3'}"
    upgrade(theirs_url)
    ours_env = {
        "DATABASE_URL": ours_url,
        "SECRET_KEY": SECRET,
        "CREDBRIDGE_INSTANCE_PATH": str(ours_dir / "instance"),
        "CREDBRIDGE_DEMO": "0",
    }
    theirs_env = {
        "BENCH_DATABASE_URL": theirs_url,
        "BENCH_SECRET_KEY": SECRET,
        "BENCH_PLATFORM": json.dumps(
            {
                "issuer": platform.issuer,
                "client_id": platform.client_id,
                "deployment_id": platform.deployment_id,
                "jwks": platform.jwks(),
            }
        ),
    }
    ours: list[AppResult] = []
    theirs: list[AppResult] = []
    for number in range(rounds):
        with gunicorn("lti_tool.web.app:create_app()", ours_env, workers) as url:
            _warm(url, platform)
            ours.append(_load("credbridge", url, platform, seconds, number * 10_000_000))
        with gunicorn("bench.lti.pylti_app:create_app()", theirs_env, workers) as url:
            _warm(url, platform)
            theirs.append(_load("pylti1p3", url, platform, seconds, number * 10_000_000))
    return HttpLaunchResult(_merge(ours), _merge(theirs), workers, CLIENTS)


def _warm(base: str, platform: BenchPlatform) -> None:
    with requests.Session() as browser:
        for person in range(10):
            if not _one_launch(browser, base, platform, 9_000_000 + person):
                raise RuntimeError(f"warm-up launch against {base} failed")
