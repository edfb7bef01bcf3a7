"""Issue 14: the password policy, tokens revoked with their user's credentials, login
throttling kept in the database by (name, address), the audit of failures and
downloads, zip budgets per request and per user, upload ownership between servers, a
fair upload queue, and the workers stopped on SIGTERM."""
from __future__ import annotations

import re

import pytest

from tests.support.web_util import PASSWORD, WebEnv, record, report_file


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("hardening"))
    e.ids = e.ingest([("a.txt", report_file(record(1, broken=True), 1))])
    yield e
    e.close()


# --------------------------------------------------------------------------- 11: passwords


@pytest.mark.parametrize("weak", ["12345678", "aaaaaaaa", "        ", "password", "Password2024!", "qwertyuiop",
                                  "87654321", "abababab", "woaini1314", "5201314520", "\t \u3000  \t  ", "policy-user"])
def test_weak_passwords_are_refused(weak: str) -> None:
    from nianbao.web.passwords import problem

    assert problem(weak, "policy-user") is not None


@pytest.mark.parametrize("good", [PASSWORD, "密码要够长12345", "a-new-password", "Tr0ub4dor&3x", "long enough password"])
def test_reasonable_passwords_pass(good: str) -> None:
    from nianbao.web.passwords import problem

    assert problem(good, "viewer") is None


def test_the_admin_form_and_the_api_refuse_weak_passwords(env: WebEnv) -> None:
    admin = env.login("admin")
    for weak in ("12345678", "aaaaaaaa", " " * 8):
        r = admin.post("/admin/users", data={"name": "weakling", "role": "viewer", "password": weak})
        assert r.status_code == 400, weak
        r = admin.api("POST", "/api/users", json={"name": "weakling", "role": "viewer", "password": weak})
        assert r.status_code == 400, weak
        assert r.json()["detail_en"]
    assert "weakling" not in admin.get("/admin/users").text
    c = env.login("viewer")
    r = c.post("/account/password", data={"current": PASSWORD, "new": "12345678"})
    assert r.status_code == 400 and "密码" in r.text


# --------------------------------------------------------------------------- 12: tokens, HSTS


def _token(c) -> str:  # type: ignore[no-untyped-def]
    r = c.api("POST", "/api/tokens", json={"name": "script"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_tokens_die_with_a_password_change_and_a_deactivation(env: WebEnv) -> None:
    admin = env.login("admin")
    assert admin.post("/admin/users", data={"name": "tokenuser", "role": "reviewer", "password": PASSWORD}).status_code == 303
    c = env.login("tokenuser")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    script = env.anonymous().http
    assert script.get("/api/me", headers=auth).status_code == 200
    r = c.post("/account/password", data={"current": PASSWORD, "new": "a brand new secret"})
    assert r.status_code == 303
    assert script.get("/api/me", headers=auth).status_code == 401
    c = env.login("tokenuser", "a brand new secret")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    assert admin.post("/admin/users/tokenuser", data={"active": "0"}).status_code == 303
    assert admin.post("/admin/users/tokenuser", data={"active": "1"}).status_code == 303
    assert script.get("/api/me", headers=auth).status_code == 401  # not back with the account
    c = env.login("tokenuser", "a brand new secret")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    assert admin.api("PATCH", "/api/users/tokenuser", json={"password": "yet another secret"}).status_code == 200
    assert script.get("/api/me", headers=auth).status_code == 401


def test_a_token_cannot_mint_tokens(env: WebEnv) -> None:
    c = env.login("reviewer")
    auth = {"Authorization": f"Bearer {_token(c)}"}
    script = env.anonymous().http
    r = script.post("/api/tokens", json={"name": "child"}, headers=auth)
    assert r.status_code == 403 and "token" in r.json()["detail_en"]
    assert script.get("/api/me", headers=auth).status_code == 200  # the token itself still works


def test_hsts_only_over_https(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    plain = env.anonymous().http.get("/login")
    assert "strict-transport-security" not in plain.headers
    tls = TestClient(env.app, base_url="https://testserver", follow_redirects=False)  # no lifespan: no `with`
    r = tls.get("/login")
    tls.close()
    assert "max-age=" in r.headers["strict-transport-security"]


# --------------------------------------------------------------------------- 10: login throttle


def _from(e: WebEnv, address: str):  # type: ignore[no-untyped-def]
    """An anonymous client at `address`, with the CSRF token of its login page."""
    from fastapi.testclient import TestClient

    from tests.support.web_util import Client, csrf_in

    http = TestClient(e.app, follow_redirects=False, client=(address, 40000))
    e._clients.append(http)
    return Client(http, csrf_in(http.get("/login").text))


def _audit_actions(e: WebEnv) -> list[str]:
    import sqlalchemy as sa

    from nianbao.web.schema import audit_log

    with e.store.engine.connect() as conn:
        return list(conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars())


def test_a_guesser_locks_only_their_own_address_and_backs_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"login_failures": 3, "login_window": 60})
    try:
        attacker, owner = _from(e, "10.0.0.66"), _from(e, "10.0.0.7")
        for _ in range(3):
            assert attacker.post("/login", data={"name": "viewer", "password": "bad"}).status_code == 401
        r = attacker.post("/login", data={"name": "viewer", "password": PASSWORD})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 61
        # the real user at their own address is not locked out
        assert owner.post("/login", data={"name": "viewer", "password": PASSWORD}).status_code == 303
        # back-off: once the lock ends, the next failure locks twice as long
        import sqlalchemy as sa

        from nianbao.web.schema import login_throttle

        with e.store.engine.begin() as conn:
            conn.execute(login_throttle.update().values(locked_until=None))
        assert attacker.post("/login", data={"name": "viewer", "password": "bad"}).status_code == 401
        r = attacker.post("/login", data={"name": "viewer", "password": PASSWORD})
        assert r.status_code == 429 and 61 < int(r.headers["retry-after"]) <= 121
        actions = _audit_actions(e)
        assert actions.count("login.fail") == 4 and "login.lockout" in actions
    finally:
        e.close()


def test_the_lock_is_in_the_database_and_a_flood_does_not_clear_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"login_failures": 2})
    try:
        attacker = _from(e, "10.0.0.66")
        for _ in range(2):
            attacker.post("/login", data={"name": "reviewer", "password": "bad"})
        # another server process over the same database sees the lock
        from nianbao.web import create_app

        other = create_app(e.config, e.store, recover_uploads=False)
        assert other.state.nb.throttle.wait("reviewer", "10.0.0.66") > 0
        # a flood of made-up names (from many addresses, as the per-address limit stops one)
        throttle = e.state.throttle
        for i in range(300):
            throttle.failed(f"made-up-{i}", f"10.1.{i // 250}.{i % 250}")
        assert throttle.wait("reviewer", "10.0.0.66") > 0
        r = attacker.post("/login", data={"name": "reviewer", "password": PASSWORD})
        assert r.status_code == 429
        # one address spraying names is stopped by its own limit (10x the per-name one)
        sprayer = _from(e, "10.0.0.99")
        codes = [sprayer.post("/login", data={"name": f"guess{i}", "password": "bad"}).status_code for i in range(21)]
        assert codes[:20] == [401] * 20 and codes[20] == 429
        # an admin unlocks the user (the web page and the API)
        admin = e.login("admin")
        assert "10.0.0.66" in admin.get("/admin/users").text
        assert admin.post("/admin/users/reviewer/unlock", data={}).status_code == 303
        assert attacker.post("/login", data={"name": "reviewer", "password": PASSWORD}).status_code == 303
        assert admin.api("POST", "/api/users/reviewer/unlock").json() == {"name": "reviewer", "cleared": 0}
        assert "user.unlock" in _audit_actions(e)
    finally:
        e.close()


def test_the_cli_unlocks_a_user(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from nianbao.cli import main

    e = WebEnv(tmp_path, {"login_failures": 1})
    try:
        e.state.throttle.failed("viewer", "10.0.0.66")
        assert e.state.throttle.wait("viewer", "10.0.0.66") > 0
        r = CliRunner().invoke(main, ["user", "unlock", "viewer", "--db", e.url])
        assert r.exit_code == 0, r.output
        assert e.state.throttle.wait("viewer", "10.0.0.66") == 0
    finally:
        e.close()


# --------------------------------------------------------------------------- 15: the audit log


def _audit(e: WebEnv) -> list[dict]:  # type: ignore[type-arg]
    import sqlalchemy as sa

    from nianbao.web.schema import audit_log

    with e.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings()]


def test_the_audit_log_records_refusals_logouts_exports_and_originals(env: WebEnv) -> None:
    rid = env.ids[0]
    before = len(_audit(env))
    viewer = env.login("viewer")
    assert viewer.get("/admin/users").status_code == 403
    assert viewer.post("/account/tokens", csrf=False, data={"name": "x"}).status_code == 403  # no CSRF token
    assert viewer.get(f"/reports/{rid}/export/cells.csv").status_code == 200
    assert viewer.get(f"/api/reports/{rid}/export/findings.xlsx").status_code == 200
    assert viewer.get("/export/reports.csv").status_code == 200
    assert viewer.get(f"/reports/{rid}/original").status_code == 200
    bad = env.anonymous()
    assert bad.post("/login", data={"name": "viewer", "password": "nope"}).status_code == 401
    assert viewer.post("/logout").status_code == 303
    new = _audit(env)[before:]
    by_action: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in new:
        by_action.setdefault(r["action"], []).append(r)
    denied = by_action["access.denied"]
    assert {d["target"] for d in denied} == {"GET /admin/users", "POST /account/tokens"}
    assert all(d["user_name"] == "viewer" for d in denied)
    assert sorted(x["target"] for x in by_action["export"]) == ["cells.csv", "findings.xlsx", "reports.csv"]
    (orig,) = by_action["download.original"]
    assert orig["report_id"] == rid and orig["user_name"] == "viewer" and "address" in orig["detail"]
    (fail,) = by_action["login.fail"]
    assert fail["target"] == "viewer" and fail["user_name"] != "viewer"  # the name tried, not a login
    assert [x["user_name"] for x in by_action["logout"]] == ["viewer"]


# --------------------------------------------------------------------------- 1: zip amplification

KB = 1024


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _text(seed: int, size: int) -> bytes:
    """Text that compresses about 2:1 (hex digits), of `size` bytes."""
    import random

    return random.Random(seed).randbytes(size // 2).hex().encode()


def _upload_as(c, *files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    r = c.post("/upload", files=[("files", (n, d, "application/octet-stream")) for n, d in files])
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[-1]


def test_every_member_s_ratio_is_checked_however_small() -> None:
    from nianbao.parsing.readers.archive import Limits
    from nianbao.web.config import WebConfig
    from nianbao.web.uploads import Allowance, Rejected, accept, discard

    # 40 members of 500 KB of one repeated byte: each under the old 1 MB floor, ~1000:1
    bomb = _zip({f"{i}.txt": bytes([65 + i % 26]) * (500 * KB) for i in range(40)})
    assert len(bomb) < 100 * KB
    items = accept([("bomb.zip", bomb)], 50 * 1024 * KB, WebConfig().archive_limits)
    assert len(items) == 40 and all(isinstance(i, Rejected) and "压缩炸弹" in i.message for i in items)
    # the check holds for the bytes actually unpacked, not only for the declared sizes
    from nianbao.parsing.readers.archive import Budget, members

    fine = list(members(_zip({"a.txt": _text(1, 300 * KB)}), Budget(Limits(ratio_floor=0))))
    assert fine[0].data is not None
    discard(items)
    assert Allowance(10, 10).take(11) is not None


def test_the_unpacked_budget_is_per_request_and_members_wait_on_disk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.parsing.readers.archive import Limits
    from nianbao.web.uploads import Accepted, Allowance, Rejected, accept

    limits = Limits(members=100, member_bytes=1024 * KB, total_bytes=1024 * KB, ratio=50, ratio_floor=0)
    # six archives of 400 KB unpacked each: each within its own limit, 2.4 MB together
    zips = [(f"z{i}.zip", _zip({f"m{j}.txt": _text(i * 10 + j, 100 * KB) for j in range(4)})) for i in range(6)]
    spool = tmp_path / "spool"
    spool.mkdir()
    items = accept(zips, 1024 * KB, limits, Allowance(1024 * KB, 1000), spool)
    accepted = [i for i in items if isinstance(i, Accepted)]
    assert sum(i.size for i in accepted) <= 1024 * KB
    assert any(isinstance(i, Rejected) and "总量" in i.message for i in items)
    # accepted members are files on disk, not bytes in memory
    assert all(i.path.parent == spool and i.path.stat().st_size == i.size for i in accepted)
    assert not hasattr(accepted[0], "data")


def test_a_user_s_queued_bytes_are_budgeted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.web.db import now, write
    from nianbao.web.schema import upload_items

    e = WebEnv(tmp_path, {"user_queued_bytes": 600 * KB, "request_unpacked_bytes": 10 * 1024 * KB})
    try:
        c = e.login("reviewer")
        q = e.state.uploads
        with write(e.store.engine) as conn:  # 500 KB of this user's waiting in the queue already
            conn.execute(upload_items.insert().values(batch="q" * 24, user_name="reviewer", name="big.pdf", size=500 * KB,
                                                      state="queued", created_at=now(), owner=q.owner, heartbeat_at=now()))
        batch = _upload_as(c, ("z.zip", _zip({f"m{j}.txt": _text(j, 60 * KB) for j in range(4)})))
        q.join()
        items = c.get(f"/api/uploads/{batch}").json()["items"]
        refused = [i for i in items if i["state"] == "rejected"]
        assert len(items) - len(refused) == 1  # 60 KB fitted in the 100 KB left, the second did not
        assert refused and "排队" in refused[-1]["message"]
        # another user is not held back by this one's queue
        batch = _upload_as(e.login("admin"), ("y.zip", _zip({f"m{j}.txt": _text(50 + j, 60 * KB) for j in range(4)})))
        q.join()
        admin_items = e.login("admin").get(f"/api/uploads/{batch}").json()["items"]
        assert len(admin_items) == 4 and all(i["state"] != "rejected" for i in admin_items)
    finally:
        e.close()


def test_spooled_files_are_removed_once_parsed(env: WebEnv) -> None:
    from nianbao.web.uploads import spool_dir

    c = env.login("reviewer")
    before = set(spool_dir().iterdir())
    _upload_as(c, ("r.txt", report_file(record(77, year=2023), 77)))
    env.state.uploads.join()
    assert set(spool_dir().iterdir()) <= before


# --------------------------------------------------------------------------- 13: upload ownership


def test_a_second_server_leaves_the_running_server_s_uploads_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    import sqlalchemy as sa

    from nianbao.web import WebConfig, create_app
    from nianbao.web.db import now, write
    from nianbao.web.schema import upload_items

    e = WebEnv(tmp_path)
    try:
        running = e.state.uploads.owner
        stamp = now()
        with write(e.store.engine) as conn:
            for i in range(20):  # in flight on the running server, heartbeat fresh
                conn.execute(upload_items.insert().values(batch="r" * 24, user_name="reviewer", name=f"{i}.txt",
                                                          state="queued" if i % 2 else "parsing", created_at=stamp,
                                                          owner=running, heartbeat_at=stamp))
            conn.execute(upload_items.insert().values(  # a server that died two hours ago
                batch="d" * 24, user_name="reviewer", name="dead.txt", state="parsing", created_at=stamp,
                owner="gone:1:abcd", heartbeat_at=stamp - timedelta(hours=2)))
        create_app(WebConfig(db=e.url, workers=0, read_only=True), e.store)  # a public server beside it
        create_app(WebConfig(db=e.url, workers=0), e.store)  # and another reviewing server
        with e.store.engine.connect() as conn:
            states = dict(conn.execute(sa.select(upload_items.c.batch, sa.func.group_concat(upload_items.c.state))
                                       .group_by(upload_items.c.batch)).all())
        assert "failed" not in states["r" * 24]
        assert states["d" * 24] == "failed"
        # the running server's heartbeat keeps its items fresh
        from nianbao.web.queue import UploadQueue

        q = UploadQueue(e.store, 0, heartbeat=0.05)
        q.owner = running
        with write(e.store.engine) as conn:
            conn.execute(upload_items.update().values(heartbeat_at=stamp - timedelta(hours=1))
                         .where(upload_items.c.owner == running))
        q._ensure_started()
        import time

        time.sleep(0.5)
        q.close()
        with e.store.engine.connect() as conn:
            beats = conn.execute(sa.select(upload_items.c.heartbeat_at).where(upload_items.c.owner == running)).scalars()
            from nianbao.web.security import _aware

            assert all(_aware(b) > stamp for b in beats)
    finally:
        e.close()


# --------------------------------------------------------------------------- 2: queue fairness


def test_a_small_upload_is_not_stuck_behind_a_big_one(env: WebEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    q = env.state.uploads
    orig = q._process
    taken: list[list[str]] = []
    gate = threading.Event()

    def held(jobs):  # type: ignore[no-untyped-def]
        taken.append([j.user for j in jobs])
        gate.wait(20)
        orig(jobs)

    monkeypatch.setattr(q, "_process", held)
    big, small = env.login("reviewer"), env.login("admin")
    try:
        _upload_as(big, *[(f"big{i}.txt", f"not a report {i}".encode()) for i in range(20)])
        for _ in range(100):  # the first batch is taken and held
            if taken:
                break
            __import__("time").sleep(0.05)
        batch = _upload_as(small, ("small.txt", b"just one small file"))
        (item,) = small.get(f"/api/uploads/{batch}").json()["items"]
        assert item["state"] == "queued" and item["position"] == 2 and item["eta_seconds"] > 0
        assert "排队第 2 位" in small.get(f"/upload/{batch}").text
    finally:
        gate.set()
    q.join()
    assert [u for batch in taken for u in batch].index("admin") <= 3  # in the second batch, not after 20
    assert small.get(f"/api/uploads/{batch}").json()["items"][0]["state"] != "queued"


# --------------------------------------------------------------------------- 17: SIGTERM


def _descendants(pid: int) -> set[int]:
    from pathlib import Path

    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_sigterm_stops_the_parse_workers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from nianbao.web.accounts import add_user
    from nianbao.web.db import open_store
    from tests.support.web_util import free_port

    url = f"sqlite:///{tmp_path / 'term.db'}"
    store = open_store(url)
    add_user(store.engine, "clerk", "reviewer", PASSWORD)
    store.close()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--db", url, "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    helpers: set[int] = set()
    try:
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(base + "/api/health", timeout=2)
                break
            except httpx.HTTPError:
                assert time.time() < deadline and proc.poll() is None
                time.sleep(0.2)
        with httpx.Client(base_url=base) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
            assert c.post("/login", data={"name": "clerk", "password": PASSWORD, "csrf_token": token}).status_code == 303
            token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/upload").text).group(1)
            r = c.post("/api/uploads", files=[("files", ("a.txt", report_file(record(5, year=2023), 5)))],
                       headers={"X-CSRF-Token": token})
            assert r.status_code == 202, r.text
            batch = r.json()["batch"]
            while c.get(f"/api/uploads/{batch}").json()["items"][0]["state"] in ("queued", "parsing"):
                assert time.time() < deadline + 120
                time.sleep(0.2)
        helpers = _descendants(proc.pid)
        assert helpers  # the forkserver, its worker and the resource tracker
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.time() + 15
        while any(_alive(p) for p in helpers) and time.time() < deadline:
            time.sleep(0.2)
        assert not [p for p in helpers if _alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
        for p in helpers:
            if _alive(p):
                __import__("os").kill(p, signal.SIGKILL)


def test_the_server_s_shutdown_ends_workers_forkserver_and_tracker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What uvicorn runs on SIGTERM (the lifespan's shutdown) must itself end every helper
    process: after it, uvicorn kills the process with SIGTERM and no atexit handler runs."""
    from multiprocessing import forkserver, resource_tracker

    from fastapi.testclient import TestClient

    e = WebEnv(tmp_path, {"workers": 1})
    try:
        with TestClient(e.app, follow_redirects=False) as http:  # runs the lifespan, as a server does
            from tests.support.web_util import Client, csrf_in

            c = Client(http, csrf_in(http.get("/login").text))
            r = c.post("/login", data={"name": "reviewer", "password": PASSWORD})
            assert r.status_code == 303
            c.csrf = csrf_in(c.get("/account").text)
            _upload_as(c, ("a.txt", report_file(record(6, year=2023), 6)))
            e.state.uploads.join()
            workers = list(e.state.uploads._pool._processes.values())
            server_pid = forkserver._forkserver._forkserver_pid
            tracker_pid = resource_tracker._resource_tracker._pid
            assert workers and server_pid and tracker_pid
        assert not any(w.is_alive() for w in workers)
        assert not _alive(server_pid) and (tracker_pid is None or not _alive(tracker_pid))
    finally:
        e.close()
