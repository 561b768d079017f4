"""Login with rate limiting, browser sessions (with their CSRF token) and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts import secrets as sec
from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage.repository import audit, now
from salus.usecases.accounts.users import (
    LOGIN_WINDOW,
    MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_CLIENT_AND_USER,
    MAX_FAILURES_PER_USER,
    SESSION_TTL,
    Session,
    _user_query,
    _viewer,
)
from salus.usecases.errors import InvalidCredentials, NotFound, RateLimited, require

TOKEN_PREFIX = "sal_"
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)
"""``last_used_at`` is refreshed at most once a minute (no write on every API call)."""
_DUMMY_HASH = sec.hash_password("not-a-real-password")


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _check_rate(conn: sa.Connection, username: str, client: str) -> None:
    """Refuse a login attempt past any of the three limits on failures in ``LOGIN_WINDOW``:
    this account from this client, this client across accounts, this account from everywhere.

    Throttling by account alone let anyone lock a known username out for its owner; keyed by
    (client, account), failures from one address do not stop the owner signing in from
    another (OWASP ASVS 2.2.1; the Authentication Cheat Sheet's "account lockout" section).
    """
    since = now() - LOGIN_WINDOW
    a = t.login_attempt
    failures = sa.select(sa.func.count()).select_from(a).where(
        a.c.success.is_(False), a.c.at >= since)
    limits = ((failures.where(a.c.username == username, a.c.client == client),
               MAX_FAILURES_PER_CLIENT_AND_USER),
              (failures.where(a.c.client == client), MAX_FAILURES_PER_CLIENT),
              (failures.where(a.c.username == username), MAX_FAILURES_PER_USER))
    if any(conn.execute(query).scalar_one() >= limit for query, limit in limits):
        raise RateLimited("too many failed logins; wait 15 minutes",
                          retry_after=int(LOGIN_WINDOW.total_seconds()))


def login(engine: sa.Engine, username: str, password: str, client: str = "local") -> Session:
    """Check a password and open a session; raises InvalidCredentials or RateLimited.

    In 15 minutes: at most 5 failures for one account from one client address, 20 from one
    address across accounts, and 100 for one account from all addresses together.
    """
    username = username.strip()[:100]
    client = client[:64]
    with engine.begin() as conn:
        _check_rate(conn, username, client)
        row = conn.execute(_user_query().where(t.app_user.c.username == username)).first()
        ok = sec.verify_password(row.password_hash if row else _DUMMY_HASH, password)
        ok = ok and row is not None and bool(row.active)
        conn.execute(t.login_attempt.insert().values(username=username, client=client,
                                                     at=now(), success=ok))
    if not ok or row is None:
        raise InvalidCredentials()
    return _open_session(engine, row)


def _open_session(engine: sa.Engine, row: Any) -> Session:
    token, csrf = sec.new_token(), sec.new_token()
    stamp = now()
    with engine.begin() as conn:
        conn.execute(t.user_session.insert().values(
            token_hash=sec.digest(token), user_id=row.id, csrf_token=csrf,
            created_at=stamp, expires_at=stamp + SESSION_TTL))
        conn.execute(t.user_session.delete().where(t.user_session.c.expires_at < stamp))
        audit(conn, row.username, "login", "user", row.username)
    return Session(token, csrf, _viewer(row))


def session_viewer(engine: sa.Engine, token: str | None) -> Session | None:
    """The session behind a cookie value, or None when unknown, expired or the user inactive."""
    if not token:
        return None
    s = t.user_session
    q = (_user_query().add_columns(s.c.csrf_token, s.c.expires_at)
         .join(s, s.c.user_id == t.app_user.c.id)
         .where(s.c.token_hash == sec.digest(token)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or not row.active or _as_utc(row.expires_at) < now():
        return None
    return Session(token, row.csrf_token, _viewer(row))


def logout(engine: sa.Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(t.user_session.delete()
                     .where(t.user_session.c.token_hash == sec.digest(token)))


def create_api_token(engine: sa.Engine, actor: Viewer, name: str) -> str:
    """A new API token for the acting user; the value is shown once and stored as a digest."""
    require(actor.user_id is not None, "only signed-in users create tokens")
    token = sec.new_token(TOKEN_PREFIX)
    with engine.begin() as conn:
        conn.execute(t.api_token.insert().values(
            token_hash=sec.digest(token), prefix=token[:10], name=name[:100] or "token",
            user_id=actor.user_id, created_at=now()))
        audit(conn, actor.username, "create", "api_token", token[:10], None, {"name": name})
    return token


def token_viewer(engine: sa.Engine, token: str) -> Viewer | None:
    """The user behind a bearer token, or None when unknown, revoked or the user inactive."""
    a = t.api_token
    q = (_user_query().add_columns(a.c.id.label("token_id"), a.c.revoked_at,
                                   a.c.last_used_at)
         .join(a, a.c.user_id == t.app_user.c.id)
         .where(a.c.token_hash == sec.digest(token)))
    with engine.begin() as conn:
        row = conn.execute(q).first()
        if row is None or row.revoked_at is not None or not row.active:
            return None
        stamp = now()
        if row.last_used_at is None or _as_utc(row.last_used_at) < stamp - TOKEN_USE_PRECISION:
            conn.execute(a.update().where(a.c.id == row.token_id).values(last_used_at=stamp))
    return _viewer(row)


def list_api_tokens(engine: sa.Engine, actor: Viewer) -> list[dict[str, Any]]:
    a = t.api_token
    q = (sa.select(a.c.prefix, a.c.name, a.c.created_at, a.c.last_used_at, a.c.revoked_at)
         .where(a.c.user_id == actor.user_id).order_by(a.c.created_at.desc()))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def revoke_api_token(engine: sa.Engine, actor: Viewer, prefix: str) -> None:
    a = t.api_token
    with engine.begin() as conn:
        done = conn.execute(a.update().where(a.c.user_id == actor.user_id, a.c.prefix == prefix,
                                             a.c.revoked_at.is_(None)).values(revoked_at=now()))
        if not done.rowcount:
            raise NotFound("no such active token")
        audit(conn, actor.username, "revoke", "api_token", prefix)


def verify_own_password(engine: sa.Engine, viewer: Viewer, password: str) -> None:
    """Raise InvalidCredentials unless ``password`` is the viewer's current one."""
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.app_user.c.password_hash)
                              .where(t.app_user.c.id == viewer.user_id)).scalar()
    if stored is None or not sec.verify_password(stored, password):
        raise InvalidCredentials("the current password is wrong")
