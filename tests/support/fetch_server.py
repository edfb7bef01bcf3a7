"""A local web site for the fetch tests: an `http.server` in a thread serving generated
fixtures, recording every request.  Nothing leaves the machine."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""  # an iterable is streamed without a Content-Length
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0  # seconds before answering


@dataclass
class Seen:
    host: str
    path: str
    user_agent: str
    at: float  # time.monotonic() when the request arrived


class Site:
    """Routes by path (and optionally by Host); a route may be a list of replies given in
    turn (the last one repeats)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str | None, str], list[Reply]] = {}
        self.log: list[Seen] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, *replies: Reply, host: str | None = None) -> None:
        self.routes[(host, path)] = list(replies)

    def requests(self, path: str | None = None, host: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.log if (path is None or s.path == path) and (host is None or s.host == host)]

    def start(self) -> "Site":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _reply(self, host: str, path: str) -> Reply:
        with self.lock:
            replies = self.routes.get((host, path)) or self.routes.get((None, path))
            if not replies:
                return Reply(404, b"not found")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                with site.lock:
                    site.log.append(Seen(host, self.path, self.headers.get("User-Agent", ""), time.monotonic()))
                reply = site._reply(host, self.path)
                if reply.pause:
                    time.sleep(reply.pause)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if isinstance(reply.body, bytes):
                        self.send_header("Content-Length", str(len(reply.body)))
                        self.end_headers()
                        self.wfile.write(reply.body)
                    else:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        for chunk in reply.body:
                            self.wfile.write(chunk)
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a size cap)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
