"""`python -m llmgateway.serve`: N uvicorn workers, each on its own SO_REUSEPORT socket.

A burst of keep-alive connections must spread over the workers (the kernel hashes each new
connection to one of the listening sockets), every worker must answer, a killed worker is
replaced, and SIGTERM stops the whole server.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.helpers.live import LiveProcess, child_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKERS = 2
CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker_pids(parent: int) -> set[int]:
    """The parent's worker processes (multiprocessing's resource tracker left out)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return {int(pid) for pid in children if b"spawn_main" in _cmdline(int(pid))}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _connections_per_process(port: int) -> Counter:
    """Established server-side connections on `port`, counted per owning process (ss -tnp)."""
    output = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Counter(int(pid) for pid in re.findall(r"pid=(\d+)", output))


@pytest.fixture
def reuseport_server(live_process_env, celery_test_queue, tmp_path):
    port = _free_port()
    env = child_environment(live_process_env, queue=celery_test_queue, eager=True)
    argv = [sys.executable, "-m", "llmgateway.serve", "--port", str(port)]
    argv += ["--workers", str(WORKERS), "--log-level", "info"]
    process = LiveProcess(argv=argv, env=env, log_path=tmp_path / "serve.log", name="serve")
    process.start(ready=re.compile(r"workers on http://"), timeout=60)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while len(_worker_pids(process.pid)) < WORKERS or not _healthy(url):
        if time.monotonic() > deadline:
            process.fail_startup("workers never answered /healthz")
        time.sleep(0.1)
    try:
        yield process, port, url
    finally:
        process.stop()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for_workers(process, count: int) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = _worker_pids(process.pid)
        if len(pids) == count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"expected {count} workers, have {_worker_pids(process.pid)}")


def test_a_burst_of_keepalive_connections_spreads_over_the_workers(reuseport_server):
    process, port, url = reuseport_server
    workers = _wait_for_workers(process, WORKERS)
    clients = [httpx.Client(base_url=url, timeout=10) for _ in range(CONNECTIONS)]
    try:
        for client in clients:
            assert client.get("/healthz").status_code == 200
        per_process = _connections_per_process(port)
    finally:
        for client in clients:
            client.close()

    assert set(per_process) == workers  # every worker took connections; the parent took none
    assert sum(per_process.values()) == CONNECTIONS
    # Spread by hash: a worker with fewer than 4 of 32 would have odds of about one in a million.
    assert min(per_process.values()) >= 4, per_process


def test_a_killed_worker_is_replaced_and_sigterm_stops_everything(reuseport_server):
    process, _, url = reuseport_server
    workers = _wait_for_workers(process, WORKERS)
    victim = min(workers)
    process.popen.send_signal(0)  # the parent is alive
    subprocess.run(["kill", "-KILL", str(victim)], check=True)

    deadline = time.monotonic() + 60
    while True:
        pids = _worker_pids(process.pid)
        if len(pids) == WORKERS and victim not in pids:
            break
        assert time.monotonic() < deadline, f"not replaced: {pids}"
        time.sleep(0.1)
    assert _healthy(url)

    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(timeout=60) == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return "zombie"
