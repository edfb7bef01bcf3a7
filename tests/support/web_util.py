"""Shared pieces of the web tests: generated report files, an app over a fresh store with
one user per role, logged-in clients that carry their CSRF token, and a live server for
the browser tests."""
from __future__ import annotations

import copy
import random
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2 in its TestClient
    from fastapi.testclient import TestClient

from nianbao.model import Report
from nianbao.render.report import render
from nianbao.synth import break_record, prose_for, random_record

PASSWORD = "correct horse battery"
ROLES = ("admin", "reviewer", "viewer")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]


def record(seed: int, *, agency: str | None = None, region: str | None = None, year: int | None = None,
           broken: bool = False) -> Report:
    rec = random_record(random.Random(seed), year=year)
    if agency is not None:
        rec.agency, rec.region = agency, region
        rec.agency_level = "township" if agency.endswith(("镇人民政府", "乡人民政府")) else "department"
    if broken:
        rec, _ = break_record(random.Random(seed), rec)
    return rec


def report_file(rec: Report, seed: int = 0, layout: str = "txt", prose: dict[str, str] | None = None) -> bytes:
    """The record rendered as a report file (section texts generated, or `prose` over them)."""
    texts = prose_for(rec, random.Random(seed))
    texts.update(prose or {})
    return render(rec, layout, prose=texts).encode("utf-8")


def csrf_in(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]*)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@dataclass
class Client:
    """A TestClient logged in as one user, with the CSRF token of its session."""

    http: TestClient
    csrf: str = ""
    name: str = ""

    def get(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.http.get(url, **kw)

    def post(self, url: str, csrf: bool = True, **kw: Any):  # type: ignore[no-untyped-def]
        if csrf:
            if "data" in kw or "files" in kw:
                kw["data"] = {**(kw.get("data") or {}), "csrf_token": self.csrf}
            else:
                kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.http.post(url, **kw)

    def api(self, method: str, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.http.request(method, url, **kw)


@dataclass
class WebEnv:
    tmp: Path
    config_kw: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # a database of its own (PostgreSQL: `store_util.Databases`), else web.db in tmp

    def __post_init__(self) -> None:
        from nianbao.web import WebConfig, create_app
        from nianbao.web.accounts import add_user
        from nianbao.web.db import open_store

        self.url = self.url or f"sqlite:///{self.tmp / 'web.db'}"
        self.store = open_store(self.url)
        for role in ROLES:
            add_user(self.store.engine, role, role, PASSWORD)
        self.config = WebConfig(db=self.url, **{"workers": 0, **self.config_kw})
        self.app = create_app(self.config, self.store)
        self._clients: list[TestClient] = []

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state.nb

    def anonymous(self) -> Client:
        http = TestClient(self.app, follow_redirects=False)
        self._clients.append(http)
        page = http.get("/login")
        return Client(http, csrf_in(page.text) if page.status_code == 200 else "")

    def login(self, name: str, password: str = PASSWORD) -> Client:
        c = self.anonymous()
        r = c.post("/login", data={"name": name, "password": password})
        assert r.status_code == 303, r.text
        c.csrf = csrf_in(c.get("/account").text)
        c.name = name
        return c

    def ingest(self, files: list[tuple[str, bytes]]) -> list[int]:
        """Store report files directly (no upload), returning their ids."""
        from nianbao.store.parsed import parse_and_check

        ids = self.store.write([parse_and_check(name, data) for name, data in files])
        self.store.crosscheck(ids)
        self.state.cache.bump()
        self.state.orders.bump()
        return ids

    def close(self) -> None:
        for http in self._clients:
            http.close()
        self.state.uploads.close()
        self.store.close()


def wait_for_uploads(env: WebEnv) -> None:
    env.state.uploads.join()


# --------------------------------------------------------------------------- a live server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    env: WebEnv
    port: int = 0
    thread: threading.Thread | None = None
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.env.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def live(env: WebEnv) -> Iterator[LiveServer]:
    server = LiveServer(env).start()
    try:
        yield server
    finally:
        server.stop()


def copy_record(rec: Report) -> Report:
    return copy.deepcopy(rec)
