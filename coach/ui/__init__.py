"""The web UI. ``build_app(service)`` builds the practice room; ``coach.ui.web`` serves it
behind the sign-in; ``app.py`` launches it."""

from coach.ui.app import build_app

__all__ = ["build_app"]
