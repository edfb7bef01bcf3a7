"""First start: a store with no user serves anyway; the first-run page creates the
administrator, from the local machine or with the one-time link, and is gone afterwards."""
from __future__ import annotations

import re
import subprocess
import sys
import time
import warnings

import httpx
import pytest

from tests.support.web_util import PASSWORD, csrf_in, free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "one-time-setup-token-0123456789"


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    from nianbao.web import WebConfig, create_app
    from nianbao.web.db import open_store

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    store = open_store(url)
    application = create_app(WebConfig(db=url, workers=0, setup_token=TOKEN), store)
    yield application
    application.state.nb.uploads.close()
    store.close()


def client(app, host: str = "testclient") -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, follow_redirects=False, client=(host, 50000))


def create(c: TestClient, token: str = "", name: str = "boss", repeat: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = c.get("/setup" + (f"?token={token}" if token else ""))
    assert page.status_code == 200, page.text
    return c.post("/setup", data={"name": name, "password": PASSWORD, "repeat": repeat, "token": token,
                                  "csrf_token": csrf_in(page.text)})


def test_a_remote_visitor_needs_the_one_time_link(app) -> None:  # type: ignore[no-untyped-def]
    with client(app, "203.0.113.9") as c:
        assert c.get("/setup").status_code == 404
        assert c.get("/setup?token=wrong").status_code == 404
        login = c.get("/login")
        assert login.status_code == 200 and "一次性链接" in login.text
        r = create(c, TOKEN, repeat="something else")
        assert r.status_code == 400 and "两次输入的密码不一致" in r.text
        r = create(c, TOKEN)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        # gone afterwards, even with the token, and the admin can log in
        assert c.get(f"/setup?token={TOKEN}").status_code == 404
        token = csrf_in(c.get("/login").text)
        assert c.post("/login", data={"name": "boss", "password": PASSWORD, "csrf_token": token}).status_code == 303
        assert c.get("/admin/users").status_code == 200
        assert "setup.admin" in c.get("/api/audit").text


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_the_local_machine_opens_the_page_without_a_token(app, host: str) -> None:  # type: ignore[no-untyped-def]
    with client(app, host) as c:
        assert c.get("/login").headers["location"] == "/setup"
        assert create(c).status_code == 303
        assert c.get("/setup").status_code == 404
        assert c.get("/login").status_code == 200


def test_behind_a_proxy_the_local_address_is_not_trusted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.web import WebConfig, create_app
    from nianbao.web.db import open_store

    url = f"sqlite:///{tmp_path / 'proxied.db'}"
    store = open_store(url)
    application = create_app(WebConfig(db=url, workers=0, setup_token=TOKEN, setup_from_localhost=False), store)
    try:
        with client(application, "127.0.0.1") as c:
            assert c.get("/setup").status_code == 404
            assert c.get(f"/setup?token={TOKEN}").status_code == 200
    finally:
        application.state.nb.uploads.close()
        store.close()


@pytest.mark.slow
def test_serve_starts_on_a_fresh_store_and_prints_the_link(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'new.db'}"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--db", url, "--port", str(port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(base + "/api/health", timeout=2)
                break
            except httpx.HTTPError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with httpx.Client(base_url=base) as c:  # this test runs on the server's machine: local
            assert c.get("/setup").status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    link = re.search(r"/setup\?token=([A-Za-z0-9_-]{20,})", out)
    assert link and "首次使用页面" in out and "Traceback" not in out
