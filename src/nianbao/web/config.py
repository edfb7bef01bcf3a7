"""Settings of one running web application."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..parsing.readers.archive import MB, Limits


@dataclass(frozen=True)
class WebConfig:
    db: str | None = None  # a store URL or path; None: $NIANBAO_DB or ./nianbao.db
    read_only: bool = False  # a public deployment: anyone may read, nobody may write or log in
    secure_cookies: bool | None = None  # None: Secure when the request came over https
    session_hours: float = 12.0
    upload_bytes: int = 50 * MB  # one uploaded file (a zip: the archive itself)
    request_bytes: int = 210 * MB  # a whole upload request (several files)
    form_bytes: int = 2 * MB  # any other request body
    upload_files: int = 200  # files in one upload request
    # every zip member's compression ratio is checked (ratio_floor=0), declared and actual
    archive_limits: Limits = field(default_factory=lambda: Limits(members=2000, member_bytes=50 * MB,
                                                                  total_bytes=250 * MB, ratio_floor=0))
    request_unpacked_bytes: int = 250 * MB  # files and zip members of one upload request, unpacked
    request_items: int = 2000  # files and zip members of one upload request
    user_queued_bytes: int = 500 * MB  # one user's files waiting to be parsed (queued or parsing), unpacked
    user_queued_items: int = 2000  # ... and their number
    workers: int = 1  # parse processes for uploads; 0 parses in a thread of the server process
    login_failures: int = 5  # failed logins per (name, address) (and 10x per address) ...
    login_window: float = 600.0  # ... within this many seconds lock it this long (doubling with each further failure)
    setup_token: str | None = None  # a fresh store (no users): the one-time link of the first-run page (serve prints it)
    setup_from_localhost: bool = True  # ... which the local machine may open without it (not behind a proxy)
    cache_seconds: float = 300.0  # dashboards, comparisons and counts: recomputed at most this often (and after an upload)
