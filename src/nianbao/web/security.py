"""Protections every response and request goes through: security headers (a strict
Content-Security-Policy: scripts only from the package's static files), request-size
limits enforced while the body streams in, CSRF tokens, and login throttling."""
from __future__ import annotations

import hashlib
import json
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
# only over https (a browser ignores it over http, and it must not pin a plain-http test site)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PRE_COOKIE = "nb_pre"  # a random value binding the CSRF token of a visitor who is not logged in
SESSION_COOKIE = "nb_session"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException, so that however deep the
    reading happens (form parsing, JSON) it ends as a 413 response."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_message(limit))


def _too_large_message(limit: int) -> str:
    return f"请求内容过大（上限 {limit / 1024 / 1024:g} MB）。"


class Guard:
    """ASGI middleware: adds the security headers and refuses bodies over the limit for
    their path (413) - from the Content-Length header when there is one, else by counting
    the body as it arrives."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(send, limit)
            return
        started = False
        seen = 0

        async def counted_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                extra = [h for h in HEADERS if h[0] not in names]
                if scope.get("scheme") == "https" and HSTS[0] not in names:
                    extra.append(HSTS)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": _too_large_message(limit), "detail_en": "The request is too large."},
                      ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + list(HEADERS)})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- CSRF


def anonymous_csrf(secret: str, pre: str) -> str:
    """The CSRF token of a visitor who is not logged in, bound to their `nb_pre` cookie."""
    return hmac.new(secret.encode(), b"csrf:" + pre.encode(), hashlib.sha256).hexdigest()


def new_pre() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


# --------------------------------------------------------------------------- login throttling


class LoginThrottle:
    """Failed logins per user name and per client address in a sliding window; once over
    the limit, logins are refused (even with the right password) until the window clears."""

    def __init__(self, per_name: int, window: float) -> None:
        self.per_name, self.per_address, self.window = per_name, per_name * 4, window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, stamp: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and stamp - q[0] > self.window:
            q.popleft()
        return q

    def wait(self, name: str, address: str) -> float:
        """Seconds until a login for `name` from `address` is allowed again (0: now)."""
        stamp = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in ((f"n:{name}", self.per_name), (f"a:{address}", self.per_address)):
                q = self._recent(key, stamp)
                if len(q) >= limit:
                    waits.append(self.window - (stamp - q[0]))
            return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        stamp = time.monotonic()
        with self._lock:
            if len(self._fails) > 100_000:  # a flood of made-up names: forget the oldest state
                self._fails.clear()
            for key in (f"n:{name}", f"a:{address}"):
                self._recent(key, stamp).append(stamp)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._fails.pop(f"n:{name}", None)
