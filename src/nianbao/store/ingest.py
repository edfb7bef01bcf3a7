"""Batch ingest: inputs -> (process pool) parse_and_check -> Writer, in batches.

    summary = ingest(engine, iter_inputs(["reports/"]), workers=2, progress=print_progress)

- idempotent: an input whose bytes (SHA-256) are stored is not parsed again; only the
  name it was seen under is recorded;
- resumable: each batch is one transaction, so a crash or Ctrl-C loses at most the batch
  being written, and the next run parses exactly what is missing;
- nothing is dropped: an input that cannot be read or parsed is stored as failed, with
  its reason (and its bytes, when there are any);
- the parse runs in `workers` processes (default: one per core); the engine is pluggable
  (`engine=`: any function mapping an iterable of Tasks to an iterator of Parsed).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import UnreadableInput
from ..inputs import InputItem, safe_name
from . import crosscheck
from .parsed import Parsed, content_key, failed, parse_and_check
from .schema import STATUS_FAILED, reports
from .writer import Writer


class Task(NamedTuple):
    name: str
    data: bytes
    content_hash: str


ParseEngine = Callable[[Iterable[Task]], Iterator[Parsed]]


@dataclass
class IngestSummary:
    read: int = 0  # inputs seen
    new: int = 0  # reports stored by this run (including failed ones)
    duplicates: int = 0  # inputs whose bytes were already stored (or seen earlier in the run)
    failed: int = 0  # new reports that could not be read or parsed
    with_errors: int = 0  # new reports with at least one error finding
    cross_checked: int = 0
    cross_findings: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    report_ids: list[int] = field(default_factory=list)
    skipped: list[InputItem] = field(default_factory=list)  # not reports (devices, FIFOs, unreadable folders): not stored

    @property
    def rate(self) -> float:
        return (self.new + self.duplicates) / self.seconds if self.seconds else 0.0


ProgressFn = Callable[[str, str], None]  # (event, name): "new" | "duplicate" | "failed" | "skipped" for
# one input; ("total", "N") announces how many there are when that is known


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# --------------------------------------------------------------------------- engines


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool on Ctrl-C
    gc.set_threshold(10_000)  # a parse makes many short-lived objects: collect 14 times less often (~0.15 ms a report)


def _parse_chunk(chunk: list[Task]) -> list[Parsed]:
    return [parse_and_check(t.name, t.data, t.content_hash) for t in chunk]


def chunked(tasks: Iterable[Task], max_items: int = 8, max_bytes: int = 4 << 20) -> Iterator[list[Task]]:
    """Tasks in lists of at most `max_items`, closed early once they hold `max_bytes`."""
    chunk: list[Task] = []
    size = 0
    for t in tasks:
        chunk.append(t)
        size += len(t.data)
        if len(chunk) >= max_items or size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def warm_up() -> None:
    """Load what the first parse loads (dictionaries, division lists) before the pool forks,
    so that the workers share it instead of each loading it again."""
    from ..formats import templates as T
    from ..render.report import render
    from ..model import Report

    blank = Report(template="2021", year=T.LAST_YEAR, agency="某县人民政府")  # every table, no values
    text = render(blank, "txt") + "\n申请人张三于2023年3月1日提出申请。\n"  # a sentence the name check tags
    parse_and_check("warm-up.txt", text.encode("utf-8"), budgeted=False)  # here, not in a child


def local_engine(workers: int) -> ParseEngine:
    """Parse in this process (workers=1) or in a pool of `workers` processes, keeping a
    bounded number of chunks in flight so memory stays flat on any corpus size."""

    def run_inline(tasks: Iterable[Task]) -> Iterator[Parsed]:
        for t in tasks:
            yield parse_and_check(t.name, t.data, t.content_hash)

    def run_pool(tasks: Iterable[Task]) -> Iterator[Parsed]:
        chunks = chunked(tasks)
        first = next(chunks, None)
        if first is None:  # nothing new to parse: no pool to start
            return
        if multiprocessing.get_start_method(allow_none=False) == "fork":
            warm_up()
        gc.collect()
        gc.freeze()  # what the workers inherit is out of their collector's reach: no scans of it, no copied pages
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
        in_flight: set[Future[list[Parsed]]] = {pool.submit(_parse_chunk, first)}
        try:
            exhausted = False
            while True:
                while not exhausted and len(in_flight) < workers * 3:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    in_flight.add(pool.submit(_parse_chunk, chunk))
                if not in_flight:
                    return
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield from fut.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()

    return run_inline if workers <= 1 else run_pool


# --------------------------------------------------------------------------- the driver


def stored_among(engine: Engine, keys: Iterable[str]) -> set[str]:
    """Which of the content hashes `keys` are stored (one query per 2,000: the store's
    hashes are never all read)."""
    out: set[str] = set()
    todo = sorted(set(keys))
    if not todo:
        return out
    with engine.connect() as conn:
        for i in range(0, len(todo), 2000):
            out.update(conn.execute(sa.select(reports.c.content_hash)
                                    .where(reports.c.content_hash.in_(todo[i : i + 2000]))).scalars())
    return out


SCREEN_ITEMS = 256  # inputs whose hashes are looked up in one query,
SCREEN_BYTES = 32 << 20  # or fewer once they hold this many bytes,
SCREEN_SECONDS = 0.5  # or once the group's first has waited this long (a crawl delivers slowly)


def screened(engine: Engine, items: Iterable[InputItem | tuple[str, bytes]]) -> Iterator[tuple[InputItem, str, bool]]:
    """Each input (named as the database can store it), in order, with its content key and
    whether that key is stored ("" and False for a skipped input); the keys are looked up a
    group of inputs at a time."""
    group: list[tuple[InputItem, str]] = []
    size, since, first = 0, 0.0, True
    source = iter(items)
    while True:
        try:
            raw = next(source)
        except StopIteration:
            break
        except BaseException:  # (a crawl interrupted, a source failing): what it gave is still ingested first
            stored = stored_among(engine, (k for _, k in group if k))
            yield from ((i, k, k in stored) for i, k in group)
            raise
        item = _as_item(raw)
        if not group:
            since = time.perf_counter()
        group.append((item, "" if item.skipped else content_key(item.data, item.name)))
        size += len(item.data or b"")
        if len(group) >= SCREEN_ITEMS or size >= SCREEN_BYTES or time.perf_counter() - since > SCREEN_SECONDS:
            stored = stored_among(engine, (k for _, k in group if k))
            if first:  # the parse processes fork after the first group: no pooled connection crosses
                _drop_connections(engine)
                first = False
            yield from ((i, k, k in stored) for i, k in group)
            group, size = [], 0
    stored = stored_among(engine, (k for _, k in group if k))
    yield from ((i, k, k in stored) for i, k in group)


def _drop_connections(engine: Engine) -> None:
    """Close the pooled database connections (before a fork), but an in-memory SQLite's."""
    if not (engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")):
        engine.dispose()


def _as_item(x: InputItem | tuple[str, bytes]) -> InputItem:
    item = x if isinstance(x, InputItem) else InputItem(x[0], x[1])
    name = safe_name(item.name)  # a name the database can store, whatever bytes the file system gave
    return item if name == item.name else InputItem(name, item.data, item.error, item.skipped)


def ingest(engine: Engine, items: Iterable[InputItem | tuple[str, bytes]], *, workers: int | None = None,
           batch_size: int = 200, progress: ProgressFn | None = None, run_crosscheck: bool = True,
           parse_engine: ParseEngine | None = None, max_batch_seconds: float = 5.0) -> IngestSummary:
    """Store every input not stored yet; then run the cross-report checks."""
    started = time.perf_counter()
    summary = IngestSummary()
    writer = Writer(engine)
    known: set[str] = set()  # the keys met by this run
    ready: list[Parsed] = []  # inputs that failed before parsing (unreadable, over a limit)
    aliases: list[tuple[str, str]] = []
    parsing: set[str] = set()  # inputs sent to the parse and not written yet: their aliases wait for them
    notify = progress or (lambda event, name: None)

    def tasks() -> Iterator[Task]:
        for item, key, stored in screened(engine, items):
            if item.skipped:
                summary.skipped.append(item)
                notify("skipped", item.name)
                continue
            summary.read += 1
            if stored or key in known:
                summary.duplicates += 1
                aliases.append((key, item.name))  # told as stored once the alias is written (flush)
                continue
            known.add(key)
            if item.data is None or item.error is not None:
                err = item.error or UnreadableInput("无法读取该文件。", "The file cannot be read.")
                ready.append(failed(item.name, item.data, err, key))
                continue
            parsing.add(key)
            yield Task(item.name, item.data, key)

    batch: list[Parsed] = []
    last_flush = time.perf_counter()

    def flush() -> None:
        nonlocal batch, last_flush
        batch.extend(ready)
        ready.clear()
        todo, batch = batch, []
        parsing.difference_update(p.content_hash for p in todo)
        now = [a for a in aliases if a[0] not in parsing]
        aliases[:] = [a for a in aliases if a[0] in parsing]
        written = writer.write(todo, now)
        for _, name in now:  # committed now: a crawl may log them as done
            notify("duplicate", name)
        for w in written:
            if not w.new:
                summary.duplicates += 1
                notify("duplicate", w.parsed.name)
                continue
            summary.new += 1
            summary.report_ids.append(w.report_id)
            if w.parsed.status == STATUS_FAILED:
                summary.failed += 1
            elif w.parsed.counts[0]:
                summary.with_errors += 1
            notify("failed" if w.parsed.status == STATUS_FAILED else "new", w.parsed.name)
        last_flush = time.perf_counter()

    run = parse_engine or local_engine(workers or default_workers())
    _drop_connections(engine)  # no pooled database connection crosses a fork into the workers
    try:
        for parsed in run(tasks()):
            batch.append(parsed)
            if len(batch) + len(ready) >= batch_size or time.perf_counter() - last_flush > max_batch_seconds:
                flush()
        flush()
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.seconds = time.perf_counter() - started
    if run_crosscheck and not summary.interrupted:
        cross = crosscheck.run(engine)
        summary.cross_checked, summary.cross_findings = cross.checked, cross.findings
    return summary


def expand(paths: Iterable[str]) -> list[str]:
    """Paths with shell-style patterns (`reports/*.pdf`, quoted so the shell left them)
    expanded; a pattern that matches nothing, or a path that does not exist, is an error
    (before anything is read or stored)."""
    import glob

    out: list[str] = []
    for p in paths:
        if any(ch in p for ch in "*?[") and not os.path.lexists(p):
            hits = sorted(glob.glob(p, recursive=True))
            if not hits:
                raise UnreadableInput(f"没有与“{safe_name(p)}”匹配的文件。", f"No files match {safe_name(p)!r}.")
            out.extend(hits)
        elif not os.path.exists(p):
            raise UnreadableInput(f"找不到文件或目录：{safe_name(p)}", f"No such file or directory: {safe_name(p)}")
        else:
            out.append(p)
    return out


def count_inputs(paths: Iterable[str]) -> int:
    """How many reports `paths` hold (zip archives count their members): the progress total."""
    import zipfile

    from ..inputs import _walk

    n = 0
    for p in paths:
        files = _walk(Path(p)) if os.path.isdir(p) else [Path(p)]
        for f in files:
            if not isinstance(f, Path):  # a folder that cannot be listed
                continue
            if str(f).lower().endswith(".zip") and f.is_file():  # never open a FIFO or a device
                try:
                    with zipfile.ZipFile(f) as zf:
                        n += sum(1 for i in zf.infolist() if not i.is_dir())
                    continue
                except (zipfile.BadZipFile, OSError):
                    pass
            n += 1
    return n


__all__ = ["ingest", "IngestSummary", "Task", "local_engine", "parse_and_check", "expand", "count_inputs"]
