"""Signing in: database-backed sessions behind a signed cookie, throttled and logged
password checks kept off the path of other people's turns."""

from __future__ import annotations

from coach.auth._cookie import COOKIE_NAME
from coach.auth._desk import Busy, SignInDesk, SignInResult
from coach.auth._throttle import Policy

__all__ = ["COOKIE_NAME", "Busy", "Policy", "SignInDesk", "SignInResult"]
