"""Parsing on a Dask cluster: the same pure `parse_and_check` the local process pool runs,
as Dask tasks; the results come back to this process and are written by the store's
normal writer (idempotent by content hash, one transaction per batch).

    with dask_client("tcp://scheduler:8786") as client:
        ingest(store.engine, iter_inputs(["reports/"]), parse_engine=dask_engine(client))
        # (store.ingest.ingest; from the command line: nianbao ingest reports/ --engine dask --scheduler …)

What travels: each task carries a chunk of inputs' bytes (at most `chunk_items` inputs or
`chunk_bytes` bytes) and returns their `Parsed` records, so the workers need neither the
files nor the database - only nianbao installed, at the same version as here (checked on
connect).  At most `per_worker` chunks per worker thread are in flight, so memory stays flat on
any corpus.  A chunk whose worker dies is retried once on another worker; if it fails
again the ingest stops with a ClusterError, and what was written stays written (re-running
parses exactly what is missing).

Without a scheduler address `dask_client` starts a LocalCluster of `workers` processes on
this machine (for trying it out; the local engine is the faster choice on one machine).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .errors import ClusterError
from .store.ingest import Task, chunked
from .store.parsed import Parsed, parse_and_check

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

CONNECT_TIMEOUT = "20s"


def parse_chunk(chunk: list[Task]) -> list[Parsed]:
    """The task a worker runs: parse and check each input (never raises for a bad input)."""
    return [parse_and_check(t.name, t.data, t.content_hash) for t in chunk]


def worker_version() -> str:
    from . import __version__

    return __version__


def _warm_up() -> None:
    from .store.ingest import warm_up

    warm_up()


def dask_engine(client: "Client", *, chunk_items: int = 16, chunk_bytes: int = 4 << 20,
                per_worker: int = 3) -> Any:
    """A parse engine for `store.ingest.ingest(parse_engine=…)`: Tasks in, Parsed out (in the
    order they finish)."""

    def run(tasks: Iterable[Task]) -> Iterator[Parsed]:
        from distributed import as_completed

        threads = max(1, sum(client.nthreads().values()))  # task slots over all workers
        limit = threads * per_worker
        pending = chunked(tasks, chunk_items, chunk_bytes)
        futures: set[Any] = set()
        finished = as_completed(loop=client.loop)
        exhausted = False
        try:
            while True:
                while not exhausted and len(futures) < limit:
                    chunk = next(pending, None)
                    if chunk is None:
                        exhausted = True
                        break
                    future = client.submit(parse_chunk, chunk, pure=False, retries=1)
                    futures.add(future)
                    finished.add(future)
                if not futures:
                    return
                future = next(finished)
                futures.discard(future)
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died twice, or the cluster went away
                    raise ClusterError(f"Dask 集群未能完成解析任务（{type(exc).__name__}: {exc}）。已保存的报告不受影响，"
                                       "重新运行即可继续。",
                                       f"The Dask cluster failed a parse task ({type(exc).__name__}: {exc}). What was "
                                       "stored is kept; run the command again to continue.") from None
                yield from results
        finally:
            if futures:
                client.cancel(list(futures))

    return run


def check_workers(client: "Client") -> int:
    """The number of workers; a ClusterError when there are none, or when a worker lacks
    nianbao or has another version (its results would not match this store's parser)."""
    from . import __version__

    try:
        versions = client.run(worker_version)
    except Exception as exc:  # noqa: BLE001 - ModuleNotFoundError on a worker comes back as itself
        raise ClusterError("Dask 工作节点无法运行 nianbao：请在每个工作节点上安装与本机相同版本的 nianbao。",
                           f"A Dask worker cannot run nianbao ({type(exc).__name__}: {exc}); install the same "
                           f"nianbao version ({__version__}) on every worker.") from None
    if not versions:
        raise ClusterError("Dask 集群中没有工作节点。", "The Dask cluster has no workers.")
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        listing = ", ".join(f"{w}: {v}" for w, v in sorted(other.items()))
        raise ClusterError(f"Dask 工作节点上的 nianbao 版本与本机（{__version__}）不同：{listing}",
                           f"Dask workers run another nianbao version than this machine ({__version__}): {listing}")
    client.run(_warm_up)  # load dictionaries and division lists before the first task
    return len(versions)


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, processes: bool = True) -> Iterator["Client"]:
    """A client of the cluster at `scheduler` (tcp://host:8786), or of a LocalCluster of
    `workers` processes (threads of this process: `processes=False`) when there is no
    address; its workers checked and warmed up."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of nianbao
        from .errors import MissingDependency

        raise MissingDependency("需要安装 dask[distributed]。", "dask[distributed] is not installed.") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        else:
            from .store.ingest import default_workers

            cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=processes,
                                   dashboard_address=":0",  # any free port: no clash with another cluster
                                   silence_logs=logging.ERROR)  # not its shutdown chatter on the user's terminal
            client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
        if cluster is not None:
            cluster.close()
        if not scheduler:
            raise ClusterError(f"无法在本机启动 Dask 集群（{exc}）。", f"Cannot start a local Dask cluster ({exc}).") from None
        raise ClusterError(f"无法连接 Dask 调度器 {scheduler}（{exc}）。",
                           f"Cannot connect to the Dask scheduler {scheduler} ({exc}).") from None
    try:
        check_workers(client)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
