"""`gvc ui` on a free loopback port for the tests, stopped afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_ui(root: Path, warehouse: Path, log: Path, home: Path | None = None, timeout: float = 180,
               beside: bool = False):
    """Yield the base URL once the webserver answers /server_info; `home`: a DAGSTER_HOME of its own;
    `beside`: no DAGSTER_HOME at all, so the UI takes the warehouse's own instance (<warehouse>.dagster)."""
    env = dict(os.environ, **({"DAGSTER_HOME": str(home)} if home else {}))
    if beside:
        env.pop("DAGSTER_HOME", None)
        env.pop("GVC_DAGSTER_STORAGE", None)
    port = free_port()
    with open(log, "w") as out:
        # a session of its own, so the webserver, daemon and code server stop together
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "ui", "--raw", str(root), "--warehouse", str(warehouse),
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/server_info", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, f"gvc ui exited:\n{log.read_text()[-3000:]}"
                assert time.time() < deadline, f"no answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}"
                time.sleep(2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["data"]


RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"


def runs(base: str) -> list[dict]:
    return graphql(base, RUNS)["runsOrError"]["results"]


def dismiss_modals(page) -> None:
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.first.click()


def wait_for_success(base: str, before: set[str], timeout: float = 400) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = [r for r in runs(base) if r["runId"] not in before]
        done = [r for r in new if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        if done:
            return done[0]
        time.sleep(3)
    raise AssertionError(f"no run finished within {timeout:.0f} s: {runs(base)}")
