"""What every bench shares: paths, ports, child processes and their CPU time, PostgreSQL
databases cloned from a migrated template, and the command lines of our servers."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# The load generators, run as their own processes so their CPU is not counted as the server's.
HTTP_LOAD = str(ROOT / "bench" / "harness" / "http_load.py")
WS_LOAD = str(ROOT / "bench" / "harness" / "ws_load.py")
PG = "postgres://postgres@127.0.0.1:5432"
BENCH_DB = "llmgw_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(
    url: str, *, headers: dict | None = None, timeout: float = 120.0, process=None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited (see its log)")
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.3)


def http_json(method: str, url: str, body: dict | None, key: str) -> dict:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


# --- CPU accounting (/proc) -------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def tree_cpu_seconds(pid: int) -> float:
    total = 0
    for each in _descendants(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


# --- processes --------------------------------------------------------------------------------


class Processes:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def start(
        self, name: str, command: list[str], env: dict | None = None, unset: tuple = ()
    ) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (lives with the process)
        environment = {**os.environ, **(env or {})}
        for variable in unset:
            environment.pop(variable, None)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def fresh_database(base_env: dict, name: str = BENCH_DB) -> str:
    """A fresh bench database cloned from a migrated template (`migrate` takes ~45 s once)."""
    template = f"llmgw_bench_tpl_{migrations_fingerprint()}"
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        print(f"migrating template database {template} (once per migration set)…", flush=True)
        psql(f'CREATE DATABASE "{template}"')
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env={**base_env, "DATABASE_URL": f"{PG}/{template}"},
            check=True,
        )
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for attempt in range(30):  # a clone fails while another bench is cloning the template
        try:
            psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            break
        except subprocess.CalledProcessError:
            if attempt == 29:
                raise
            time.sleep(1)
    return f"{PG}/{name}"


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def our_server_command(server: str, workers: int, port: int) -> list[str]:
    if server == "daphne":
        return [str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                "llmgateway.asgi:application"]  # fmt: skip
    if server == "reuseport":
        return [PYTHON, "-m", "llmgateway.serve", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers)]  # fmt: skip
    return [str(ROOT / ".venv/bin/uvicorn"), "llmgateway.asgi:application", "--host",
            "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
            "--log-level", "warning"]  # fmt: skip
