"""A real ``matcalc serve`` for the web tests: a subprocess on a free loopback port."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent

#: The launch flags the issue asks for (Debian's chromium, no downloads of its own).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def running_server(*args: str, ready_seconds: float = 120,
                   env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``matcalc serve --port 0 ARGS``; yield its URL once the workers answer."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "matcalc", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + ready_seconds
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("matcalc serve stopped before printing its address")
            m = re.search(r"serving on (http://\S+/)", line)
            url = m.group(1) if m else None
        assert url, "matcalc serve printed no address"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "api/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)


def post(url: str, data: Any, timeout: float = 60,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """POST JSON (or raw bytes) to ``url``: (status, headers, body), errors included."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    req = urllib.request.Request(url, raw, {"Content-Type": "application/json",
                                            **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
