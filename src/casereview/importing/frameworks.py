"""Finding framework files: shipped ones by reference (``child-protection/1``), or any TOML file by path."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from casereview.domain.framework import Framework, FrameworkError, parse_framework


@cache
def _shipped() -> dict[str, Framework]:
    """Shipped frameworks are part of the installed software: parsed once per process."""
    folder = resources.files("casereview") / "frameworks"
    found: dict[str, Framework] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            framework = parse_framework(item.read_text(encoding="utf-8"), name=item.name)
            found[framework.ref] = framework
    return found


def shipped_frameworks() -> list[str]:
    return sorted(_shipped())


def load_framework(ref: str) -> Framework:
    """A shipped framework by ``id/version``."""
    frameworks = _shipped()
    if ref not in frameworks:
        raise FrameworkError(
            f"No framework {ref!r}; shipped frameworks: {', '.join(sorted(frameworks))}"
        )
    return frameworks[ref]


def validate_framework_file(path: Path) -> Framework:
    return parse_framework(path.read_text(encoding="utf-8"), name=path.name)
