"""`nianbao serve` as a user starts it: one process, or several sharing the port."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.web_util import PASSWORD, free_port, record, report_file


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_serve_answers_pages_and_api(tmp_path, processes: int) -> None:  # type: ignore[no-untyped-def]
    from nianbao.store.parsed import parse_and_check
    from nianbao.web.accounts import add_user
    from nianbao.web.db import open_store

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    store = open_store(url)
    add_user(store.engine, "clerk", "reviewer", PASSWORD)
    store.write([parse_and_check("a.txt", report_file(record(3, year=2023), 3))])
    store.close()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--db", url, "--port", str(port),
                             "--processes", str(processes)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                assert httpx.get(base + "/api/health", timeout=2).json()["read_only"] is False
                break
            except httpx.HTTPError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with httpx.Client(base_url=base) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
            assert c.post("/login", data={"name": "clerk", "password": PASSWORD, "csrf_token": token}).status_code == 303
            for _ in range(4):  # several connections: with 2 processes both answer
                assert "共 1 份报告" in c.get("/").text
            assert c.get("/api/reports").json()["total"] == 1
            assert "server" not in c.get("/").headers
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    assert "http://127.0.0.1:" in out and "Traceback" not in out
