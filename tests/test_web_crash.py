"""A server killed with SIGKILL in the middle of a stream of review decisions and cell
corrections (SQLite and PostgreSQL): every write it acknowledged is stored with its audit
entry, nothing is half-written (no decision or correction without its audit entry, nor the
other way round), a correction's re-run findings are those of the corrections stored, and
the store opens and the server starts again and serves the report."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa

from nianbao.formats import templates as T
from nianbao.store.parsed import parse_and_check
from nianbao.web import reviews
from nianbao.web.accounts import add_user, create_token
from nianbao.web.db import open_store
from nianbao.web.reportview import current_findings
from nianbao.web.reviews import Correction, finding_key
from nianbao.web.schema import audit_log, cell_corrections, review_decisions
from tests.support.store_util import dbs  # noqa: F401
from tests.support.web_util import PASSWORD, WebEnv, free_port, record, report_file

STREAM = 200  # writes each client would send; the server is killed long before the end
CLIENTS = 4
KILL_AFTER = 40  # acknowledged writes, a fair share of them corrections
CELLS = [f"table3.granted[{c}]" for c in range(T.T3_TOTAL_COLUMN)] + ["table3.granted[6]"]
REVIEW_ACTIONS = ("review.confirm", "review.dismiss", "cell.correct", "cell.revert")


def start(url: str, log) -> tuple[subprocess.Popen, str]:  # type: ignore[no-untyped-def]
    """`nianbao serve` in a process group of its own, once it answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--db", url, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            httpx.get(base + "/api/health", timeout=2).raise_for_status()
            return proc, base
        except httpx.HTTPError:
            if time.time() > deadline or proc.poll() is not None:
                os.killpg(proc.pid, signal.SIGKILL)
                raise RuntimeError("the server did not start")
            time.sleep(0.1)


@dataclass
class Stream:
    """Writes sent by several clients at once: one sends corrections one after another (so
    each answer's findings follow from the corrections stored up to it), the others
    decisions.  Each write's comment names it; `acked` holds those answered 200, `other`
    any other answer (there must be none)."""

    base: str
    token: str
    decide_on: int
    correct_on: int
    keys: list[str]
    sent: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    responses: dict[str, dict] = field(default_factory=dict)
    other: list[tuple[str, int]] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)

    def request(self, client: int, n: int) -> tuple[str, str, dict]:
        if client == 0:  # a correction: a value, now and then back to the extracted one
            return (f"/api/reports/{self.correct_on}/corrections", f"更正{n}",
                    {"path": CELLS[n % len(CELLS)], "value": None if n % 5 == 4 else n + 1})
        key = self.keys[(n + client) % len(self.keys)]
        return (f"/api/reports/{self.decide_on}/findings/{key}/decision", f"复核{client}-{n}",
                {"decision": ("confirm", "dismiss")[n % 2]})

    def send(self, c: httpx.Client, client: int, n: int) -> bool:
        """One write; False once the server is gone or refused it."""
        url, marker, body = self.request(client, n)
        self.sent.append(marker)
        try:
            r = c.post(url, json={**body, "comment": marker})
        except httpx.HTTPError:
            return False
        if r.status_code != 200:
            self.other.append((marker, r.status_code))
            return False
        self.acked.append(marker)
        self.responses[marker] = r.json()
        if len(self.acked) >= KILL_AFTER and sum(m.startswith("更正") for m in self.acked) >= KILL_AFTER // CLIENTS:
            self.enough.set()
        return True

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)

    def run(self, client: int) -> None:
        with self.client() as c:
            for n in range(1 if client == 0 else 0, STREAM):  # the first correction warmed the server up
                if not self.send(c, client, n):
                    return
        self.enough.set()


def rows(engine: sa.engine.Engine, table: sa.Table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]


def review_entries(engine: sa.engine.Engine) -> dict[str, dict]:
    """The audit entries of decisions and corrections, by the comment that names the write."""
    entries = [a for a in rows(engine, audit_log) if a["action"] in REVIEW_ACTIONS]
    out = {json.loads(a["detail"])["comment"]: a for a in entries}
    assert len(out) == len(entries), "a write with two audit entries"
    return out


def assert_whole(engine: sa.engine.Engine, stream: Stream) -> tuple[list[dict], list[dict]]:
    """Every acknowledged write is stored; each stored write has its audit entry and each
    entry its write; (the decisions, the corrections)."""
    decisions, fixes = rows(engine, review_decisions), rows(engine, cell_corrections)
    written = [r["comment"] for r in decisions + fixes]
    entries = review_entries(engine)
    assert len(set(written)) == len(written) and set(written) == set(entries), "a half-written write"
    assert set(stream.acked) <= set(written), "an acknowledged write was lost"
    assert set(written) <= set(stream.sent) and len(set(written) - set(stream.acked)) <= CLIENTS
    for r in decisions:
        a = entries[r["comment"]]
        assert (a["action"], a["target"], a["report_id"]) == (f"review.{r['decision']}", r["finding_key"], r["report_id"])
    for r in fixes:
        a = entries[r["comment"]]
        assert (a["action"], a["target"]) == ("cell.revert" if r["reverted"] else "cell.correct", r["path"])
    return decisions, fixes


def finding_set(findings) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(finding_key(f.rule, f.location), f.status) for f in findings}


def assert_findings_follow(store, report_id: int, fixes: list[dict], stream: Stream) -> dict[str, Correction]:  # type: ignore[no-untyped-def]
    """Each acknowledged correction answered the findings of the corrections stored up to
    and including it; returns the corrections in force at the end."""
    report = store.report(report_id)
    in_force: dict[str, Correction] = {}
    checked = 0
    for r in fixes:
        if r["reverted"]:
            in_force.pop(r["path"], None)
        else:
            in_force[r["path"]] = Correction(r["path"], int(r["value"]), r["extracted"], r["comment"], "", r["created_at"])
        answer = stream.responses.get(r["comment"])
        if answer is not None:
            assert answer["corrections"] == len(in_force)
            assert {(f["key"], f["status"]) for f in answer["findings"]} == \
                finding_set(current_findings(store, report_id, report, dict(in_force))), r["comment"]
            checked += 1
    assert checked >= KILL_AFTER // CLIENTS
    return in_force


@pytest.mark.slow
def test_review_writes_survive_a_sigkill(dbs, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url = dbs.url()
    store = open_store(url)
    user = add_user(store.engine, "clerk", "reviewer", PASSWORD)
    _, token = create_token(store.engine, user, "crash")
    decide_on, correct_on = store.write([parse_and_check("a.txt", report_file(record(1, broken=True), 1)),
                                         parse_and_check("b.txt", report_file(record(2, year=2023), 2))])
    store.close()
    log = open(tmp_path / "serve.log", "wb")
    proc, base = start(url, log)
    try:
        found = httpx.get(f"{base}/api/reports/{decide_on}/findings", headers={"Authorization": f"Bearer {token}"})
        keys = [f["key"] for f in found.json()["findings"]]
        assert keys, "the broken report has no findings to decide on"
        stream = Stream(base, token, decide_on, correct_on, keys)
        with stream.client() as c:  # a server's first correction is slow (imports): not in the race
            assert stream.send(c, 0, 0), stream.other
        senders = [threading.Thread(target=stream.run, args=(i,), daemon=True) for i in range(CLIENTS)]
        for t in senders:
            t.start()
        assert stream.enough.wait(120), "the stream stalled"
        os.killpg(proc.pid, signal.SIGKILL)  # mid-stream: writes of every client are on their way
        proc.wait(timeout=30)
        for t in senders:
            t.join(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert not stream.other, stream.other
    assert KILL_AFTER <= len(stream.acked) < len(stream.sent) < CLIENTS * STREAM, "the stream ended before the kill"

    store = open_store(url)  # it opens, whole
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    decisions, fixes = assert_whole(store.engine, stream)
    in_force = assert_findings_follow(store, correct_on, fixes, stream)
    final = finding_set(current_findings(store, correct_on, store.report(correct_on), in_force))
    store.close()

    proc, base = start(url, log)  # the server starts again and serves what was stored
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
            assert c.get(f"/api/reports/{correct_on}").status_code == 200
            assert c.get(f"/reports/{decide_on}").status_code == 200
            served = c.get(f"/api/reports/{correct_on}/findings").json()["findings"]
            assert {(f["key"], f["status"]) for f in served} == final
            assert {x["path"]: x["value"] for x in c.get(f"/api/reports/{correct_on}/corrections").json()} == \
                {p: x.value for p, x in in_force.items()}
            shown = {f["key"]: f["decision"]["comment"] for f in c.get(f"/api/reports/{decide_on}/findings").json()
                     ["findings"] if f["decision"]}
            assert shown == {r["finding_key"]: r["comment"] for r in decisions}  # by id: the newest one is in force
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()

@pytest.mark.parametrize("write", ["decision", "correction"])
def test_a_write_failing_at_its_audit_entry_leaves_nothing(dbs, tmp_path, monkeypatch, write: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The deterministic half of the above: a write and its audit entry are one transaction,
    so a failure in between (here: the audit entry itself) stores neither."""
    env = WebEnv(tmp_path, url=dbs.url())
    try:
        rid = env.ingest([("a.txt", report_file(record(1, broken=True), 1))])[0]
        rev = env.login("reviewer")
        key = rev.get(f"/api/reports/{rid}/findings").json()["findings"][0]["key"]
        url, body, table = ((f"/api/reports/{rid}/findings/{key}/decision", {"decision": "confirm"}, review_decisions)
                            if write == "decision" else
                            (f"/api/reports/{rid}/corrections", {"path": "table3.granted[0]", "value": 1},
                             cell_corrections))

        def failing_audit(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("the audit entry failed")

        monkeypatch.setattr(reviews, "audit", failing_audit)
        with pytest.raises(RuntimeError, match="audit entry failed"):
            rev.api("POST", url, json=body)
        monkeypatch.undo()
        assert rows(env.store.engine, table) == []
        assert review_entries(env.store.engine) == {}
        assert rev.api("POST", url, json=body).status_code == 200  # and without the failure, both are stored
        assert len(rows(env.store.engine, table)) == 1
        assert [a["action"] for a in review_entries(env.store.engine).values()] == \
            ["review.confirm" if write == "decision" else "cell.correct"]
    finally:
        env.close()
