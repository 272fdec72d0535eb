"""The signed tokens in alert e-mails' links: no password, and nothing a stranger can forge.

Each kind has its own salt, so a manage link cannot be used as a confirm link. Confirm and
unsubscribe tokens name one subscription and carry its nonce (a new nonce voids them); a
manage token names the address, whose subscriptions the page lists.
"""

from dataclasses import dataclass

from django.core import signing

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
_SALT = "pressroom.alerts."
MAX_TOKEN_CHARACTERS = 600  # a real token is under 200; anything longer is refused unread


@dataclass(frozen=True)
class SubscriptionToken:
    subscription_id: int
    nonce: str


def subscription_token(kind: str, subscription) -> str:
    return signing.dumps([subscription.pk, subscription.nonce], salt=_SALT + kind, compress=False)


def manage_token(email: str) -> str:
    return signing.dumps(email, salt=_SALT + MANAGE)


def read_subscription_token(kind: str, token: str, *, max_age_seconds: int | None = None):
    """The SubscriptionToken a token stands for, or None when it is not one of ours (or too old)."""
    value = _loads(kind, token, max_age_seconds)
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    ):
        return SubscriptionToken(value[0], value[1])
    return None


@dataclass(frozen=True)
class DigestToken:
    email: str
    frequencies: tuple[str, ...]


def digest_token(email: str, frequencies) -> str:
    """A digest's one-click unsubscribe: the address's subscriptions of the digest's frequencies
    (daily, or daily and weekly), not its immediate alerts, which the digest never listed."""
    return signing.dumps([email, sorted(frequencies)], salt=_SALT + UNSUBSCRIBE)


def read_digest_token(token: str) -> DigestToken | None:
    value = _loads(UNSUBSCRIBE, token, None)
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], list)
        and all(isinstance(frequency, str) for frequency in value[1])
    ):
        return DigestToken(value[0], tuple(value[1]))
    return None


def read_manage_token(token: str) -> str | None:
    """The address a manage token stands for, or None."""
    value = _loads(MANAGE, token, None)
    return value if isinstance(value, str) else None


def _loads(kind: str, token, max_age_seconds):
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARACTERS:
        return None
    try:
        return signing.loads(token, salt=_SALT + kind, max_age=max_age_seconds)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
