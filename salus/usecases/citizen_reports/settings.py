"""Secrets and limits of citizen-report intake: the hashing key, gateway secrets, rate limits.

* Hashing key (keyed HMAC-SHA256 of phone numbers and client addresses):
  ``SALUS_REPORTS_HASH_KEY`` (or a file named by ``SALUS_REPORTS_HASH_KEY_FILE``), else a random
  key generated on first use and kept in the observatory settings (never in the audit log).
* Gateway secrets: ``SALUS_INTAKE_SECRET_<GATEWAY>`` (gateway name upper-cased, other characters
  as ``_``), else the observatory setting ``citizen_reports.gateways`` (``{name: secret}``),
  written by ``salus reports gateway NAME``.
* Rate limits: the observatory setting ``citizen_reports.limits``
  (``{"client": [burst, per_hour], "phone": [burst, per_hour], "lookup": …, "operator": …}``),
  else :data:`DEFAULT_LIMITS`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus import config
from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import ValidationFailed, require

HASH_KEY_SETTING = "citizen_reports.hash_key"
GATEWAYS_SETTING = "citizen_reports.gateways"
LIMITS_SETTING = "citizen_reports.limits"
DEFAULT_LIMITS: dict[str, tuple[float, float]] = {
    "client": (10, 20), "phone": (5, 10), "lookup": (10, 30), "operator": (200, 300)}
"""Per bucket kind: (burst capacity, tokens per hour). ``lookup``: status look-ups per client
address or phone number (against guessing references); ``operator``: reports a signed-in hotline
operator enters for callers, per staff account (issue 13)."""
_GATEWAY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@dataclass(frozen=True, slots=True)
class Limit:
    capacity: float
    per_hour: float

    @property
    def per_second(self) -> float:
        return self.per_hour / 3600.0


def _store_secret(conn: sa.Connection, key: str, value: Any, actor: str) -> None:
    """Write a secret-bearing setting; the audit entry says what changed, not the value."""
    setting = t.observatory_setting
    conn.execute(setting.delete().where(setting.c.key == key))
    conn.execute(setting.insert().values(key=key, value=value, updated_at=repository.now()))
    repository.audit(conn, actor, "setting", "observatory_setting", key, None,
                     {"value": "(secret, not logged)"})


_stored_keys: dict[str, bytes] = {}


def hash_key(engine: sa.Engine) -> bytes:
    """The keyed-hash key (created once, race-safe: the first stored key wins; a stored key
    never changes, so it is remembered per database)."""
    env = config.secret("SALUS_REPORTS_HASH_KEY")
    if env:
        return env.encode("utf-8")
    url = engine.url.render_as_string(hide_password=True)
    if url not in _stored_keys:
        _stored_keys[url] = _load_or_create_key(engine)
    return _stored_keys[url]


def _load_or_create_key(engine: sa.Engine) -> bytes:
    with engine.connect() as conn:
        stored = repository.get_setting(conn, HASH_KEY_SETTING)
    if stored:
        return str(stored).encode("utf-8")
    try:
        with engine.begin() as conn:
            conn.execute(t.observatory_setting.insert().values(
                key=HASH_KEY_SETTING, value=secrets.token_hex(32), updated_at=repository.now()))
    except sa.exc.IntegrityError:
        pass
    with engine.connect() as conn:
        return str(repository.get_setting(conn, HASH_KEY_SETTING)).encode("utf-8")


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 (RFC 2104) of ``value``: hex digest, never reversible without the key."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def limits(conn: sa.Connection) -> dict[str, Limit]:
    stored = repository.get_setting(conn, LIMITS_SETTING) or {}
    out = {}
    for kind, (capacity, per_hour) in DEFAULT_LIMITS.items():
        value = stored.get(kind, (capacity, per_hour)) if isinstance(stored, dict) else None
        capacity, per_hour = value if value else (capacity, per_hour)
        out[kind] = Limit(float(capacity), float(per_hour))
    return out


def set_limits(engine: sa.Engine, viewer: Viewer, kind: str, burst: float,
               per_hour: float) -> None:
    """Change one rate limit (administrators)."""
    require(viewer.can(Permission.MANAGE_USERS), "only administrators change intake limits")
    if kind not in DEFAULT_LIMITS or burst < 1 or per_hour < 0:
        raise ValidationFailed([{"field": "kind", "code": "value.invalid",
                                 "message": f"kind is one of {sorted(DEFAULT_LIMITS)}, burst "
                                            "at least 1, per hour at least 0"}])
    with engine.begin() as conn:
        current = repository.get_setting(conn, LIMITS_SETTING) or {}
        repository.set_setting(conn, LIMITS_SETTING, {**current, kind: [burst, per_hour]},
                               viewer.username)


def gateway_secret(engine: sa.Engine, gateway: str) -> str | None:
    """The shared secret of ``gateway`` (environment first, then the observatory settings)."""
    if not _GATEWAY_NAME.match(gateway):
        return None
    env = config.secret("SALUS_INTAKE_SECRET_" + re.sub(r"[^A-Z0-9]", "_", gateway.upper()))
    if env:
        return env
    with engine.connect() as conn:
        stored = repository.get_setting(conn, GATEWAYS_SETTING) or {}
    value = stored.get(gateway) if isinstance(stored, dict) else None
    return str(value) if value else None


def add_gateway(engine: sa.Engine, viewer: Viewer, gateway: str,
                secret: str | None = None) -> str:
    """Register (or re-key) an SMS gateway; returns its shared secret (shown once)."""
    require(viewer.can(Permission.MANAGE_USERS), "only administrators register gateways")
    if not _GATEWAY_NAME.match(gateway):
        raise ValidationFailed([{"field": "gateway", "code": "value.invalid",
                                 "message": "1-40 letters, digits, '.', '_' or '-'"}])
    secret = secret or secrets.token_urlsafe(32)
    with engine.begin() as conn:
        stored = dict(repository.get_setting(conn, GATEWAYS_SETTING) or {})
        stored[gateway] = secret
        _store_secret(conn, GATEWAYS_SETTING, stored, viewer.username)
    return secret


def signature(secret: str, body: bytes) -> str:
    """The ``X-Salus-Signature`` header value a gateway sends: ``sha256=`` + hex HMAC of the
    exact request body (as GitHub's and Twilio's webhooks sign theirs)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(secret, body), header.strip())
