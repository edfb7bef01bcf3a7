"""The background queue of uploads: one thread takes queued items, parses them in a process
pool (`store.parsed.parse_and_check`), stores them (`Store.write`), runs the cross-report
checks, and records each item's state in `upload_items` (queued -> parsing -> done |
duplicate | failed) for the progress pages to poll.

Fairness: each user has their own line and the thread takes from the lines in turn (round
robin, one item per user per turn), so one user's 2000-member zip delays another user's
single file by one small batch, not by the whole zip.  The progress pages show each
queued item's position and an estimate of when it will be done.

Ownership: every item records the server process that queued it (`owner`) and that
process refreshes `heartbeat_at` while the item is open; a starting server declares
interrupted only the open items whose owner has stopped beating (`uploads.interrupted`),
never those of a server that is still running.  The uploaded bytes wait in spooled files
(`uploads.spool_dir`), not in memory, and are removed once parsed."""
from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..store import Store
from ..store.parsed import Parsed, parse_and_check
from ..store.schema import STATUS_FAILED, reports
from .accounts import User
from .db import now, write
from .reviews import audit
from .schema import upload_items
from .uploads import STATES_OPEN, Accepted, Rejected, discard, interrupted, spool_dir

PARSE_SECONDS = 600  # one file; past that it is reported as failed
HEARTBEAT_SECONDS = 30.0  # how often a server refreshes the heartbeat of its open items
STALE_SECONDS = 4 * HEARTBEAT_SECONDS  # an owner silent this long has stopped
STOPPED = "服务器已停止，处理被中断，请重新上传该文件。"


@dataclass
class Job:
    item_id: int
    name: str
    path: Path
    content_hash: str
    user: str


def parse_spooled(name: str, path: str, content_hash: str) -> Parsed:
    """Parse a spooled upload (in a worker process: the bytes never cross the pipe)."""
    return parse_and_check(name, Path(path).read_bytes(), content_hash)


def _pool(workers: int) -> Executor | None:
    if workers <= 0:
        return None
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def stop_pool(pool: Executor, grace: float = 3.0) -> None:
    """Shut the pool down and make sure its processes end: idle workers leave at once, a
    worker still parsing gets `grace` seconds, then is terminated (its batch is reported
    as failed)."""
    pool.shutdown(wait=False, cancel_futures=True)
    procs = list((getattr(pool, "_processes", None) or {}).values())
    deadline = time.monotonic() + grace
    for proc in procs:
        proc.join(timeout=max(0.0, deadline - time.monotonic()))
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=2)


def stop_helpers() -> None:
    """Stop multiprocessing's forkserver and resource tracker.  At a normal exit their
    atexit handlers do it; uvicorn ends a server stopped by SIGTERM by raising SIGTERM
    again, which kills the process without running them, so the server's shutdown calls
    this (else both stay behind, orphaned, with the forkserver's preloaded modules)."""
    try:
        from multiprocessing import forkserver, resource_tracker

        forkserver._forkserver._stop()  # type: ignore[attr-defined]
        resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - best effort at shutdown
        pass


def new_owner() -> str:
    """An id for this server process: host, pid and a random part (a restarted server with
    the same pid is another owner)."""
    return f"{socket.gethostname()[:16]}:{os.getpid()}:{secrets.token_hex(4)}"


class UploadQueue:
    """Parses and stores uploaded files in the background, a small batch of items at a time
    taken from the users' lines in turn; the state of every item is in `upload_items`."""

    def __init__(self, store: Store, workers: int = 1, on_stored: Callable[[], None] | None = None,
                 recover: bool = True, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.store = store
        self.workers = workers
        self.on_stored = on_stored or (lambda: None)
        self.owner = new_owner()
        self.recover = recover  # also declare interrupted the items of servers that stopped beating
        self.heartbeat = heartbeat
        self.batch_size = max(1, workers) * 2
        self._lines: dict[str, deque[Job]] = {}
        self._turns: deque[str] = deque()  # users with waiting items, in the order of their turns
        self._running: list[Job] = []
        self._unfinished = 0
        self._closing = False
        self._cond = threading.Condition()
        self._pool: Executor | None = None
        self._thread: threading.Thread | None = None
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.seconds_per_item = 5.0  # a moving average of the time one item takes, for the estimates

    # ------------------------------------------------------------------ submitting
    def submit(self, user: User, items: list[Accepted | Rejected]) -> str:
        """Record the items of one upload (rejected ones with their reason), queue the
        accepted ones in the user's line, and return the batch id the progress page polls."""
        batch = secrets.token_hex(12)
        stamp = now()
        jobs: list[Job] = []
        with write(self.store.engine) as conn:
            for it in items:
                if isinstance(it, Rejected):
                    conn.execute(upload_items.insert().values(
                        batch=batch, user_name=user.name, name=it.name, size=it.size, kind=it.kind, state="rejected",
                        message=it.message, created_at=stamp, finished_at=stamp))
                    continue
                item_id = conn.execute(upload_items.insert().values(  # type: ignore[index]  # (a one-row INSERT has its key)
                    batch=batch, user_name=user.name, name=it.name, size=it.size, kind=it.kind, state="queued",
                    created_at=stamp, owner=self.owner, heartbeat_at=stamp)).inserted_primary_key[0]
                jobs.append(Job(int(item_id), it.name, it.path, it.content_hash, user.name))
            audit(conn, user, "upload", target=batch,
                  detail={"files": len(items), "accepted": len(jobs), "names": [it.name for it in items][:50]})
        self._ensure_started()
        with self._cond:
            if jobs:
                line = self._lines.setdefault(user.name, deque())
                if not line and user.name not in self._turns:
                    self._turns.append(user.name)
                line.extend(jobs)
                self._unfinished += len(jobs)
                self._cond.notify_all()
        return batch

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closing:
                self._closing = False
                self._stop.clear()
            if self._thread is None or not self._thread.is_alive():
                self._pool = self._pool or _pool(self.workers)
                self._thread = threading.Thread(target=self._run, name="nianbao-uploads", daemon=True)
                self._thread.start()
            if self._beat is None or not self._beat.is_alive():
                self._beat = threading.Thread(target=self._heartbeat, name="nianbao-upload-heartbeat", daemon=True)
                self._beat.start()

    def close(self) -> None:
        """Stop after the batch in hand: the worker pool is shut down (its processes end),
        the items still waiting are declared interrupted and their spooled bytes removed."""
        with self._lock:
            thread, beat, pool = self._thread, self._beat, self._pool
            self._thread = self._beat = self._pool = None
            self._stop.set()
            with self._cond:
                self._closing = True
                self._cond.notify_all()
        if pool is not None:
            stop_pool(pool)
        if thread is not None and thread.is_alive():
            thread.join(timeout=30)
        if beat is not None and beat.is_alive():
            beat.join(timeout=5)
        with self._cond:
            left = [j for line in self._lines.values() for j in line]
            self._lines.clear()
            self._turns.clear()
            self._unfinished -= len(left)
            self._cond.notify_all()
        if left:
            for job in left:
                job.path.unlink(missing_ok=True)
            try:
                with write(self.store.engine) as conn:
                    conn.execute(upload_items.update().where(upload_items.c.id.in_([j.item_id for j in left]),
                                                             upload_items.c.state.in_(STATES_OPEN))
                                 .values(state="failed", finished_at=now(), message=STOPPED))
            except Exception:  # noqa: BLE001 - the database may be gone at shutdown; the next start recovers them
                pass

    def idle(self) -> bool:
        with self._cond:
            return self._unfinished == 0

    def join(self, timeout: float | None = None) -> None:
        """Wait until every queued item is processed (for tests and scripts)."""
        with self._cond:
            self._cond.wait_for(lambda: self._unfinished <= 0, timeout=timeout)

    # ------------------------------------------------------------------ positions
    def order(self) -> list[Job]:
        """The waiting items in the order they will be taken (the users' lines in turn)."""
        with self._cond:
            lines = [list(self._lines.get(u, ())) for u in self._turns]
        out: list[Job] = []
        depth = 0
        while True:
            took = False
            for line in lines:
                if depth < len(line):
                    out.append(line[depth])
                    took = True
            if not took:
                return out
            depth += 1

    def positions(self) -> dict[int, tuple[int, float]]:
        """item id -> (its place in the queue, 1 = next; seconds until it is likely done)."""
        with self._cond:
            running = len(self._running)
        per = self.seconds_per_item / max(1, self.workers)
        return {job.item_id: (i + 1, (running + i + 1) * per) for i, job in enumerate(self.order())}

    def annotate(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add `position` and `eta_seconds` to the queued items this process holds."""
        places = self.positions() if any(it["state"] == "queued" for it in items) else {}
        for it in items:
            place = places.get(it["id"]) if it["state"] == "queued" else None
            it["position"], it["eta_seconds"] = (place[0], round(place[1], 1)) if place else (None, None)
        return items

    # ------------------------------------------------------------------ the worker
    def _next_batch(self) -> list[Job] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._turns or self._closing)
            if self._closing:
                return None
            jobs: list[Job] = []
            while self._turns and len(jobs) < self.batch_size:
                user = self._turns.popleft()
                line = self._lines[user]
                jobs.append(line.popleft())
                if line:
                    self._turns.append(user)
                else:
                    del self._lines[user]
            self._running = jobs
            return jobs

    def _run(self) -> None:
        while True:
            jobs = self._next_batch()
            if jobs is None:
                return
            started = time.monotonic()
            try:
                self._process(jobs)
            except Exception as exc:  # noqa: BLE001 - keep serving; record what happened
                self._finish_failed(jobs, STOPPED if self._stop.is_set()
                                    else f"处理时发生内部错误（{type(exc).__name__}），请联系管理员。")
            finally:
                for job in jobs:
                    job.path.unlink(missing_ok=True)
                each = (time.monotonic() - started) / len(jobs) * max(1, self.workers)
                with self._cond:
                    self.seconds_per_item = 0.7 * self.seconds_per_item + 0.3 * each
                    self._running = []
                    self._unfinished -= len(jobs)
                    self._cond.notify_all()

    def _heartbeat(self) -> None:
        """Refresh the heartbeat of this server's open items; declare interrupted those of
        servers that stopped beating."""
        while not self._stop.wait(self.heartbeat):
            try:
                with write(self.store.engine) as conn:
                    conn.execute(upload_items.update().where(upload_items.c.owner == self.owner,
                                                             upload_items.c.state.in_(STATES_OPEN))
                                 .values(heartbeat_at=now()))
                if self.recover:
                    interrupted(self.store, stale_after=STALE_SECONDS, spare=self.owner)
            except Exception:  # noqa: BLE001 - a database hiccup: try again at the next beat
                continue

    def _set(self, item_ids: list[int], **values: Any) -> None:
        with write(self.store.engine) as conn:
            conn.execute(upload_items.update().where(upload_items.c.id.in_(item_ids)).values(**values))

    def _finish_failed(self, jobs: list[Job], message: str) -> None:
        self._set([j.item_id for j in jobs if j is not None], state="failed", message=message, finished_at=now())

    def _process(self, jobs: list[Job]) -> None:
        self._set([j.item_id for j in jobs], state="parsing", heartbeat_at=now())
        hashes = {j.item_id: j.content_hash for j in jobs}
        with self.store.engine.connect() as conn:
            stored = set(conn.execute(sa.select(reports.c.content_hash)
                                      .where(reports.c.content_hash.in_(list(hashes.values())))).scalars())
        results = self._parse(jobs)
        ids = self.store.write([p for p in results.values() if p is not None])
        written = iter(ids)
        new_ids: list[int] = []
        uploader: dict[int, str] = {}
        seen = set(stored)  # the same bytes twice in one upload: the second is a duplicate
        for job in jobs:
            parsed = results[job.item_id]
            if parsed is None:
                self._set([job.item_id], state="failed", finished_at=now(),
                          message=f"处理超时（超过 {PARSE_SECONDS} 秒），未能读取。")
                continue
            report_id = next(written)
            duplicate = hashes[job.item_id] in seen
            seen.add(hashes[job.item_id])
            if not duplicate:
                new_ids.append(report_id)
                uploader[report_id] = job.user
            state = "duplicate" if duplicate else "failed" if parsed.status == STATUS_FAILED else "done"
            self._set([job.item_id], state=state, report_id=report_id, n_errors=parsed.counts[0],
                      n_warnings=parsed.counts[1], message=parsed.error, finished_at=now())
        if new_ids:
            self._supersede(new_ids, uploader)
            self.store.crosscheck(new_ids)
            self._refresh_counts(jobs)
        self.on_stored()

    def _supersede(self, new_ids: list[int], uploader: dict[int, str]) -> None:
        """A re-submission replaces the earlier report of the same agency and year (web.season)."""
        from .season import supersede_new

        for rid in new_ids:
            supersede_new(self.store, User(0, uploader[rid], "reviewer"), [rid])

    def _parse(self, jobs: list[Job]) -> dict[int, Parsed | None]:
        if self._pool is None:
            return {j.item_id: parse_spooled(j.name, str(j.path), j.content_hash) for j in jobs}
        futures: dict[int, Future[Parsed]] = {j.item_id: self._pool.submit(parse_spooled, j.name, str(j.path),
                                                                             j.content_hash) for j in jobs}
        out: dict[int, Parsed | None] = {}
        for item_id, fut in futures.items():
            try:
                out[item_id] = fut.result(timeout=PARSE_SECONDS)
            except TimeoutError:
                out[item_id] = None
        return out

    def _refresh_counts(self, jobs: list[Job]) -> None:
        """After the cross-report checks, the items show their reports' final counts."""
        with write(self.store.engine) as conn:
            rows = conn.execute(sa.select(upload_items.c.id, reports.c.n_errors, reports.c.n_warnings)
                                .join(reports, reports.c.id == upload_items.c.report_id)
                                .where(upload_items.c.id.in_([j.item_id for j in jobs]))).all()
            for item_id, n_errors, n_warnings in rows:
                conn.execute(upload_items.update().where(upload_items.c.id == item_id)
                             .values(n_errors=n_errors, n_warnings=n_warnings))
