"""Accounts: users with a role and an argon2 password hash, login sessions and API tokens.

Secrets handed to a browser or a script (session cookies, API tokens) are random and only
their SHA-256 is stored, so a copy of the database lets nobody log in.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from ..errors import NianbaoError
from .db import now, write
from .passwords import MIN_LENGTH, problem
from .schema import ROLES, api_tokens, users, web_sessions

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 60 ms per login
# on a small server, so the login form is no lever for exhausting it; older hashes are
# upgraded on the next login
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_NAME = re.compile(r"^[\w.\-@\u3400-\u9fff]{1,80}$")
MIN_PASSWORD = MIN_LENGTH
TOKEN_PREFIX = "nb_"
# a valid hash to verify against when the user does not exist (same time either way)
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(NianbaoError):
    """A user name, role or password that cannot be used."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """Whether this user has `role` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


ANONYMOUS = User(0, "公众", "viewer")  # the visitor of a read-only public deployment
CLI_USER = User(0, "命令行", "admin")  # who the audit log names for the command line


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(t: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _user(row: sa.Row) -> User:
    return User(row.id, row.name, row.role)


# --------------------------------------------------------------------------- users


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise AccountError("用户名只能包含汉字、字母、数字和 . _ - @，长度不超过80。",
                           "A user name holds letters, digits, Chinese characters and . _ - @ (80 at most).")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"角色必须是 {'、'.join(ROLES)} 之一。", f"The role must be one of {', '.join(ROLES)}.")
    return role


def check_password(password: str, name: str = "") -> str:
    """The password if the policy of `passwords.problem` accepts it for user `name`."""
    refused = problem(password, name)
    if refused is not None:
        raise AccountError(*refused)
    return password


def _log(conn: Connection, by: User | None, action: str, target: str, detail: dict[str, object] | None = None) -> None:
    """The audit entry of an account change made by `by`, in the change's own transaction
    (a crash keeps both or neither)."""
    if by is not None:
        from .reviews import audit

        audit(conn, by, action, target=target, detail=detail)


def add_user(engine: Engine, name: str, role: str, password: str, *, by: User | None = None) -> User:
    name, role = check_name(name), check_role(role)
    password = check_password(password, name)
    with write(engine) as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"用户“{name}”已存在。", f"The user {name!r} exists already.")
        uid = conn.execute(users.insert().values(name=name, role=role, password_hash=_hasher.hash(password),  # type: ignore[index]  # (a one-row INSERT has its key)
                                                 active=True, created_at=now())).inserted_primary_key[0]
        _log(conn, by, "user.add", name, {"role": role})
    return User(int(uid), name, role)


def update_user(engine: Engine, name: str, *, role: str | None = None, password: str | None = None,
                active: bool | None = None, by: User | None = None, action: str = "user.update") -> User:
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = check_role(role)
    if password is not None:
        values["password_hash"] = _hasher.hash(check_password(password, name))
    if active is not None:
        values["active"] = active
    with write(engine) as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise AccountError(f"没有用户“{name}”。", f"No user {name!r}.")
        if values:
            conn.execute(users.update().where(users.c.id == row.id).values(**values))
        if password is not None or active is False:  # log out everywhere, and no script keeps access
            conn.execute(web_sessions.delete().where(web_sessions.c.user_id == row.id))
            conn.execute(api_tokens.update().where(api_tokens.c.user_id == row.id, api_tokens.c.revoked.is_(False))
                         .values(revoked=True))
        row = conn.execute(sa.select(users).where(users.c.id == row.id)).first()
        assert row is not None  # (the user just updated, in this transaction)
        _log(conn, by, action, name, {"role": role, "active": active, "password": password is not None})
    return _user(row)


def list_users(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.name, users.c.role, users.c.active, users.c.created_at,
                                      users.c.last_login_at).order_by(users.c.name)).mappings().all()
    return [dict(r) for r in rows]


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user if the name and password match an active account; None otherwise (in the
    same time whether or not the user exists)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name.strip())).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    with write(engine) as conn:
        values: dict[str, object] = {"last_login_at": now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(users.update().where(users.c.id == row.id).values(**values))
    return _user(row)


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def start_session(engine: Engine, user: User, hours: float) -> tuple[str, Session]:
    """(the cookie token, the session) of a new login."""
    token = secrets.token_urlsafe(32)
    session = Session(user, secrets.token_urlsafe(32), now() + timedelta(hours=hours))
    with write(engine) as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.expires_at < now()))
        conn.execute(web_sessions.insert().values(token_hash=_sha(token), user_id=user.id, csrf=session.csrf,
                                                  created_at=now(), expires_at=session.expires_at))
    return token, session


def find_session(engine: Engine, token: str) -> Session | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(web_sessions.c.csrf, web_sessions.c.expires_at, users.c.id, users.c.name, users.c.role)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_hash == _sha(token), users.c.active.is_(True))).first()
    if row is None:
        return None
    expires = _aware(row.expires_at)
    if expires < now():
        return None
    return Session(User(row.id, row.name, row.role), row.csrf, expires)


def end_session(engine: Engine, token: str) -> None:
    with write(engine) as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == _sha(token)))


# --------------------------------------------------------------------------- API tokens


def create_token(engine: Engine, user: User, name: str, *, by: User | None = None) -> tuple[int, str]:
    """(id, token): the token is shown once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    label = name.strip()[:80] or "token"
    with write(engine) as conn:
        tid = conn.execute(api_tokens.insert().values(user_id=user.id, name=label, token_hash=_sha(token),  # type: ignore[index]  # (a one-row INSERT has its key)
                                                      created_at=now(), revoked=False)).inserted_primary_key[0]
        _log(conn, by, "token.create", str(tid), {"name": label})
    return int(tid), token


def token_user(engine: Engine, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_tokens.c.id, api_tokens.c.last_used_at, users.c.id.label("uid"), users.c.name,
                                     users.c.role)
                           .join(users, users.c.id == api_tokens.c.user_id)
                           .where(api_tokens.c.token_hash == _sha(token), api_tokens.c.revoked.is_(False),
                                  users.c.active.is_(True))).first()
    if row is None:
        return None
    last = row.last_used_at
    if last is None or _aware(last) < now() - timedelta(minutes=5):  # not a write on every request
        with write(engine) as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now()))
    return User(row.uid, row.name, row.role)


def list_tokens(engine: Engine, user: User) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.created_at,
                                      api_tokens.c.last_used_at, api_tokens.c.revoked)
                            .where(api_tokens.c.user_id == user.id).order_by(api_tokens.c.id)).mappings().all()
    return [dict(r) for r in rows]


def revoke_token(engine: Engine, user: User, token_id: int, *, by: User | None = None) -> bool:
    """Revoke one of `user`'s tokens (an admin may revoke anyone's); False if there is none."""
    stmt = api_tokens.update().where(api_tokens.c.id == token_id).values(revoked=True)
    if not user.can("admin"):
        stmt = stmt.where(api_tokens.c.user_id == user.id)
    with write(engine) as conn:
        revoked = conn.execute(stmt).rowcount > 0
        if revoked:
            _log(conn, by, "token.revoke", str(token_id))
    return revoked


def unlock_user(engine: Engine, name: str, *, by: User | None = None) -> int:
    """Clear the failed logins of user name `name` from every address (the number of
    (name, address) pairs cleared); an address locked for spraying names stays locked."""
    from .schema import login_throttle

    name = name.strip()[:80]
    with write(engine) as conn:
        cleared = conn.execute(login_throttle.delete().where(login_throttle.c.name == name)).rowcount
        _log(conn, by, "user.unlock", name, {"cleared": cleared})
    return int(cleared)
