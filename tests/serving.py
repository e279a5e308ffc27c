"""`lianmeng serve` in a subprocess, for the tests that talk to it over real HTTP as tills and browsers do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

LIANMENG = str(Path(sys.executable).with_name("lianmeng"))
# On PostgreSQL `lianmeng serve` starts one worker process per core, each importing the whole app: on a loaded
# 2-core machine that took more than a minute. The wait ends as soon as /api/v1/health answers.
STARTUP_S = 300


@dataclass
class Server:
    base_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any LIANMENG_ setting, the jobs off, one worker process unless a test asks
    for more (each spawned worker imports the whole app: seconds of CPU per start), and `settings` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANMENG_")}
    env["LIANMENG_JOBS_INTERVAL_SECONDS"] = "0"
    env["LIANMENG_WORKERS"] = "1"
    env.update(settings)
    return env


def start_server(env: dict[str, str], log: Path, cwd: Path | None = None, timeout: float = STARTUP_S,
                 port: int | None = None, own_group: bool = False) -> Server:
    """Start `lianmeng serve` on `port` (a free one if None), its output in `log`, and wait until /api/v1/health
    answers 200. `own_group`: in a process group of its own (the supervisor and its workers), which a crash test can
    kill at once with os.killpg without killing the tests."""
    port = port or free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([LIANMENG, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=own_group)
    server = Server(f"http://127.0.0.1:{port}", log, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lianmeng serve exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"lianmeng serve did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextmanager
def serving(env: dict[str, str], log: Path, cwd: Path | None = None) -> Iterator[Server]:
    server = start_server(env, log, cwd)
    try:
        yield server
    finally:
        stop_server(server)
