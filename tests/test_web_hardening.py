"""Issue 14: the password policy, tokens revoked with their user's credentials, login
throttling kept in the database by (name, address), the audit of failures and
downloads, zip budgets per request and per user, upload ownership between servers, a
fair upload queue, and the workers stopped on SIGTERM."""
from __future__ import annotations

import re

import pytest

from web_util import PASSWORD, WebEnv, record, report_file


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

    from web_util import Client, csrf_in

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
