"""The package works when installed, not only from a source checkout: the knowledge
(sources, personas, exemplars, rubric) travels as package data, and the data directory is
``./data`` under the working directory rather than anywhere near the package.

The project is installed non-editably into a fresh virtual environment from a copy of the
checkout, and the commands run from an unrelated directory. To stay offline and quick, the
new environment borrows the project's own ``.venv`` for the dependencies (a ``.pth`` line,
which does not process the editable-install hook there) and pip builds with
``--no-deps --no-build-isolation``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _installed(tmp_path: Path) -> tuple[Path, Path]:
    """(bin directory, site-packages) of a fresh venv holding a non-editable install."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, checkout / name)
    shutil.copytree(PROJECT_ROOT / "coach", checkout / "coach",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip())
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", str(checkout)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin", site


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COACH_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(home)
    return env


def test_installed_package_searches_and_roleplays_from_any_directory(tmp_path: Path) -> None:
    bin_dir, site = _installed(tmp_path)
    packaged = site / "coach" / "knowledge"
    # The knowledge really is package data in the install, not found through the checkout.
    assert (packaged / "rubric.yaml").is_file()
    assert len(list((packaged / "sources").glob("*.md"))) >= 10
    assert (packaged / "personas" / "debs.yaml").is_file()
    assert list((packaged / "exemplars").glob("*.yaml"))

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = _clean_env(tmp_path / "home")
    where = subprocess.run([str(bin_dir / "python"), "-c", "import coach; print(coach.__file__)"],
                           cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr

    search = subprocess.run([str(bin_dir / "coach"), "search", "open ended questions", "-k", "2"],
                            cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert search.returncode == 0, search.stderr[-3000:]
    assert "OARS" in search.stdout
    assert (cwd / "data" / "chroma").is_dir(), "the data directory is ./data under the cwd"
    assert not (site / "data").exists() and not (site / "coach" / "data").exists()

    script = cwd / "lines.txt"
    script.write_text("Hi Debs, I'm from social services. Is it okay if I come in?\n"
                      "It sounds like Saturday was really frightening for you.\n", encoding="utf-8")
    roleplay = subprocess.run(
        [str(bin_dir / "coach"), "roleplay", "--persona", "debs", "--script", str(script), "--json"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )
    assert roleplay.returncode == 0, roleplay.stderr[-3000:]
    session = json.loads(roleplay.stdout)
    assert session["persona"] == "debs" and len(session["turns"]) == 2
    assert all(turn["reply"] and turn["code"] for turn in session["turns"])
