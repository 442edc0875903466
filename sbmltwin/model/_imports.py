"""Antimony ``import "file"`` statements: refused by default, inlined when allowed.

Antimony opens whatever an import names (``/etc/hostname``, ``/proc/self/environ``, the file
itself) and quotes its content in error messages. sbmltwin therefore finds every import
statement itself, before Antimony sees the text:

* by default any import is refused;
* with ``allow_imports=True`` (CLI: ``sbmltwin --allow-imports …``) an import may name only a
  regular file inside the importing model's own folder (after resolving symlinks and ``..``):
  never an absolute path, a device or /proc. Antimony imports are inlined (recursively, at most
  :attr:`~sbmltwin.model._safety.Limits.max_import_depth` levels, cycles refused), SBML imports
  are screened like any model and passed to Antimony by their checked absolute path;
* error messages name the imported file and never quote its content.
"""

from __future__ import annotations

import re
from pathlib import Path

from sbmltwin.errors import InputSafetyError, ModelLoadError
from sbmltwin.model._safety import Limits, decode_text, screen_antimony, screen_xml

__all__ = ["has_imports", "inline_imports"]

# comments | string literals | an import keyword (with the string after it, if any)
_TOKENS = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z)|\#[^\n]*)
      | (?P<string>"[^"\n]*"?|'[^'\n]*'?)
      | (?P<import>\bimport\b(?:[ \t]*(?P<q>["'])(?P<path>[^"'\n]*)(?P=q))?)""",
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)


def _imports(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, path or None when unreadable) of each import statement."""
    out = []
    for m in _TOKENS.finditer(text):
        if m.group("import") is not None:
            out.append((m.start(), m.end(), m.group("path")))
    return out


def has_imports(text: str) -> bool:
    return bool(_imports(text))


def inline_imports(
    text: str, *, where: str, base: Path | None, limits: Limits, _chain: tuple[Path, ...] = ()
) -> str:
    """``text`` with its import statements inlined (Antimony) or pinned to checked absolute
    paths (SBML). ``base`` is the folder imports may come from; None refuses every import."""
    found = _imports(text)
    if not found:
        return text
    if not _chain and Path(where).is_file():
        _chain = (Path(where).resolve(),)
    if base is None:
        raise InputSafetyError(
            "the Antimony text imports other files (refused by default)",
            where=where,
            hint="imports are allowed only from the model's own folder, with "
            "'sbmltwin --allow-imports' (Python: load_model(..., allow_imports=True))",
        )
    if len(_chain) >= limits.max_import_depth:
        raise InputSafetyError(
            f"imports nest deeper than {limits.max_import_depth} levels",
            where=where,
            hint="flatten the model's imports",
        )
    folder = base.resolve()
    pieces: list[str] = []
    last = 0
    for start, end, ref in found:
        pieces.append(text[last:start])
        last = end
        if ref is None:
            raise InputSafetyError(
                'cannot read an import statement (expected import "FILE")', where=where
            )
        target = _checked(ref, folder, where)
        if target in _chain:
            names = " → ".join(p.name for p in (*_chain, target))
            raise InputSafetyError(f"imports form a cycle: {names}", where=where)
        child_where = f"{where} → {ref}"
        if target.stat().st_size > limits.max_bytes:
            raise InputSafetyError(
                f"imported file is above the {limits.max_bytes / 2**20:.0f} MiB limit",
                where=child_where,
            )
        data = target.read_bytes()
        content = decode_text(data, where=child_where, limits=limits)
        if content.lstrip().startswith("<"):
            screen_xml(content, where=child_where, limits=limits, root="sbml")
            if "externalModelDefinition" in content:
                raise InputSafetyError(
                    "an imported SBML file refers to external model files", where=child_where
                )
            pieces.append(f'import "{target}"')
        else:
            screen_antimony(content, where=child_where, limits=limits)
            pieces.append(
                "\n"
                + inline_imports(
                    content,
                    where=child_where,
                    base=target.parent,
                    limits=limits,
                    _chain=(*_chain, target),
                )
                + "\n"
            )
    pieces.append(text[last:])
    return "".join(pieces)


def _checked(ref: str, folder: Path, where: str) -> Path:
    """The import ``ref`` as a regular file inside ``folder``, or an error."""
    hint = "imports may name only files inside the model's own folder"
    raw = Path(ref)
    if not ref.strip() or raw.is_absolute() or ref.startswith(("~", "\\")) or ":" in ref:
        raise InputSafetyError(
            f"import {ref[:80]!r} is not a relative path", where=where, hint=hint
        )
    target = (folder / raw).resolve()
    if not target.is_relative_to(folder):
        raise InputSafetyError(
            f"import {ref[:80]!r} leaves the model's folder", where=where, hint=hint
        )
    if not target.exists():
        raise ModelLoadError(f"imported file {ref[:80]!r} not found", where=where, hint=hint)
    if not target.is_file():
        raise InputSafetyError(f"import {ref[:80]!r} is not a regular file", where=where, hint=hint)
    return target
