"""Finding column-mapping profiles: shipped ones by name, or any TOML file by path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from casereview.domain.registers import Profile, RegisterError, parse_profile


def shipped_profiles() -> list[str]:
    folder = resources.files("casereview") / "profiles"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_profile(name_or_path: str | None) -> Profile:
    name = name_or_path or "default"
    if name.endswith(".toml") or "/" in name:
        path = Path(name)
        if not path.is_file():
            raise RegisterError(f"No profile file at {path}")
        return parse_profile(path.read_text(encoding="utf-8"), name=path.stem)
    if name not in shipped_profiles():
        raise RegisterError(
            f"No profile called {name!r}; shipped profiles: {', '.join(shipped_profiles())}"
        )
    text = (resources.files("casereview") / "profiles" / f"{name}.toml").read_text(encoding="utf-8")
    return parse_profile(text, name=name)
