"""Screen untrusted bytes before libsbml, Antimony or libroadrunner see them.

libsbml and libroadrunner are C++ and crash the whole process on some pathological inputs
(entity expansion, very deep MathML). Everything that reaches them has passed through here:

* XML is parsed once by the standard library's expat with DOCTYPE declarations refused outright
  (so no internal or external entities, no DTD fetches) and with a bound on element depth and on
  the number of elements;
* Antimony text is bounded in size and in bracket nesting;
* OMEX/ZIP archives are read member by member into memory, never extracted to disk, with member
  paths that leave the archive refused and a cap on the decompressed size of each read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from sbmltwin.errors import InputSafetyError, ModelLoadError

__all__ = ["Limits", "decode_text", "read_zip_member", "screen_antimony", "screen_xml"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for untrusted input. The defaults admit every real-world SBML model we know of.

    ``max_depth``: XML element depth. MathML in community models nests fewer than 100 levels.
    Measured with libsbml 5.21 / libroadrunner 2.10: libsbml's reader segfaults from about 5,150
    levels, libroadrunner's code generator from about 4,300, and libsbml's consistency check
    grows quadratically (3 s at 1,000 levels, 13 s at 2,000), hence 256. Real models: 19.
    ``max_attribute_chars``: libroadrunner segfaults on attribute values of about 65,500
    characters (real models: under 400). ``max_id_chars``: libroadrunner segfaults on a model
    id of 20,000 characters (10,000 survive; real ids: under 100). ``max_bytes``: libsbml's unit checks took 39 s and
    6.5 GB on a 20 MB file; 64 MiB admits the largest genome-scale models.
    """

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 256
    max_attribute_chars: int = 32 * 1024
    max_id_chars: int = 1024
    max_elements: int = 20_000_000
    max_archive_members: int = 10_000
    max_member_bytes: int = 256 * 1024 * 1024
    max_antimony_nesting: int = 500
    max_import_depth: int = 8


DEFAULT_LIMITS = Limits()


def decode_text(data: bytes, *, where: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Decode UTF-8 (BOM allowed) after the size, emptiness and binary-junk checks."""
    if len(data) > limits.max_bytes:
        raise InputSafetyError(
            f"file is {len(data) / 2**20:.0f} MiB, "
            f"above the {limits.max_bytes / 2**20:.0f} MiB limit",
            where=where,
            hint="split the model or raise sbmltwin.model.Limits.max_bytes in Python",
        )
    if not data.strip():
        raise ModelLoadError(
            "file is empty", where=where, hint="give an SBML, Antimony or OMEX file"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ModelLoadError(
            "file is UTF-16 encoded; SBML and Antimony files must be UTF-8",
            where=where,
            hint="re-save the file as UTF-8",
        )
    if b"\x00" in data:
        raise ModelLoadError(
            "file contains NUL bytes: it is binary, not SBML or Antimony text",
            where=where,
            hint="check that this is the model file (an .omex archive needs the .omex suffix)",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ModelLoadError(
            f"file is not valid UTF-8 (byte {err.start}, line {line})",
            where=where,
            hint="SBML requires UTF-8: re-save the file as UTF-8",
        ) from err


class _Refused(Exception):
    """Raised from expat handlers to stop parsing; carries the message."""


def screen_xml(
    text: str, *, where: str, limits: Limits = DEFAULT_LIMITS, root: str | None = None
) -> None:
    """Parse ``text`` with expat, refusing DTDs/entities and bounding depth, element count and
    attribute length; with ``root``, the document element must have that (local) name.

    Raises :class:`InputSafetyError` for refused input and :class:`ModelLoadError` for XML that
    is not well formed (truncated files land here, with their line and column).
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"depth": 0, "elements": 0}

    def start_doctype(*_args: object) -> None:
        raise _Refused("document has a DOCTYPE declaration (DTDs and entities are refused)")

    def entity_decl(*_args: object) -> None:
        raise _Refused("document declares entities (refused: entity expansion and external files)")

    def start(name: str, attributes: dict[str, str]) -> None:
        if state["elements"] == 0 and root is not None and name.rsplit(":", 1)[-1] != root:
            raise _Refused(f"the document element is <{name}>, not <{root}>")
        state["depth"] += 1
        state["elements"] += 1
        for key, value in attributes.items():
            if key in ("id", "metaid") and len(value) > limits.max_id_chars:
                raise _Refused(
                    f"{key} '{value[:40]}…' is {len(value)} characters long "
                    f"(limit {limits.max_id_chars})"
                )
            if len(value) > limits.max_attribute_chars:
                raise _Refused(
                    f"attribute '{key}' is {len(value)} characters long (limit {limits.max_attribute_chars})"
                )
        if state["depth"] > limits.max_depth:
            raise _Refused(f"elements nest deeper than {limits.max_depth} levels")
        if state["elements"] > limits.max_elements:
            raise _Refused(f"document has more than {limits.max_elements} elements")

    def end(*_args: object) -> None:
        state["depth"] -= 1

    parser.StartDoctypeDeclHandler = start_doctype
    parser.EntityDeclHandler = entity_decl
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Refused as err:
        raise InputSafetyError(
            f"{err} at line {parser.CurrentLineNumber}",
            where=where,
            hint="sbmltwin refuses such XML for safety; remove the construct and try again",
        ) from None
    except (LookupError, ValueError) as err:  # an unknown or unusable declared encoding
        raise ModelLoadError(
            f"the XML declaration names an encoding Python cannot use ({err})",
            where=where,
            hint='SBML is UTF-8: re-save the file as UTF-8 with encoding="UTF-8"',
        ) from None
    except expat.ExpatError as err:
        raise ModelLoadError(
            f"not well-formed XML at line {err.lineno}, column {err.offset}: "
            f"{expat.ErrorString(err.code)}",
            where=where,
            hint="the file is truncated or corrupt; re-export or re-download it",
        ) from None


def screen_antimony(text: str, *, where: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Bound bracket nesting in Antimony text (its C++ parser recurses on nested expressions)."""
    depth = deepest = 0
    for char in text:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    if deepest > limits.max_antimony_nesting:
        raise InputSafetyError(
            f"brackets nest {deepest} levels deep (limit {limits.max_antimony_nesting})",
            where=where,
            hint="simplify the expression",
        )


def read_zip_member(
    data: bytes, member: str, *, where: str, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """Read one member of a ZIP archive held in memory, safely.

    The member path must stay inside the archive (no absolute paths, no ``..``); the read stops
    at ``limits.max_member_bytes`` whatever the archive header claims.
    """
    name = member.removeprefix("./")
    norm = posixpath.normpath(name)
    if name.startswith(("/", "\\")) or norm.startswith("..") or ":" in name.split("/")[0]:
        raise InputSafetyError(
            f"archive entry {member!r} points outside the archive",
            where=where,
            hint="the archive is malformed or hostile; do not extract it",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > limits.max_archive_members:
                raise InputSafetyError(
                    f"archive has more than {limits.max_archive_members} entries", where=where
                )
            try:
                info = archive.getinfo(norm)
            except KeyError:
                raise ModelLoadError(
                    f"archive has no entry {member!r}",
                    where=where,
                    hint="check the location attributes in manifest.xml",
                ) from None
            with archive.open(info) as handle:
                content = handle.read(limits.max_member_bytes + 1)
    except RuntimeError as err:  # zipfile: "... is encrypted, password required"
        raise ModelLoadError(
            "the archive is encrypted (password protected)",
            where=where,
            hint="COMBINE archives must not be encrypted; re-create it without a password",
        ) from err
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
    ) as err:
        raise ModelLoadError(
            f"cannot read ZIP archive: {' '.join(str(err).split())[:200]}",
            where=where,
            hint="the archive is corrupt or truncated; re-create or re-download it",
        ) from err
    if len(content) > limits.max_member_bytes:
        raise InputSafetyError(
            f"archive entry {member!r} decompresses to more than "
            f"{limits.max_member_bytes / 2**20:.0f} MiB",
            where=where,
            hint="the archive may be a zip bomb",
        )
    return content
