"""Throttling guesses (NCSC password guidance, ASVS 5.0 V6.3): the keys and the limit. Pure.

Each sign-in attempt counts once against the account named and once against the source
address, and both are checked before the password is. The account key is a digest of the
normalised email, so the limiter's storage (Redis) holds no addresses of people, and an email
with no account is throttled exactly as one with an account: the answer never says which.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math

GUESSES = 10
WINDOW_SECONDS = 5 * 60
LIMIT = f"{GUESSES} per {WINDOW_SECONDS // 60} minutes"

#: What is throttled: password guesses, second-factor codes, reset requests.
PASSWORD, SECOND_FACTOR, RESET = "password", "code", "reset"


def account_key(purpose: str, email: str) -> str:
    """The limiter key for guesses at the account ``email`` (an account or not)."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    return f"{purpose}:account:{digest}"


def address_key(purpose: str, address: str | None) -> str:
    """The limiter key for guesses from ``address``. An IPv6 client usually controls a whole
    /64, so that is the unit; an address that cannot be parsed shares one bucket."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return f"{purpose}:address:unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        net = ipaddress.IPv6Network((int(ip) >> 64 << 64, 64))
        return f"{purpose}:address:{net.network_address}/64"
    plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    return f"{purpose}:address:{plain}"


def minutes_to_wait(reset_at: float, now: float) -> int:
    """Whole minutes until the oldest counted attempt leaves the window (at least 1)."""
    return max(1, math.ceil((reset_at - now) / 60))
