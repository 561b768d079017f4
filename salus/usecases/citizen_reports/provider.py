"""The SMS/messaging provider adapter: what the outbox hands a message to (issue 13).

A provider is anything with ``send(payload) -> provider message id`` that raises
:class:`DeliveryError` when the message was not accepted. :class:`HttpProvider` POSTs the
payload as JSON to ``SALUS_SMS_PROVIDER_URL`` with ``Authorization: Bearer
<SALUS_SMS_PROVIDER_TOKEN>``; a 2xx answer is accepted (its JSON ``id``, when given, is kept as
the provider's message id), anything else — another status, a refused connection, a timeout —
is a failure the outbox retries. The payload (documented in ``docs/citizen-reports.md``)::

    {"id": "report:12:verified", "to": "+2348000000001", "channel": "sms", "language": "fr",
     "text": "Votre signalement R-7K3M9QX2 a été vérifié et confirmé. Merci.",
     "kind": "report_update"}

``id`` is the message's idempotency key: a provider that sees an ``id`` twice (the worker died
between the provider's answer and recording it) should send it once.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Protocol

from salus.config import SmsSettings, secret


class DeliveryError(Exception):
    """The provider did not accept the message (the outbox retries it)."""


@dataclass(frozen=True, slots=True)
class Payload:
    id: str
    to: str
    channel: str
    language: str
    text: str
    kind: str


class Provider(Protocol):
    def send(self, payload: Payload) -> str | None:
        """Hand ``payload`` over; the provider's message id (None if it gives none)."""


@dataclass(frozen=True, slots=True)
class HttpProvider:
    """JSON POST to ``url`` (RapidPro/TextIt flows, Twilio functions, a small relay…)."""

    url: str
    token: str | None = None
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: SmsSettings) -> HttpProvider | None:
        """The configured provider, or None when ``SALUS_SMS_PROVIDER_URL`` is unset."""
        if not settings.provider_url:
            return None
        token = settings.provider_token or secret("SALUS_SMS_PROVIDER_TOKEN")
        return cls(settings.provider_url, token, settings.timeout_s)

    def send(self, payload: Payload) -> str | None:
        headers = {"Content-Type": "application/json", "Idempotency-Key": payload.id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(asdict(payload), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"provider answered HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
        return _provider_id(body)


def _provider_id(body: bytes) -> str | None:
    try:
        value = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        return None
    found = value.get("id") if isinstance(value, dict) else None
    return str(found)[:200] if found is not None else None
