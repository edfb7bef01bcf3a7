"""What `nianbao ingest` reads beyond local files, and where it parses: URLs (fetched
politely, `nianbao.fetch`) and a Dask cluster (`nianbao.cluster`).

    setup = prepare(paths, engine="dask", scheduler="tcp://host:8786", workers=None, delay=1.0)
    try:
        store.ingest(setup.items, engine=setup.parse_engine)
    finally:
        setup.close()
    setup.report(console)     # the URLs that could not be fetched, with their reasons
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import click

ENGINES = ("local", "dask")


def ingest_options(func: Any) -> Any:
    """--engine, --scheduler, --delay."""
    for option in reversed((
        click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="解析在哪里进行：local 本机多进程；dask Dask 集群（见 --scheduler）。"),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Dask 调度器地址，如 tcp://10.0.0.5:8786；不写则在本机启动 --workers 个进程的临时集群。"),
        click.option("--delay", type=click.FloatRange(0), default=1.0, show_default=True,
                     help="抓取网址时，对同一网站两次请求之间至少间隔的秒数（robots.txt 的 Crawl-delay 更长时从其规定）。"),
    )):
        func = option(func)
    return func


@dataclass
class IngestSetup:
    items: Iterator[Any]  # InputItems: the files, then what the URLs gave
    total: int | None  # inputs to expect (None when URLs are fetched: their attachments are unknown)
    parse_engine: Any = None  # None: the local process pool
    problems: list[Any] = field(default_factory=list)  # fetch.FetchProblem
    stack: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self.stack.close()

    def report(self, console: Any) -> None:
        """Print what could not be fetched (nothing is stored for it: a later run tries again)."""
        if not self.problems:
            return
        console.print(f"[red]{len(self.problems)} 个网址未能下载[/]（未入库，稍后重新运行即可再试）：")
        for p in self.problems:
            via = f"（见于 {p.page}）" if p.page else ""
            console.print(f"  {p.url}{via}\n    {p.error.message_zh}", soft_wrap=True)


def prepare(paths: tuple[str, ...] | list[str], engine: str = "local", scheduler: str | None = None,
            workers: int | None = None, delay: float = 1.0) -> IngestSetup:
    """The inputs of `paths` (files, directories, zip archives, patterns and http(s) URLs)
    and the parse engine asked for."""
    from ..fetch import is_url
    from ..inputs import iter_inputs
    from ..store.ingest import count_inputs, expand

    urls = [p for p in paths if is_url(p)]
    files = expand([p for p in paths if not is_url(p)])
    setup = IngestSetup(iter(()), None if urls else count_inputs(files))
    setup.items = _chain(iter_inputs(files), _fetched(urls, delay, setup) if urls else iter(()))
    if engine == "dask":
        from ..cluster import dask_client, dask_engine

        client = setup.stack.enter_context(dask_client(scheduler, workers))
        setup.parse_engine = dask_engine(client)
        where = scheduler or "本机临时集群"
        click.echo(f"Dask：{len(client.nthreads())} 个工作节点（{where}）", err=True)
    elif scheduler:
        raise click.UsageError("--scheduler 只与 --engine dask 一起使用。")
    return setup


def _chain(*parts: Iterator[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


def _fetched(urls: list[str], delay: float, setup: IngestSetup) -> Iterator[Any]:
    from ..fetch import Fetcher, Politeness, fetch_reports

    fetcher = setup.stack.enter_context(Fetcher(Politeness(delay=delay)))
    yield from fetch_reports(urls, fetcher, setup.problems)
