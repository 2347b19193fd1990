"""The web UI. ``build_app(service)`` builds it; ``app.py`` launches it."""

from coach.ui.app import build_app, launch_kwargs

__all__ = ["build_app", "launch_kwargs"]
