"""``biomodels:BIOMD0000000012`` references: download once through the BioModels REST API, verify,
cache, and load offline afterwards.

The REST API used (BioModels web services, https://www.ebi.ac.uk/biomodels/docs/; the same two
calls are made by EBI's own client, github.com/EBI-BioModels/biomodels-resftful-api-client,
``services.py``: ``get_model_files_info`` and ``download``):

* ``GET {base}/model/files/{ID}?format=json`` lists the files of the latest public revision:
  ``{"main": [{"name": ..., "fileSize": ...}], "additional": [...]}``;
* ``GET {base}/model/download/{ID}?filename={name}`` returns one of those files.

Everything the server sends is untrusted: the file list is size-capped JSON, the model must pass
:func:`~sbmltwin.model._safety.decode_text` and :func:`~sbmltwin.model._safety.screen_xml` and have
an ``<sbml>`` root, its size must match the listed ``fileSize``, and the server's file name is
reduced to a plain base name so that it cannot write outside the cache. Only ``http``/``https`` are
spoken (redirects included); nothing is written until the download has passed every check, and
then atomically (temporary file + :func:`os.replace`), the model file first and ``meta.json`` last.

Cache layout: ``<cache_dir()>/biomodels/<ID>/<file name>`` and ``.../<ID>/meta.json`` (id, file
name, sha256, size, source URL, download time). A cached model whose sha256 still matches is
returned without any network access.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.client import HTTPException, HTTPMessage
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from sbmltwin.errors import ModelLoadError
from sbmltwin.model._safety import DEFAULT_LIMITS, Limits, decode_text, screen_xml
from sbmltwin.provenance import sha256_bytes

__all__ = ["cache_dir", "fetch_biomodel", "is_biomodels_ref", "parse_biomodels_ref"]

logger = logging.getLogger(__name__)

PREFIX = "biomodels:"
DEFAULT_BASE_URL = "https://www.ebi.ac.uk/biomodels"
ENV_CACHE_DIR = "SBMLTWIN_CACHE_DIR"
ENV_BASE_URL = "SBMLTWIN_BIOMODELS_URL"

# Curated (BIOMD + 10 digits), non-curated submissions (MODEL + 10 digits) and Path2Models
# (BMID + 12 digits) accessions. Anything else never reaches a URL or a path.
_ID = re.compile(r"(?:BIOMD\d{10}|MODEL\d{10}|BMID\d{12})")
_SCHEMES = ("http", "https")
_MAX_LISTING_BYTES = 16 * 2**20
_CHUNK = 64 * 1024
_DEADLINE_FACTOR = 20  # a whole download must end within 20 × timeout (slow-drip servers)
_META = "meta.json"
_SCHEMA_VERSION = 1
_SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_CONNECT_HINT = f"connect once, or set {ENV_CACHE_DIR} to a cache that has it"


def is_biomodels_ref(text: str) -> bool:
    """True if ``text`` is meant as a BioModels reference (``biomodels:...``), valid or not.

    A malformed reference such as ``biomodels:foo`` is still claimed here, so that
    :func:`parse_biomodels_ref` can reject it by name instead of it being read as a file path.
    """
    return text.startswith(PREFIX)


def parse_biomodels_ref(text: str) -> str:
    """The BioModels accession in a ``biomodels:ID`` reference.

    >>> parse_biomodels_ref("biomodels:BIOMD0000000012")
    'BIOMD0000000012'
    >>> parse_biomodels_ref("biomodels:MODEL1112110000")
    'MODEL1112110000'
    """
    if not is_biomodels_ref(text):
        raise ModelLoadError(
            f"{text!r} is not a BioModels reference",
            hint="write biomodels:BIOMD0000000012 (or biomodels:MODEL1112110000)",
        )
    model_id = text.removeprefix(PREFIX).strip()
    _check_id(model_id, ref=text)
    return model_id


def cache_dir() -> Path:
    """sbmltwin's cache directory: ``$SBMLTWIN_CACHE_DIR``, else the user cache dir + ``sbmltwin``.

    The user cache dir is ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux and other Unixes,
    ``~/Library/Caches`` on macOS and ``%LOCALAPPDATA%`` on Windows. Nothing is created here.
    """
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        base = Path(local) if local else home / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / "sbmltwin"


def fetch_biomodel(
    model_id: str,
    *,
    base_url: str | None = None,
    offline: bool = False,
    timeout: float = 30.0,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Path of the main SBML file of BioModels entry ``model_id``, downloading it if needed.

    A cached copy whose sha256 matches ``meta.json`` is returned with no network access. Otherwise
    the file is listed and downloaded from ``base_url`` (default ``$SBMLTWIN_BIOMODELS_URL`` or
    ``https://www.ebi.ac.uk/biomodels``), verified and cached. ``offline=True`` never touches the
    network. ``timeout`` bounds each socket operation (and 20 × ``timeout`` the whole download);
    ``limits.max_bytes`` caps the size of the model file.
    """
    where = f"{PREFIX}{model_id}"
    _check_id(model_id, ref=where)
    folder = cache_dir() / "biomodels" / model_id
    cached, damaged = _cached(folder, model_id)
    if cached is not None:
        return cached
    state = (
        f"the cached copy {damaged} does not match its recorded sha256 (changed or damaged)"
        if damaged
        else f"the model is not in the cache {folder}"
    )
    if offline:
        raise ModelLoadError(
            f"offline, and {state}",
            where=where,
            hint=_CONNECT_HINT if not damaged else f"fetch it again online, or delete {folder}",
        )
    if damaged:
        logger.warning("%s: cached copy %s is damaged; downloading it again", where, damaged)

    base = _base_url(base_url, where=where)
    deadline = time.monotonic() + _DEADLINE_FACTOR * timeout
    quoted = urllib.parse.quote(model_id, safe="")
    listing_url = f"{base}/model/files/{quoted}?format=json"
    raw_listing = _download(
        listing_url,
        cap=_MAX_LISTING_BYTES,
        timeout=timeout,
        deadline=deadline,
        where=where,
        state=state,
        not_found=f"BioModels has no model {model_id}",
        accept="application/json",
    )
    name, reported = _main_file(raw_listing, model_id=model_id, url=listing_url, where=where)
    query = urllib.parse.urlencode({"filename": name})
    file_url = f"{base}/model/download/{quoted}?{query}"
    data = _download(
        file_url,
        cap=limits.max_bytes,
        timeout=timeout,
        deadline=deadline,
        where=where,
        state=state,
        not_found=f"BioModels lists {name!r} for {model_id} but has no such file",
        accept="application/xml, text/xml, */*;q=0.1",
    )
    _verify(data, name=name, reported=reported, where=f"{where}!{name}", limits=limits)
    return _store(folder, model_id=model_id, name=name, data=data, url=file_url, where=where)


def _check_id(model_id: str, *, ref: str) -> None:
    if not _ID.fullmatch(model_id):
        raise ModelLoadError(
            f"{model_id!r} is not a BioModels id",
            where=ref,
            hint="ids look like BIOMD0000000012 or MODEL1112110000 (10 digits): "
            "write biomodels:BIOMD0000000012",
        )


def _base_url(base_url: str | None, *, where: str) -> str:
    base = (base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL).rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        raise ModelLoadError(
            f"BioModels URL {base!r} is not an http(s) URL",
            where=where,
            hint=f"give an https:// URL in {ENV_BASE_URL} or base_url (default {DEFAULT_BASE_URL})",
        )
    return base


# --- the cache -----------------------------------------------------------------------------


def _cached(folder: Path, model_id: str) -> tuple[Path | None, Path | None]:
    """(path, None) for a good cached copy, (None, path) for a damaged one, else (None, None)."""
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None  # absent, unreadable or half-written: download again
    if not isinstance(meta, dict) or meta.get("id") != model_id:
        return None, None
    name, sha = meta.get("filename"), meta.get("sha256")
    if not isinstance(name, str) or not isinstance(sha, str) or _safe_name(name, model_id) != name:
        return None, None
    path = folder / name
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    if sha256_bytes(data) != sha:
        return None, path
    return path, None


def _safe_name(name: str, model_id: str) -> str:
    """A plain base name for a server-supplied file name: no directories, no leading dots."""
    base = re.split(r"[/\\]", name)[-1]
    base = _SAFE_CHARS.sub("_", base).lstrip(".")[:200]
    if not base or base == _META:
        return f"{model_id}.xml"
    return base


def _store(folder: Path, *, model_id: str, name: str, data: bytes, url: str, where: str) -> Path:
    local = _safe_name(name, model_id)
    path = folder / local
    meta = {
        "schema_version": _SCHEMA_VERSION,
        "id": model_id,
        "filename": local,
        "server_filename": name,
        "sha256": sha256_bytes(data),
        "size": len(data),
        "source_url": url,
        "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, data)
        _write_atomic(folder / _META, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    except OSError as err:
        raise ModelLoadError(
            f"cannot write the BioModels cache {folder}: {err.strerror or err}",
            where=where,
            hint=f"set {ENV_CACHE_DIR} to a writable directory",
        ) from err
    logger.info("%s: downloaded %s (%d bytes) to %s", where, url, len(data), path)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- what the server sent ------------------------------------------------------------------


def _main_file(raw: bytes, *, model_id: str, url: str, where: str) -> tuple[str, int | None]:
    """Name and listed size of the main SBML file in a ``/model/files`` answer."""
    try:
        listing: Any = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        head = raw[:60].decode("utf-8", "replace")
        raise ModelLoadError(
            f"BioModels answered {url} with something that is not JSON (starts {head!r})",
            where=where,
            hint=f"check that {ENV_BASE_URL} or base_url points at the BioModels web service",
        ) from None
    main = listing.get("main") if isinstance(listing, dict) else None
    if not isinstance(main, list):
        raise ModelLoadError(
            f"BioModels answered {url} without a list of 'main' files",
            where=where,
            hint=f"check that {ENV_BASE_URL} or base_url points at the BioModels web service",
        )
    names = [e["name"] for e in main if isinstance(e, dict) and isinstance(e.get("name"), str)]
    sbml = [
        e
        for e in main
        if isinstance(e, dict)
        and isinstance(e.get("name"), str)
        and e["name"].lower().endswith((".xml", ".sbml"))
    ]
    if not sbml:
        raise ModelLoadError(
            f"BioModels lists no SBML main file for {model_id} (main files: {names or 'none'})",
            where=where,
            hint="sbmltwin reads SBML; this entry may be in another format (CellML, MATLAB...)",
        )
    entry = sbml[0]
    return str(entry["name"]), _listed_size(entry.get("fileSize"), where=where)


def _listed_size(value: object, *, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ModelLoadError(
        f"BioModels listed a file size {value!r} that is not a byte count",
        where=where,
        hint="the server's answer is malformed; try again later",
    )


def _verify(data: bytes, *, name: str, reported: int | None, where: str, limits: Limits) -> None:
    if reported is not None and len(data) != reported:
        raise ModelLoadError(
            f"downloaded {len(data)} bytes but BioModels lists {name!r} as {reported} bytes",
            where=where,
            hint="the download was cut short or altered; try again",
        )
    text = decode_text(data, where=where, limits=limits)
    screen_xml(text, where=where, limits=limits)
    root = _root_name(text)
    if root != "sbml":
        raise ModelLoadError(
            f"downloaded file is not SBML (root element <{root}>)",
            where=where,
            hint="the server did not send the model file; check the BioModels URL and try again",
        )


class _Root(Exception):
    pass


def _root_name(text: str) -> str:
    """Local name of the root element (``text`` has passed :func:`screen_xml`)."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name: str, _attrs: object) -> None:
        raise _Root(name.rsplit(" ", 1)[-1])

    parser.StartElementHandler = start
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Root as found:
        return str(found)
    return ""


# --- HTTP ----------------------------------------------------------------------------------


class _HttpOnlyRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http/https only (urllib alone would follow one to ftp:).

    A refused redirect surfaces as the 3xx :class:`urllib.error.HTTPError`, as urllib's own
    refusals (file:, data: ...) do.
    """

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in _SCHEMES:
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener that speaks http and https only: no file:, ftp: or data: handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _HttpOnlyRedirect(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _download(
    url: str,
    *,
    cap: int,
    timeout: float,
    deadline: float,
    where: str,
    state: str,
    not_found: str,
    accept: str,
) -> bytes:
    """GET ``url`` into memory, at most ``cap`` bytes, turning every failure into ModelLoadError."""
    request = urllib.request.Request(  # noqa: S310  (scheme checked in _base_url and redirects)
        url, headers={"Accept": accept, "User-Agent": "sbmltwin"}
    )
    try:
        with _opener().open(request, timeout=timeout) as response:
            return _read_capped(response, cap=cap, deadline=deadline, url=url, where=where)
    except urllib.error.HTTPError as err:
        err.close()
        if 300 <= err.code < 400:
            raise ModelLoadError(
                f"BioModels redirected {url} to {err.headers.get('Location')!r}, "
                "which was not followed (only http and https redirects are)",
                where=where,
                hint=f"check {ENV_BASE_URL} or base_url",
            ) from None
        if err.code == 404:
            raise ModelLoadError(
                not_found, where=where, hint="check the id at https://www.ebi.ac.uk/biomodels/"
            ) from None
        raise ModelLoadError(
            f"BioModels answered HTTP {err.code} ({err.reason}) for {url}, and {state}",
            where=where,
            hint="try again later; " + _CONNECT_HINT,
        ) from None
    except (OSError, HTTPException) as err:
        reason = getattr(err, "reason", None) or err
        raise ModelLoadError(
            f"cannot reach BioModels at {url} ({reason}), and {state}",
            where=where,
            hint=_CONNECT_HINT,
        ) from err


def _read_capped(response: Any, *, cap: int, deadline: float, url: str, where: str) -> bytes:
    declared = response.headers.get("Content-Length")
    expected = int(declared) if declared and declared.strip().isdigit() else None
    too_big = ModelLoadError(
        f"BioModels sent more than {_size_text(cap)} for {url}",
        where=where,
        hint="refused for safety; raise sbmltwin.model.Limits.max_bytes if the model is that big",
    )
    if expected is not None and expected > cap:
        raise too_big
    chunks: list[bytes] = []
    total = 0
    while True:  # ends: every pass adds at least one byte to a total capped at `cap`
        chunk = response.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > cap:
            raise too_big
        if time.monotonic() > deadline:
            raise ModelLoadError(
                f"download of {url} is too slow (still running after the time limit)",
                where=where,
                hint="try again later, or pass a larger timeout",
            )
        chunks.append(chunk)
    if expected is not None and total != expected:
        raise ModelLoadError(
            f"download of {url} was cut short ({total} of {expected} bytes)",
            where=where,
            hint="try again",
        )
    return b"".join(chunks)


def _size_text(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"
