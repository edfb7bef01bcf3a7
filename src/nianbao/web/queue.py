"""The background queue of uploads: one thread takes queued items, parses them in a process
pool (`store.parsed.parse_and_check`), stores them (`Store.write`), runs the cross-report
checks, and records each item's state in `upload_items` (queued -> parsing -> done |
duplicate | failed) for the progress pages to poll."""
from __future__ import annotations

import multiprocessing
import os
import queue
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..store import Store
from ..store.parsed import Parsed, content_key, parse_and_check
from ..store.schema import STATUS_FAILED, reports
from .accounts import User
from .db import now, write
from .reviews import audit
from .schema import upload_items
from .uploads import Accepted, Rejected

PARSE_SECONDS = 600  # one file; past that it is reported as failed


@dataclass
class Job:
    item_id: int
    name: str
    data: bytes


def _pool(workers: int) -> Executor | None:
    if workers <= 0:
        return None
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


class UploadQueue:
    """Parses and stores uploaded files in the background, one batch of ready items at a
    time; the state of every item is in `upload_items` for the progress pages to poll."""

    def __init__(self, store: Store, workers: int = 1, on_stored: Callable[[], None] | None = None) -> None:
        self.store = store
        self.workers = workers
        self.on_stored = on_stored or (lambda: None)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._pool: Executor | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ submitting
    def submit(self, user: User, items: list[Accepted | Rejected]) -> str:
        """Record the items of one upload (rejected ones with their reason), queue the
        accepted ones, and return the batch id the progress page polls."""
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
                item_id = conn.execute(upload_items.insert().values(
                    batch=batch, user_name=user.name, name=it.name, size=len(it.data), kind=it.kind, state="queued",
                    created_at=stamp)).inserted_primary_key[0]
                jobs.append(Job(int(item_id), it.name, it.data))
            audit(conn, user, "upload", target=batch,
                  detail={"files": len(items), "accepted": len(jobs), "names": [it.name for it in items][:50]})
        self._ensure_started()
        for job in jobs:
            self._queue.put(job)
        return batch

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._pool = self._pool or _pool(self.workers)
                self._thread = threading.Thread(target=self._run, name="nianbao-uploads", daemon=True)
                self._thread.start()

    def close(self) -> None:
        with self._lock:
            thread, pool = self._thread, self._pool
            self._thread = self._pool = None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=30)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def join(self) -> None:
        """Wait until every queued item is processed (for tests and scripts)."""
        self._queue.join()

    # ------------------------------------------------------------------ the worker
    def _next_batch(self) -> list[Job] | None:
        first = self._queue.get()
        if first is None:
            self._queue.task_done()
            return None
        jobs = [first]
        while len(jobs) < max(1, self.workers) * 4:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._queue.task_done()
                self._queue.put(None)
                break
            jobs.append(job)
        return jobs

    def _run(self) -> None:
        while True:
            jobs = self._next_batch()
            if jobs is None:
                return
            try:
                self._process(jobs)
            except Exception as exc:  # noqa: BLE001 - keep serving; record what happened
                self._finish_failed(jobs, f"处理时发生内部错误（{type(exc).__name__}），请联系管理员。")
            finally:
                for _ in jobs:
                    self._queue.task_done()

    def _set(self, item_ids: list[int], **values: Any) -> None:
        with write(self.store.engine) as conn:
            conn.execute(upload_items.update().where(upload_items.c.id.in_(item_ids)).values(**values))

    def _finish_failed(self, jobs: list[Job], message: str) -> None:
        self._set([j.item_id for j in jobs if j is not None], state="failed", message=message, finished_at=now())

    def _process(self, jobs: list[Job]) -> None:
        self._set([j.item_id for j in jobs], state="parsing")
        hashes = {j.item_id: content_key(j.data, j.name) for j in jobs}
        with self.store.engine.connect() as conn:
            stored = set(conn.execute(sa.select(reports.c.content_hash)
                                      .where(reports.c.content_hash.in_(list(hashes.values())))).scalars())
        results = self._parse(jobs, hashes)
        ids = self.store.write([p for p in results.values() if p is not None])
        written = iter(ids)
        new_ids: list[int] = []
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
            state = "duplicate" if duplicate else "failed" if parsed.status == STATUS_FAILED else "done"
            self._set([job.item_id], state=state, report_id=report_id, n_errors=parsed.counts[0],
                      n_warnings=parsed.counts[1], message=parsed.error, finished_at=now())
        if new_ids:
            self.store.crosscheck(new_ids)
            self._refresh_counts(jobs)
        self.on_stored()

    def _parse(self, jobs: list[Job], hashes: dict[int, str]) -> dict[int, Parsed | None]:
        if self._pool is None:
            return {j.item_id: parse_and_check(j.name, j.data, hashes[j.item_id]) for j in jobs}
        futures: dict[int, Future[Parsed]] = {j.item_id: self._pool.submit(parse_and_check, j.name, j.data,
                                                                             hashes[j.item_id]) for j in jobs}
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


