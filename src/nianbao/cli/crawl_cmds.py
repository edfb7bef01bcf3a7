"""crawl: every report of a site's 政府信息公开年报 column into the store (`nianbao.crawl`)."""
from __future__ import annotations

import sys
from typing import Any

import click

from . import main
from .store_cmds import _console, _open, db_option


@main.command()
@click.argument("url")
@db_option
@click.option("--max-pages", type=click.IntRange(1), default=1000, show_default=True,
              help="最多请求多少个网页和文件（栏目页、报告页、附件；不含 robots.txt）。")
@click.option("--max-depth", type=click.IntRange(0, 50), default=5, show_default=True,
              help="从起始栏目最多进入几层子栏目（年度栏目、各部门、各乡镇……；翻页不计）。")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              help="起始网址所在网站之外，也允许抓取的网站（可重复），如 file.example.gov.cn。")
@click.option("--delay", type=click.FloatRange(0), default=1.0, show_default=True,
              help="对同一网站两次请求之间至少间隔的秒数（robots.txt 的 Crawl-delay 更长时从其规定）。")
@click.option("--dry-run", is_flag=True, help="只读取栏目页，列出将要下载的报告网址；不下载报告，不写数据库。")
@click.option("-w", "--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="解析进程数（抓取有间隔，通常一个就够）。")
@click.option("--no-crosscheck", is_flag=True, help="不做跨报告检查（上下年衔接、雷同、重复）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
def crawl(url: str, db_url: str | None, max_pages: int, max_depth: int, allow_hosts: tuple[str, ...], delay: float,
          dry_run: bool, workers: int, no_crosscheck: bool, quiet: bool) -> None:
    """抓取一个网站的政府信息公开年报栏目，把各年度、各部门、各乡镇的报告读入数据库。
    Crawl a site's annual-report column (pagination, year columns, sub-sites) into the store.

    只访问起始网址所在的网站（及 --allow-host）；遵守 robots.txt，一次一个请求，请求之间有间隔。
    可重复运行：栏目页每次重新读取，已入库的报告不再下载；中断后重新运行即可继续。
    """
    from ..crawl import Crawler, CrawlLog, CrawlOptions
    from ..fetch import Fetcher, Politeness, _check_url
    from rich.markup import escape

    _check_url(url)  # a clear message before anything is opened
    store = _open(db_url)
    err = _console(stderr=True)
    out = _console()
    options = CrawlOptions(max_pages=max_pages, max_depth=max_depth, allow_hosts=allow_hosts, dry_run=dry_run)
    log = CrawlLog(store.engine, crawl=url)
    status = None if quiet else err.status("抓取中…", spinner="dots")
    counts = {"listing": 0, "report": 0, "attachment": 0, "stored": 0, "planned": 0}

    def on_event(event: str, where: str) -> None:
        if event in counts:
            counts[event] += 1
        if status is not None:
            parts = [f"栏目页 {counts['listing']}", f"报告页和文件 {counts['report'] + counts['attachment']}",
                     f"将下载 {counts['planned']}" if dry_run else f"入库 {counts['stored']}", escape(_short(where))]
            status.update(" · ".join(parts))

    summary = None
    try:
        with Fetcher(Politeness(delay=delay)) as fetcher:
            crawler = Crawler(url, fetcher, log, options, on_event=on_event)
            if status is not None:
                status.start()
            try:
                if dry_run:
                    crawler.run_dry()
                else:
                    # reports arrive at the pace of the network: commit at least every second,
                    # so that a killed crawl loses little and its log shows steady progress
                    summary = store.ingest(crawler.items(), workers=workers, progress=crawler.on_stored,
                                           crosscheck=not no_crosscheck, batch_seconds=1.0)
            finally:
                if status is not None:
                    status.stop()
    except KeyboardInterrupt:  # during a dry run (the ingest handles its own)
        err.print("[yellow]已中断。[/]")
        sys.exit(130)
    finally:
        log.close()
    stats = crawler.stats
    if dry_run:
        _print_plan(out, crawler)
    _print_problems(err, crawler)
    out.print(f"栏目页 {stats.listings} 个，报告页和报告文件 {stats.reports + stats.attachments} 个"
              f"{'（试运行：未下载）' if dry_run else ''}；已入库而跳过 {stats.already} 个，"
              f"不是年报 {stats.not_reports} 个，robots.txt 不允许 {stats.robots} 个，"
              f"站外链接 {stats.offsite} 个（未访问），失败 [{'red' if stats.failed else 'green'}]{stats.failed}[/] 个。"
              f"共请求 {fetcher.requests} 次。", soft_wrap=True)
    if summary is not None:
        _print_ingest(out, summary)
    out.print(f"数据库：{store.display_url}", style="dim")
    if stats.capped:
        err.print(f"[yellow]已达 --max-pages 上限（{max_pages}），没有抓完；重新运行（或调大 --max-pages）即可继续。[/]")
    if summary is not None and summary.interrupted:
        err.print("[yellow]已中断。已保存的报告不受影响，重新运行同一命令即可继续。[/]")
        sys.exit(130)
    if stats.listings == 0:
        err.print("错误：起始网址无法读取，没有抓取任何内容。\nError: the start URL could not be read; nothing was crawled.")
        sys.exit(2)
    if not (stats.reports or stats.already or stats.planned or stats.failed):
        err.print("错误：该栏目中没有找到年报链接（标题含“年报”“年度报告”等的链接）。\n"
                  "Error: no links to annual reports found in this column.")
        sys.exit(2)
    if crawler.problems:
        sys.exit(2)


def _short(url: str, width: int = 36) -> str:
    """The end of a URL's path, for the status line."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if len(path) <= width else "…" + path[-(width - 1):]


def _print_plan(out: Any, crawler: Any) -> None:
    stats = crawler.stats
    out.print(f"试运行：将下载 [bold]{len(stats.planned)}[/] 个报告网址" + ("：" if stats.planned else "。"))
    for t in stats.planned:
        out.print(f"  {t.url}  {t.text}", soft_wrap=True, markup=False)
    if stats.known:
        out.print(f"已入库，不再下载 {len(stats.known)} 个。")


def _print_problems(err: Any, crawler: Any) -> None:
    if not crawler.problems:
        return
    err.print(f"[red]{len(crawler.problems)} 个网址未能下载[/]（已记入抓取日志，重新运行时再试）：")
    for p in crawler.problems:
        via = f"（见于 {p.page}）" if p.page else ""
        err.print(f"  {p.url}{via}\n    {p.error.message_zh}", soft_wrap=True, markup=False)


def _print_ingest(out: Any, summary: Any) -> None:
    """The ingest's summary line, as `nianbao ingest` prints it."""
    rate = f"（{summary.rate:,.0f} 份/秒）" if summary.seconds and summary.new >= 100 else ""
    out.print(f"读取 {summary.read} 份：新增 [bold]{summary.new}[/]，重复 {summary.duplicates}，"
              f"失败 [{'red' if summary.failed else 'green'}]{summary.failed}[/]"
              f"{'（已连同失败原因保存）' if summary.failed else ''}，有错误的报告 "
              f"[{'red' if summary.with_errors else 'green'}]{summary.with_errors}[/]。"
              f"用时 {summary.seconds:.1f} 秒{rate}。", soft_wrap=True)
    if summary.cross_checked:
        out.print(f"跨报告检查（上下年衔接、雷同、重复）：{summary.cross_checked} 份，发现 {summary.cross_findings} 个问题。")
