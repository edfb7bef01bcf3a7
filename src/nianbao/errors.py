"""Errors a user can meet.  Each carries a Chinese and an English sentence; the CLI prints
both and exits with `exit_code` (2: the input could not be used), never a traceback."""
from __future__ import annotations


class NianbaoError(Exception):
    exit_code = 2

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class UnreadableInput(NianbaoError):
    """Empty, binary, truncated or corrupt input."""


class NotAReport(NianbaoError):
    """Readable, but not a government information-disclosure annual report."""


class UnsupportedFormat(NianbaoError):
    """A file type nianbao does not read."""


class MissingDependency(NianbaoError):
    """A system program (e.g. LibreOffice) that this input needs is not installed."""


class LimitExceeded(NianbaoError):
    """The input is over a safety limit (size, pages, members, time)."""


class StoreError(NianbaoError):
    """The database could not be opened or written."""


class FetchError(NianbaoError):
    """A web page or file could not be downloaded (refused by robots.txt, an HTTP error, a timeout)."""


class ClusterError(NianbaoError):
    """The Dask cluster could not be reached or could not do the work."""
