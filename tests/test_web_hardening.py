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
