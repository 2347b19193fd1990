"""Outcomes Coach: a practice room for outcomes-focused conversations in social care."""

from coach import offline as _offline

# Before anything in the package can import onnxruntime, chromadb or gradio.
_offline.apply()

__version__ = "0.1.0"
