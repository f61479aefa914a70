"""The `casereview` command: one command per job, each calling services and selectors.

``main()`` (the ``casereview`` script and ``python -m casereview.cli``) configures Django once, then builds
the command tree in ``casereview.cli.commands``, whose modules import services and selectors at their top.
``from casereview.cli import app`` gives that tree where Django is already configured (the tests).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import django

if TYPE_CHECKING:
    from .commands import app as app


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casereview.web.settings.dev")
    django.setup()
    # Deferred: the command modules import services, which import models; those need django.setup() first.
    from .commands import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from .commands import app  # deferred for the same reason: only once Django is configured

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
