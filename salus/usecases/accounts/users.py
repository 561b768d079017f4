"""Accounts: users, password login with rate limiting, sessions, API tokens, password reset.

Each function takes an engine and runs its own transaction; every write lands in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts import secrets as sec
from salus.domain.accounts.roles import Permission, UserRole, Viewer
from salus.storage import schema as t
from salus.storage.repository import audit, now
from salus.usecases.errors import Conflict, NotFound, ValidationFailed, require

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
"""A plausible e-mail address (one @, a dot in the domain, no spaces)."""

SESSION_TTL = dt.timedelta(hours=12)
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT_AND_USER = 5
"""Failures of one account from one client address (the guessing limit an attacker meets)."""
MAX_FAILURES_PER_CLIENT = 20
"""Failures from one client address across accounts (password spraying)."""
MAX_FAILURES_PER_USER = 100
"""Failures of one account from every client together: a ceiling against guessing from many
addresses, set high so that it takes a botnet, not a neighbour, to lock the owner out."""
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str | None
    role: str
    area_code: str | None
    language: str | None
    active: bool
    created_at: dt.datetime
    email: str | None = None
    """Where alert notifications for the user go (:mod:`salus.usecases.alerts.notify`)."""


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    csrf_token: str
    viewer: Viewer


def _user_query() -> sa.Select[Any]:
    u = t.app_user
    return (sa.select(u, t.area.c.code.label("area_code"))
            .select_from(u.outerjoin(t.area, t.area.c.id == u.c.area_id)))


def _viewer(row: Any) -> Viewer:
    return Viewer.for_role(row.username, row.role, user_id=row.id, area_id=row.area_id,
                           area_code=row.area_code, language=row.language)


def _info(row: Any) -> UserInfo:
    return UserInfo(row.id, row.username, row.display_name, row.role, row.area_code,
                    row.language, bool(row.active), row.created_at, row.email)


def _area_id(conn: sa.Connection, code: str | None) -> int | None:
    if not code:
        return None
    found = conn.execute(sa.select(t.area.c.id).where(t.area.c.code == code)).scalar()
    if found is None:
        raise ValidationFailed([{"field": "area", "code": "area.unknown",
                                 "message": f"no area has the code {code}"}])
    return int(found)


def _strength_errors(password: str, user_inputs: list[str | None]) -> list[dict[str, Any]]:
    """A ``password.weak`` error when zxcvbn scores the password below 3 (score and feedback
    included: the web translates them, the API and the CLI show the English message)."""
    strength = sec.password_strength(password, user_inputs)
    if strength.acceptable:
        return []
    feedback = strength.feedback()
    return [{"field": "password", "code": "password.weak",
             "message": (f"too easy to guess (strength {strength.score} of 4, at least "
                         f"{sec.MIN_PASSWORD_SCORE} needed): use a longer password of "
                         f"several uncommon words" + (f". {feedback}" if feedback else "")),
             "score": strength.score, "warning": strength.warning,
             "suggestions": list(strength.suggestions)}]


def _site_words(engine: sa.Engine) -> list[str]:
    """The observatory's own words for the strength check: the names and codes of the country
    and its first-level areas."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.area.c.code, t.area.c.name)
                            .where(t.area.c.level <= 1).limit(200)).all()
    return [w for row in rows for w in row]


def _check_fields(username: str, password: str | None, role: str, language: str | None,
                  user_inputs: list[str | None] | None = None) -> None:
    errors: list[dict[str, Any]] = []
    user_inputs = user_inputs or []
    if not username or len(username) > 100 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        errors.append({"field": "username", "code": "value.invalid",
                       "message": "letters, digits, dot, dash and underscore only"})
    if password is not None and len(password) < sec.MIN_PASSWORD_LENGTH:
        errors.append({"field": "password", "code": "password.short",
                       "message": f"at least {sec.MIN_PASSWORD_LENGTH} characters"})
    elif password is not None:
        errors += _strength_errors(password, [username, *user_inputs])
    if role not in set(UserRole):
        errors.append({"field": "role", "code": "code.unknown", "message": "unknown role"})
    if language and language not in LANGUAGES:
        errors.append({"field": "language", "code": "code.unknown",
                       "message": "unknown language"})
    if errors:
        raise ValidationFailed(errors)


def _clean_email(email: str | None) -> str | None:
    """``email`` without surrounding spaces (``""`` stays ``""``: it clears the address), or a
    ``value.invalid`` error on the ``email`` field naming the value: one ``@``, a dot in the
    domain, no spaces (:data:`EMAIL`), 200 characters at most (the column's width). Addresses
    need not be unique (``app_user.email`` has no unique constraint: a shared duty inbox may
    serve several accounts)."""
    if email is None:
        return None
    email = email.strip()
    if email and (len(email) > 200 or not EMAIL.match(email)):
        raise ValidationFailed([{"field": "email", "code": "value.invalid",
                                 "message": f"{email!r} is not an e-mail address"}])
    return email


def create_user(engine: sa.Engine, actor: Viewer, username: str, password: str, role: str,
                *, area_code: str | None = None, display_name: str | None = None,
                language: str | None = None, email: str | None = None) -> UserInfo:
    """Add a user (admins only); the password is stored as an argon2id hash. ``email``: where
    alert notifications for this user go (:mod:`salus.usecases.alerts.notify`)."""
    require(actor.can(Permission.MANAGE_USERS), "only administrators manage users")
    _check_fields(username, password, role, language,
                  [display_name, area_code, *_site_words(engine)])
    email = _clean_email(email)
    with engine.begin() as conn:
        taken = conn.execute(sa.select(t.app_user.c.id)
                             .where(t.app_user.c.username == username)).first()
        if taken:
            raise Conflict(f"the user {username} exists already")
        stamp = now()
        values = {"username": username, "display_name": display_name, "role": role,
                  "password_hash": sec.hash_password(password), "language": language or None,
                  "area_id": _area_id(conn, area_code), "active": True,
                  "created_at": stamp, "password_changed_at": stamp, "email": email or None}
        key = conn.execute(t.app_user.insert().values(**values)).inserted_primary_key
        uid = key[0] if key else None
        audit(conn, actor.username, "create", "user", username, None,
              {"role": role, "area": area_code, "language": language, "email": email or None})
        row = conn.execute(_user_query().where(t.app_user.c.id == uid)).one()
    return _info(row)


def update_user(engine: sa.Engine, actor: Viewer, username: str, *, role: str | None = None,
                area_code: str | None = None, active: bool | None = None,
                language: str | None = None, email: str | None = None) -> UserInfo:
    """Change a user's role, area scope (``""`` clears it), activity, language or e-mail
    address (``""`` clears it)."""
    require(actor.can(Permission.MANAGE_USERS), "only administrators manage users")
    email = _clean_email(email)
    with engine.begin() as conn:
        old = _get_row(conn, username)
        _check_fields(username, None, role or old.role, language)
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role
        if area_code is not None:
            values["area_id"] = _area_id(conn, area_code)
        if active is not None:
            values["active"] = active
        if language is not None:
            values["language"] = language or None
        if email is not None:
            values["email"] = email or None
        conn.execute(t.app_user.update().where(t.app_user.c.id == old.id).values(**values))
        if active is False or role is not None:
            conn.execute(t.user_session.delete().where(t.user_session.c.user_id == old.id))
        new = _get_row(conn, username)
        audit(conn, actor.username, "update", "user", username, _public_fields(old),
              _public_fields(new))
    return _info(new)


def _public_fields(row: Any) -> dict[str, Any]:
    return {"role": row.role, "area": row.area_code, "active": bool(row.active),
            "language": row.language, "email": row.email}


def _get_row(conn: sa.Connection, username: str) -> Any:
    row = conn.execute(_user_query().where(t.app_user.c.username == username)).first()
    if row is None:
        raise NotFound(f"no user {username}")
    return row


def reset_password(engine: sa.Engine, actor: Viewer, username: str,
                   password: str | None = None) -> str:
    """Set a new password (admins, or a user for themselves); ends the user's sessions and
    revokes their API tokens, so that nothing issued under the old password outlives it
    (OWASP ASVS 3.3.3: sessions and tokens end when credentials change).

    Returns the new password (generated when none is given).
    """
    require(actor.can(Permission.MANAGE_USERS) or actor.username == username,
            "only administrators reset other users' passwords")
    password = password or sec.new_password()
    with engine.connect() as conn:
        known = _get_row(conn, username)
    _check_fields(username, password, UserRole.PUBLIC, None,
                  [known.display_name, known.area_code, *_site_words(engine)])
    with engine.begin() as conn:
        row = _get_row(conn, username)
        conn.execute(t.app_user.update().where(t.app_user.c.id == row.id).values(
            password_hash=sec.hash_password(password), password_changed_at=now()))
        conn.execute(t.user_session.delete().where(t.user_session.c.user_id == row.id))
        revoked = conn.execute(t.api_token.update().where(
            t.api_token.c.user_id == row.id, t.api_token.c.revoked_at.is_(None)
        ).values(revoked_at=now())).rowcount
        audit(conn, actor.username, "reset_password", "user", username, None,
              {"tokens_revoked": revoked})
    return password


def list_users(engine: sa.Engine, actor: Viewer) -> list[UserInfo]:
    require(actor.can(Permission.MANAGE_USERS), "only administrators manage users")
    with engine.connect() as conn:
        rows = conn.execute(_user_query().order_by(t.app_user.c.username)).all()
    return [_info(r) for r in rows]


def get_user(engine: sa.Engine, actor: Viewer, username: str) -> UserInfo:
    require(actor.can(Permission.MANAGE_USERS) or actor.username == username)
    with engine.connect() as conn:
        return _info(_get_row(conn, username))


DEMO_ACCOUNTS: tuple[tuple[str, UserRole], ...] = (
    ("admin", UserRole.ADMIN),
    ("analyst", UserRole.ANALYST),
    ("data-entry", UserRole.DATA_ENTRY),
    ("monitor", UserRole.COMMUNITY_MONITOR),
    ("registry", UserRole.REGISTRY_OFFICER),
)


def ensure_demo_accounts(engine: sa.Engine) -> list[tuple[str, str, str]]:
    """Create (or reset the passwords of) the demo accounts; returns (username, password, role).

    The community monitor is bound to the first admin-level-1 area, to show area scope.
    Passwords are random on every call and printed by ``salus demo``, never stored in clear.
    """
    from salus.domain.accounts.roles import SYSTEM_VIEWER

    with engine.connect() as conn:
        region = conn.execute(sa.select(t.area.c.code).where(t.area.c.level == 1)
                              .order_by(t.area.c.code).limit(1)).scalar()
        existing = set(conn.execute(sa.select(t.app_user.c.username)).scalars())
    out = []
    for username, role in DEMO_ACCOUNTS:
        area = region if role is UserRole.COMMUNITY_MONITOR else None
        password = sec.new_password()
        if username in existing:
            reset_password(engine, SYSTEM_VIEWER, username, password)
        else:
            create_user(engine, SYSTEM_VIEWER, username, password, role, area_code=area)
        out.append((username, password, role.value))
    return out


def set_own_language(engine: sa.Engine, viewer: Viewer, language: str) -> None:
    """A signed-in user's interface language (kept on the account)."""
    if language not in LANGUAGES or viewer.user_id is None:
        return
    with engine.begin() as conn:
        conn.execute(t.app_user.update().where(t.app_user.c.id == viewer.user_id)
                     .values(language=language))
