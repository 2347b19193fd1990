"""The sign-in cookie: a random token and its HMAC. The database keeps the token's
SHA-256 (``coach.store.SignIns``); the signature lets a forged or mangled cookie be
refused before any database look-up."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE_NAME = "coach_sign_in"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _signature(secret: str, token: str) -> str:
    return hmac.new(secret.encode("utf-8"), token.encode("ascii"), hashlib.sha256).hexdigest()


def sign(secret: str, token: str) -> str:
    return f"{token}.{_signature(secret, token)}"


def unsign(secret: str, value: str | None) -> str | None:
    """The token inside a cookie value when its signature is right, else None."""
    if not value or value.count(".") != 1 or len(value) > 200:
        return None
    token, signature = value.split(".")
    if not token.isascii() or not hmac.compare_digest(signature, _signature(secret, token)):
        return None
    return token
