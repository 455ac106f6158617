"""When a sign-in is refused before its password is even checked: the rule, without storage.

Only failed sign-ins count, in fixed windows, three ways: from one client address (any
accounts: password spraying), on one account from one address (guessing one password), and on
one account from every address (guessing it from many). Decisions a maintainer needs:

- A refused address is refused with the right password too, until its window ends: otherwise
  the answer to a correct guess would still tell the attacker it was right.
- Nobody else can lock an account: its own count is kept per address, so another address (the
  user's) still signs in. Once an account has had ``account_alarm`` failures from everywhere,
  each address gets one failure on it per window: a botnet gets one guess per address, the user
  who types the password right the first time still gets in.
- The client address is the peer, or what a trusted proxy says it is (HOTLINE_TRUSTED_PROXIES,
  applied by uvicorn, see hotline/cli.py); usernames are hashed into the keys.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LoginLimits:
    window: int             # seconds
    per_client: int         # failures from one address, any accounts
    per_account: int        # failures on one account from one address
    account_alarm: int      # failures on one account from every address


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins in the current window."""
    client: int             # from this address
    account_here: int       # on this account from this address
    account: int            # on this account from every address


def refusal(limits: LoginLimits, seen: Failures) -> str | None:
    """Why this address may not try this account now, or None when it may."""
    if seen.client >= limits.per_client:
        return "too many failed sign-ins from this address"
    if seen.account_here >= limits.per_account:
        return "too many failed sign-ins to this account from this address"
    if seen.account >= limits.account_alarm and seen.account_here > 0:
        return "this account is under attack: one failed sign-in per address"
    return None


def keys(*, username: str, client: str, window_no: int,
         scope: str = "login") -> tuple[str, str, str]:
    """The counters' keys, in the order of ``Failures``' fields; ``scope`` keeps other guesses
    than sign-ins (e.g. order numbers on the public status page) on counters of their own."""
    account = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    prefix = f"hotline:{scope}:{window_no}"
    return (f"{prefix}:client:{client}", f"{prefix}:account:{account}:{client}",
            f"{prefix}:account:{account}")
