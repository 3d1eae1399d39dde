"""Themes are TOML files turned into Textual themes.

Shipped themes live in the package (``ccsess/themes`` in the wheel) or, in a source checkout, in the repository's
``themes/`` folder; users add their own in ``<config dir>/themes``. A file that cannot be read is reported and
skipped, never fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

import ccsess

DEFAULT_THEME = "ccsess-dark"
COLOR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
              "success", "warning", "error", "boost")
THEME_VARIABLE_DEFAULTS = {
    "ccsess-user": "#5fa8d3",
    "ccsess-assistant": "#c792ea",
    "ccsess-tool": "#8b9dc3",
}


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def shipped_theme_dirs() -> list[Path]:
    """The package's themes folder, then the source checkout's ``themes/`` folder."""
    package_dir = Path(ccsess.__file__).resolve().parent
    candidates = [package_dir / "themes", package_dir.parent.parent / "themes"]
    return [path for path in candidates if path.is_dir()]


def theme_from_toml(path: Path) -> Theme:
    """Read one theme file; raises ValueError with a readable reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read it ({error.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"invalid TOML ({error})") from None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("it has no `name`")
    if not isinstance(data.get("primary"), str):
        raise ValueError("it has no `primary` colour")
    colors: dict[str, str] = {}
    for key in COLOR_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"`{key}` must be a colour string")
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"`{key}` is not a colour: {value!r}") from None
        colors[key] = value
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("`dark` must be true or false")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError("`variables` must be a table of strings")
    return Theme(name=name.strip(), dark=dark, variables=dict(variables), **colors)


def load_themes(dirs: list[Path]) -> LoadedThemes:
    """Every ``*.toml`` theme in ``dirs``; later folders override earlier ones with the same theme name."""
    result = LoadedThemes()
    by_name: dict[str, Theme] = {}
    for folder in dirs:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError:
            continue
        for path in files:
            try:
                theme = theme_from_toml(path)
            except ValueError as error:
                result.problems.append(f"Theme file {path.name} skipped: {error}")
                continue
            by_name[theme.name] = theme
    result.themes = list(by_name.values())
    return result
