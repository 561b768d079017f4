"""The accounts pages' refusals in the page's language, with zxcvbn's feedback translated.

Use cases give English messages (the API and the CLI show them as they are) and a code; the
pages translate by code, and a weak password's warning and suggestions — zxcvbn's own fixed
texts — through the catalogs (``accounts.po``), which hold every one of them (listed below so
that the extraction check keeps them translated).
"""

from __future__ import annotations

from typing import Any

from salus import i18n
from salus.domain.accounts.secrets import MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE
from salus.i18n import N_
from salus.usecases.errors import UseCaseError, ValidationFailed

PASSWORD_WEAK = N_("Too easy to guess (strength %(score)s of 4, at least %(needed)s needed): "
                   "use a longer password of several uncommon words.")
PASSWORD_SHORT = N_("Too short: at least %(n)s characters.")
ZXCVBN_FEEDBACK = (
    N_("Add another word or two. Uncommon words are better."),
    N_("Capitalization doesn't help very much."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("This is a top-10 common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Dates are often easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Avoid dates and years that are associated with you."),
)


def _line(error: dict[str, Any]) -> str:
    code = error.get("code")
    if code == "password.weak":
        feedback = [error.get("warning") or "", *(error.get("suggestions") or [])]
        text = i18n.gettext(PASSWORD_WEAK) % {"score": error.get("score", 0),
                                              "needed": MIN_PASSWORD_SCORE}
        return " ".join([text, *(i18n.gettext(f) for f in feedback if f)])
    if code == "password.short":
        return i18n.gettext(PASSWORD_SHORT) % {"n": MIN_PASSWORD_LENGTH}
    return f"{error.get('field')}: {error.get('message')}"


def error_lines(error: UseCaseError | None) -> list[str]:
    """One line per refused field (translated where the code is known), else the detail."""
    if error is None:
        return []
    if isinstance(error, ValidationFailed):
        return [_line(e) for e in error.errors]
    return [error.detail]
