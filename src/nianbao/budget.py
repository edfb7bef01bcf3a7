"""A CPU and memory budget for the parse of one input.

A hostile file (a PDF whose few KB of compressed content stream hold millions of path
operators, a deeply nested document) can make a reader spend minutes and gigabytes.  The
readers cap what they can see (pages, members, page objects), but a library may spend
the cost before handing anything back (pdfium parses a page's whole content stream in
FPDF_LoadPage).  So every file's parse runs in a forked child process with
``RLIMIT_CPU`` (CPU seconds) and ``RLIMIT_AS`` (address space above what the parent
already maps) set, plus a wall-clock guard; a child that runs over is killed and the
overrun is raised in the parent as `LimitExceeded`, so the CLI, ingest and the upload
worker report it like any unreadable file and go on with the next.

A fresh child per file (not limits on a long-lived pool worker): a pool worker that dies
on its memory limit breaks the whole pool, and CPU time accounting per file is exact.

Defaults: 120 CPU seconds and 2 GB; ``NIANBAO_PARSE_CPU`` (seconds) and
``NIANBAO_PARSE_MEMORY`` (megabytes) change them, 0 turns that limit off.  OCR has its own
wall-clock budget per document (``NIANBAO_OCR_SECONDS``, 300 s) on every core: a child
that starts OCR (`allow_ocr`) may spend that budget's CPU time on top (the hard limit is
set for it at the start, the soft one raised when OCR starts), and the wall-clock guard
includes it, so a long scanned report is read in part (with findings) rather than killed.  Where there is
no ``fork`` (Windows) the function runs in the calling process, unbudgeted.  Plain text
is read without a child (`needed`): a fork costs more than its parse.
"""
from __future__ import annotations

import faulthandler
import os
import pickle
import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import LimitExceeded, NianbaoError

T = TypeVar("T")

DEFAULT_CPU = 120.0  # seconds
DEFAULT_MEMORY = 2048  # megabytes


@dataclass(frozen=True)
class Budget:
    cpu: float = DEFAULT_CPU  # CPU seconds; 0: unlimited
    memory: int = DEFAULT_MEMORY  # megabytes of address space above the parent's; 0: unlimited

    @classmethod
    def from_env(cls) -> Budget:
        def number(key: str, default: float) -> float:
            try:
                return max(float(os.environ.get(key, default)), 0.0)
            except ValueError:
                return default
        return cls(cpu=number("NIANBAO_PARSE_CPU", DEFAULT_CPU), memory=int(number("NIANBAO_PARSE_MEMORY", DEFAULT_MEMORY)))

    @property
    def off(self) -> bool:
        return not self.cpu and not self.memory

    def wall(self) -> float | None:
        """Seconds of wall-clock time before the child is killed (it may wait, not only compute)."""
        return max(3 * self.cpu, self.cpu + 60) + _ocr_seconds() if self.cpu else None

    def describe(self) -> tuple[str, str]:
        cpu = f"{self.cpu:g}" if self.cpu else "∞"
        mem = "∞" if not self.memory else f"{self.memory // 1024} GB" if self.memory % 1024 == 0 else f"{self.memory} MB"
        return f"CPU {cpu} 秒 / 内存 {mem}", f"CPU {cpu} s / memory {mem}"


def exceeded(budget: Budget, what: str = "") -> LimitExceeded:
    zh, en = budget.describe()
    why_zh = {"cpu": "，CPU 时间用完", "memory": "，内存用完", "wall": "，运行时间过长"}.get(what, "")
    why_en = {"cpu": ": out of CPU time", "memory": ": out of memory", "wall": ": ran too long"}.get(what, "")
    return LimitExceeded(
        f"解析超出资源上限（{zh}）{why_zh}，已停止并跳过该文件（文件可能是恶意构造的，例如 PDF 内容流炸弹）。",
        f"Parsing exceeded the resource budget ({en}){why_en}; it was stopped and the file skipped "
        f"(the file may be hostile, e.g. a PDF content-stream bomb).",
    )


def needed(data: bytes | None) -> bool:
    """Whether `data` needs a budgeted child: every kind a library parses (PDF, Word, images,
    HTML).  Plain text (its reader's hostile inputs are bounded, tests/test_limits.py) and
    input refused on sight (binary) are read in the calling process: a fork costs ~15-20 ms,
    more than parsing a text report."""
    from .parsing.readers import sniff

    return data is not None and sniff(data) not in ("text", "binary")


def call(fn: Callable[..., T], *args: Any, budget: Budget | None = None) -> T:
    """fn(*args) in a child process under `budget` (default: from the environment).  Returns
    its result (it must pickle), re-raises a `NianbaoError` it raised, raises `LimitExceeded`
    when the child ran over (or died), `RuntimeError` for other exceptions of the child."""
    budget = budget or Budget.from_env()
    if budget.off or not hasattr(os, "fork"):
        return fn(*args)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_fd)
            faulthandler.disable()  # pdfium aborts when out of memory: expected here, not a crash to dump
            _limit(budget)
            try:
                payload: tuple[Any, ...] = ("ok", fn(*args))
            except MemoryError:
                payload = ("limit", "memory")
            except NianbaoError as exc:
                payload = ("nianbao", type(exc), exc.message_zh, exc.message_en)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                payload = ("error", f"{type(exc).__name__}: {exc}")
            try:
                blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                blob = pickle.dumps(("limit", "memory"))
            except Exception as exc:  # noqa: BLE001
                blob = pickle.dumps(("error", f"unpicklable result: {exc}"))
            with os.fdopen(write_fd, "wb") as out:
                out.write(blob)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(write_fd)
    return _collect(pid, read_fd, budget)


def _ocr_seconds() -> float:
    try:  # readers.ocr.BUDGET_SECONDS, without importing the OCR reader
        return max(float(os.environ.get("NIANBAO_OCR_SECONDS", "300")), 0.0)
    except ValueError:
        return 300.0


_ocr_cpu: int | None = None  # in a budgeted child: the soft CPU limit OCR may raise to


def allow_ocr() -> None:
    """Called when a document's OCR starts: in a budgeted child, the CPU limit grows by the
    OCR budget on every core (OCR stops itself at its wall-clock budget)."""
    global _ocr_cpu
    if _ocr_cpu is None:
        return
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (_ocr_cpu, hard))
    _ocr_cpu = None


def _limit(budget: Budget) -> None:
    import resource

    global _ocr_cpu
    if budget.cpu:
        # a forked child starts with no CPU time; SIGXCPU at the soft limit, SIGKILL at the hard
        soft = max(int(budget.cpu + 0.999), 1)
        _ocr_cpu = soft + int(_ocr_seconds() * (os.cpu_count() or 1))
        resource.setrlimit(resource.RLIMIT_CPU, (soft, _ocr_cpu + 2))
    if budget.memory:
        with open("/proc/self/statm", encoding="ascii") as f:  # pages mapped already (the parent's)
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = mapped + budget.memory * (1 << 20)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _collect(pid: int, read_fd: int, budget: Budget) -> Any:
    import signal  # (here: a check of an input that needs no budget does not load it)

    wall = budget.wall()
    deadline = None if wall is None else time.monotonic() + wall
    chunks: list[bytes] = []
    timed_out = False
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise exceeded(budget, "wall")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        raise exceeded(budget, "cpu" if sig in (signal.SIGXCPU, signal.SIGKILL) else "memory" if budget.memory else "")
    try:
        payload = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a child that died mid-write (out of memory)
        raise exceeded(budget, "memory" if budget.memory else "") from None
    kind = payload[0]
    if kind == "ok":
        return payload[1]
    if kind == "limit":
        raise exceeded(budget, payload[1])
    if kind == "nianbao":
        cls, zh, en = payload[1:]
        exc = cls.__new__(cls)
        Exception.__init__(exc, en)
        exc.message_zh, exc.message_en = zh, en
        raise exc
    raise RuntimeError(payload[1])
