"""Example models shipped inside the package (``example:NAME`` on the command line)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sbmltwin.errors import ModelLoadError

__all__ = ["example_names", "example_path"]

_SUFFIX = ".ant"


def example_names() -> tuple[str, ...]:
    """Names of the shipped examples."""
    root = resources.files(__name__)
    return tuple(
        sorted(p.name.removesuffix(_SUFFIX) for p in root.iterdir() if p.name.endswith(_SUFFIX))
    )


def example_path(name: str) -> Path:
    """Path of the example ``name`` (as in ``example:NAME``)."""
    if name not in example_names():
        raise ModelLoadError(
            f"no example named {name!r}",
            where=f"example:{name}",
            hint=f"known examples: {', '.join(example_names())}",
        )
    return Path(str(resources.files(__name__).joinpath(name + _SUFFIX)))
