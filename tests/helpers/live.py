"""Fixtures that start real processes: a Celery worker, daphne, loopback fakes.

- `fake_openai`: the loopback OpenAI-compatible upstream (tests/fakes/openai_server.py), one
  per test session, knobs and recorded requests reset around each test.
- `live_server_url` (and `asgi_server` for the process itself): daphne serving
  `llmgateway.asgi:application` against the pytest-django test database.
- `celery_worker_process`: a real `celery worker` process consuming this run's own queue.

Tests using the last two must be `@pytest.mark.django_db(transaction=True)`: the children
only see committed rows. Both children get `live_process_env` (by default OPENAI_BASE_URL and
OPENAI_API_KEY pointing at the fake upstream); override that fixture to add variables.

Why function scope for the children (each start costs about 1.5 s): between tests pytest-django
flushes the test database, but a long-lived child would keep what it cached from rows that no
longer exist (the ledger's system accounts are memoized per process) and could be
mid-transaction on a stream while the flush truncates tables. Stopping the children before the
flush (they depend on `transactional_db`, so they are torn down first) keeps tests independent.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from django.conf import settings

from tests.fakes.openai_server import FakeOpenAI

FAKE_OPENAI_API_KEY = "sk-fake-upstream-0123456789abcdefghij"
DAPHNE_STARTUP_TIMEOUT_SECONDS = 30.0
CELERY_STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4000

_running_processes: set[LiveProcess] = set()


class LiveProcess:
    """A child process whose stdout and stderr go to one log file; started, stopped, killed."""

    def __init__(self, *, argv: list[str], env: dict[str, str], log_path: Path, name: str):
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.name = name
        self.popen: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log_offset = 0

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self, *, ready: re.Pattern[str], timeout: float) -> re.Match[str]:
        """Start the process and wait until its log (from now on) matches `ready`."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _running_processes.add(self)
        deadline = started + timeout
        while time.monotonic() < deadline:
            match = ready.search(self.log_text(since_start=True))
            if match:
                self.startup_seconds = time.monotonic() - started
                return match
            if not self.running:
                self.fail_startup(f"exited with status {self.popen.returncode}")
            time.sleep(0.05)
        self.fail_startup(f"was not ready after {timeout:.0f} s")
        raise AssertionError("unreachable")

    def fail_startup(self, reason: str) -> None:
        self.stop(timeout=2)
        tail = self.log_text()[-LOG_TAIL_CHARS:]
        message = f"{self.name} {reason}; log {self.log_path}, last lines:\n{tail}"
        print(message, file=sys.stderr)
        raise RuntimeError(message)

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM, then SIGKILL if it hasn't exited within `timeout` seconds."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        _running_processes.discard(self)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run, as when the machine loses the process."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        _running_processes.discard(self)

    def log_text(self, *, since_start: bool = False) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            if since_start:
                log.seek(self._log_offset)
            return log.read().decode(errors="replace")


@atexit.register
def _kill_leftover_processes() -> None:
    # Fixture teardown normally stops every child; this covers an interrupted session.
    for process in list(_running_processes):
        process.kill()


@dataclass
class AsgiServer:
    process: LiveProcess
    url: str
    startup_seconds: float | None = None  # until /healthz answered

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def log_text(self) -> str:
        return self.process.log_text()


class CeleryWorker:
    """A `celery worker` process (solo pool) consuming only this test run's queue.

    `kill()` is SIGKILL. A task killed mid-run stays unacknowledged in Redis and is redelivered
    only after the broker's visibility timeout (settings: 3600 s), not on `restart()`.
    """

    READY = re.compile(r" ready\.\s*$", re.MULTILINE)

    def __init__(self, *, env: dict[str, str], log_path: Path, queue: str):
        self.queue = queue
        argv = [
            sys.executable, "-m", "celery", "-A", "llmgateway", "worker",
            "--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
        ]  # fmt: skip
        self.process = LiveProcess(argv=argv, env=env, log_path=log_path, name="celery worker")

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def startup_seconds(self) -> float | None:
        return self.process.startup_seconds

    def start(self) -> None:
        self.process.start(ready=self.READY, timeout=CELERY_STARTUP_TIMEOUT_SECONDS)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: finish the running task), SIGKILL after a timeout."""
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        return self.process.log_text()


def live_database_url() -> str:
    """A DATABASE_URL naming the pytest-django test database (call after the DB is set up)."""
    from django.db import connection

    return database_url_from_settings(connection.settings_dict)


def database_url_from_settings(settings_dict: dict) -> str:
    """The URL django-environ parses back into these connection settings. Built from the
    settings, not by editing DATABASE_URL: a host-less socket URL (`postgres:///db`) has no
    netloc to keep, and a socket directory cannot sit in the netloc, so it goes in `?host=`."""
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(settings_dict.get("HOST") or "")
    # Options from the URL are strings (or numbers); the pool settings added in code are not.
    options = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    if host.startswith("/"):
        options["host"] = host
        host = ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}{quote(host, safe='')}{port}/{quote(name)}{query}"


def child_environment(extra: dict[str, str], *, queue: str, eager: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "llmgateway.settings",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": live_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "true" if eager else "false",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
        }
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def celery_test_queue() -> str:
    """This pytest process's own Celery queue, so parallel runs never take each other's tasks."""
    return f"test-{os.getpid()}"


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The loopback OpenAI upstream with default knobs and no recorded requests."""
    fake_openai_server.reset()
    yield fake_openai_server
    fake_openai_server.reset()


@pytest.fixture
def live_process_env(fake_openai_server: FakeOpenAI) -> dict[str, str]:
    """Extra environment for daphne and the Celery worker; override to add variables."""
    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
    }


@pytest.fixture
def asgi_server(
    request: pytest.FixtureRequest,
    transactional_db: None,
    live_process_env: dict[str, str],
    celery_test_queue: str,
    tmp_path: Path,
) -> Iterator[AsgiServer]:
    """daphne on a free loopback port, on the test database.

    Its tasks go to the worker when the test also uses `celery_worker_process` (started first);
    otherwise they run eagerly inside daphne.
    """
    with_worker = "celery_worker_process" in request.fixturenames
    if with_worker:
        request.getfixturevalue("celery_worker_process")
    env = child_environment(live_process_env, queue=celery_test_queue, eager=not with_worker)
    daphne = str(Path(sys.executable).parent / "daphne")
    # Port 0 lets the kernel pick a free port; daphne logs the one it got.
    argv = [daphne, "-b", "127.0.0.1", "-p", "0", "llmgateway.asgi:application"]
    process = LiveProcess(argv=argv, env=env, log_path=tmp_path / "daphne.log", name="daphne")
    started = time.monotonic()
    match = process.start(
        ready=re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)"),
        timeout=DAPHNE_STARTUP_TIMEOUT_SECONDS,
    )
    server = AsgiServer(process=process, url=f"http://127.0.0.1:{match.group(1)}")
    try:
        _wait_until_healthy(server)
        server.startup_seconds = time.monotonic() - started
        yield server
    finally:
        process.stop()


def _wait_until_healthy(server: AsgiServer) -> None:
    deadline = time.monotonic() + DAPHNE_STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.process.fail_startup("never answered /healthz")


@pytest.fixture
def live_server_url(asgi_server: AsgiServer) -> str:
    """Base URL of a live daphne, e.g. http://127.0.0.1:43117 (WebSocket: ws://…)."""
    return asgi_server.url


@pytest.fixture
def celery_worker_process(
    transactional_db: None,
    live_process_env: dict[str, str],
    celery_test_queue: str,
    tmp_path: Path,
) -> Iterator[CeleryWorker]:
    """A real Celery worker on this run's queue; `.delay()` in the test reaches it."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis as the Celery broker (run with REDIS_URL=redis://…)")
    from llmgateway import celery_app

    env = child_environment(live_process_env, queue=celery_test_queue, eager=False)
    worker = CeleryWorker(env=env, log_path=tmp_path / "celery.log", queue=celery_test_queue)
    _purge_queue(celery_test_queue)  # leftovers refer to rows an earlier test's flush removed
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = celery_test_queue
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved
        _purge_queue(celery_test_queue)


def _purge_queue(queue: str) -> None:
    from llmgateway import celery_app

    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)
