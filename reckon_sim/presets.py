"""The presets shipped with reckon-sim: the top-level models/ folder, installed as the package reckon_sim.models
(setup.py maps it), read through importlib.resources so a wheel, a regular and an editable install all work."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import InputError


def shipped_dir() -> Path:
    """The folder of the shipped *.toml presets: a source checkout's own models/ first (so a checkout on
    sys.path reads its presets, not those of another installed copy), else the installed package's."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "setup.cfg").is_file() and (checkout / "models" / "__init__.py").is_file():
        return checkout / "models"
    try:
        return Path(resources.files("reckon_sim.models"))
    except ModuleNotFoundError:        # a source checkout on sys.path, not installed: models/ beside the package
        return Path(__file__).resolve().parent.parent / "models"


def names() -> list[str]:
    """The names of the shipped presets (chip and task presets alike)."""
    return sorted(p.stem for p in shipped_dir().glob("*.toml"))


def find(name: str, kind: str = "preset") -> Path:
    """NAME as a path if such a file exists, else the shipped preset NAME(.toml); an InputError listing the
    shipped names if neither exists (`kind` names what was asked for in that message)."""
    if Path(name).is_file():
        return Path(name)
    if Path(name).exists():
        raise InputError(name, f"cannot read: {'a folder' if Path(name).is_dir() else 'not a regular file'}; "
                               f"expected a {kind} file (TOML or JSON)")
    shipped = shipped_dir() / (name if name.endswith(".toml") else f"{name}.toml")
    if not shipped.is_file():
        raise InputError(f"{kind} '{name}'", f"not found (known presets: {', '.join(names())})")
    return shipped
