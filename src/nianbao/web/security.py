"""Protections every response and request goes through: security headers (a strict
Content-Security-Policy: scripts only from the package's static files), request-size
limits enforced while the body streams in, CSRF tokens, and login throttling."""
from __future__ import annotations

import hashlib
import json
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException

from .db import write
from .schema import login_throttle

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


ANY_NAME = "*"  # the row counting every name tried from one address (no user name holds "*")
FORGET_AFTER = 24 * 3600.0  # a (name, address) quiet this long starts over; its row is pruned
MAX_LOCK = 24 * 3600.0


@dataclass(frozen=True)
class Verdict:
    wait: float  # seconds until a login is allowed again (0: now)
    locked_now: bool = False  # this failure started a lock (for the audit log)


class LoginThrottle:
    """Failed logins counted in the database (`login_throttle`), so every server process
    sees the same counts and a restart or a flood of made-up names clears nothing.

    The key is the pair (user name, client address): someone guessing a reviewer's
    password from one address locks only that pair, and the reviewer logs in from their
    own address as usual.  After `per_name` failures of a pair within `window` seconds the
    pair is locked for `window` seconds, and each further failure doubles the lock (up to
    a day).  Every name tried from one address also counts against that address
    (`per_address`, ten times as many), which stops one address from spraying names.  A
    success clears its pair; an admin can clear a name (`accounts.unlock_user`).  Rows quiet for a day
    and not locked are pruned; a lock is never dropped before it ends."""

    def __init__(self, engine: Engine, per_name: int, window: float) -> None:
        self.engine = engine
        self.per_name, self.per_address, self.window = per_name, per_name * 10, window

    def _keys(self, name: str, address: str) -> list[tuple[str, str, int]]:
        name, address = name.strip()[:80], address[:64]
        return [(name, address, self.per_name), (ANY_NAME, address, self.per_address)]

    def wait(self, name: str, address: str) -> float:
        """Seconds until a login for `name` from `address` is allowed again (0: now)."""
        stamp = _now()
        keys = self._keys(name, address)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(login_throttle.c.locked_until).where(sa.or_(*(
                sa.and_(login_throttle.c.name == n, login_throttle.c.address == a) for n, a, _ in keys)))).all()
        waits = [(_aware(r.locked_until) - stamp).total_seconds() for r in rows if r.locked_until is not None]
        return max([w for w in waits if w > 0], default=0.0)

    def failed(self, name: str, address: str) -> Verdict:
        """Count a failed login; the verdict says how long the pair (or address) is now locked."""
        for attempt in range(3):
            try:
                return self._failed(name, address)
            except sa.exc.IntegrityError:  # two servers inserted the same new row at once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _failed(self, name: str, address: str) -> Verdict:
        stamp = _now()
        waits, locked_now = [], False
        with write(self.engine) as conn:
            conn.execute(login_throttle.delete().where(
                login_throttle.c.last_at < stamp - timedelta(seconds=FORGET_AFTER),
                sa.or_(login_throttle.c.locked_until.is_(None), login_throttle.c.locked_until < stamp)))
            for key_name, key_address, limit in self._keys(name, address):
                where = sa.and_(login_throttle.c.name == key_name, login_throttle.c.address == key_address)
                row = conn.execute(sa.select(login_throttle).where(where).with_for_update()).first()
                failures = 1
                if row is not None:
                    quiet = (stamp - _aware(row.last_at)).total_seconds()
                    # under the limit the count slides with the window; past it, it is kept
                    # (each new failure doubles the lock) until a day passes quietly
                    failures = 1 if (row.failures < limit and quiet > self.window) else row.failures + 1
                locked_until = None
                if failures >= limit:
                    seconds = min(self.window * 2 ** min(failures - limit, 16), MAX_LOCK)
                    locked_until = stamp + timedelta(seconds=seconds)
                    waits.append(seconds)
                    locked_now = locked_now or failures == limit
                values = {"failures": failures, "last_at": stamp, "locked_until": locked_until}
                if row is None:
                    conn.execute(login_throttle.insert().values(name=key_name, address=key_address, **values))
                else:
                    conn.execute(login_throttle.update().where(where).values(**values))
        return Verdict(max(waits, default=0.0), locked_now)

    def succeeded(self, name: str, address: str) -> None:
        name, address = name.strip()[:80], address[:64]
        with write(self.engine) as conn:
            conn.execute(login_throttle.delete().where(login_throttle.c.name == name,
                                                       login_throttle.c.address == address))

    def locks(self) -> list[dict[str, Any]]:
        """The pairs and addresses locked now (for the users page)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(login_throttle).where(login_throttle.c.locked_until > _now())
                                .order_by(login_throttle.c.name, login_throttle.c.address)).mappings().all()
        return [dict(r) for r in rows]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(t: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
