"""Password hashing (argon2id), password strength (zxcvbn) and random tokens stored only as
SHA-256 digests."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user inputs of a call in a module global
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3
"""zxcvbn's score 3: "safely unguessable", about 10^8 guesses or more (Wheeler 2016)."""
CHECKED_LENGTH = 72
"""zxcvbn looks at the first 72 characters (its own limit; a longer password is only stronger)."""
SITE_WORDS = ("salus", "observatory", "observatorio", "observatoire", "security", "password")
"""Words every observatory's users might build a password on, given to zxcvbn as user inputs."""


@dataclass(frozen=True, slots=True)
class PasswordStrength:
    """zxcvbn's verdict: ``score`` 0 (too guessable) to 4, its warning and suggestions (English,
    zxcvbn's own texts)."""

    score: int
    warning: str
    suggestions: tuple[str, ...]

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_PASSWORD_SCORE

    def feedback(self) -> str:
        """The warning and suggestions as one sentence list ("" when zxcvbn has none)."""
        return " ".join(filter(None, (self.warning, *self.suggestions)))


def password_strength(password: str, user_inputs: Iterable[str | None] = ()) -> PasswordStrength:
    """How guessable ``password`` is, by zxcvbn (D. L. Wheeler, "zxcvbn: Low-Budget Password
    Strength Estimation", USENIX Security 2016): dictionaries of common passwords, names and
    words, keyboard patterns, dates, sequences and l33t substitutions, plus ``user_inputs`` —
    the user's name and other fields and the observatory's own words (:data:`SITE_WORDS`,
    area names), each also split at dots, dashes, underscores and spaces and joined again
    without them. Offline."""
    words: set[str] = set(SITE_WORDS)
    for value in user_inputs:
        if value:
            parts = [w for w in re.split(r"[\s._@-]+", value.lower()) if len(w) > 2]
            words.update([value.lower(), "".join(parts), *parts])
    with _zxcvbn_lock:
        result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=sorted(words))
    feedback = result.get("feedback") or {}
    return PasswordStrength(int(result["score"]), str(feedback.get("warning") or ""),
                            tuple(str(s) for s in feedback.get("suggestions") or ()))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_token(prefix: str = "") -> str:
    """A URL-safe random token (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A random password for demo accounts and resets: 4 groups of 4 letters/digits (about 79
    bits), drawn again in the rare case zxcvbn would not accept it."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        password = "-".join("".join(secrets.choice(alphabet) for _ in range(4))
                            for _ in range(4))
        if password_strength(password).acceptable:
            return password
