"""The software a report is made with, for its reproducibility block: casereview's commit and the versions of
Python, Django, scipy, statsmodels and polars.

The commit is the first found of: the environment variable ``CASEREVIEW_COMMIT`` (a deployment that installs
casereview without its git checkout sets it when it installs); ``git rev-parse HEAD`` when the package runs
from a checkout (``src/casereview`` of a git work tree, as ``make setup`` installs it); else ``unknown``.  No
file is written for it: a file would go stale the moment the checkout moved on.  Read once per process: the
code a process runs is the code it loaded, even if the checkout moves on while it runs.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess  # noqa: S404 - git, by its full argument list, never a shell
from importlib import metadata
from pathlib import Path

import casereview

#: The libraries the figures rest on, by their distribution names.
LIBRARIES = ("django", "scipy", "statsmodels", "polars")
COMMIT_VARIABLE = "CASEREVIEW_COMMIT"
PACKAGE = Path(casereview.__file__).resolve().parent
UNKNOWN = "unknown"
_HASH = re.compile(r"[0-9a-f]{7,64}")


def _checkout_commit() -> str | None:
    """HEAD of the checkout the package runs from (``src/casereview`` of a work tree), or None."""
    root = PACKAGE.parent.parent
    if PACKAGE.parent.name != "src" or not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(root), "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip()
    return found if done.returncode == 0 and _HASH.fullmatch(found) else None


def commit() -> str:
    """casereview's commit: ``CASEREVIEW_COMMIT``, else the checkout's HEAD, else ``unknown``."""
    return os.environ.get(COMMIT_VARIABLE, "").strip() or _checkout_commit() or UNKNOWN


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return UNKNOWN


@functools.cache
def environment() -> dict[str, str]:
    """``{"commit": …, "python": …, "django": …, "scipy": …, "statsmodels": …, "polars": …}`` of this process."""
    return {
        "commit": commit(),
        "python": platform.python_version(),
        **{name: _version(name) for name in LIBRARIES},
    }
