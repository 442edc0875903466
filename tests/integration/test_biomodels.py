"""biomodels:ID references against a local stand-in for the BioModels REST API.

Every test talks to 127.0.0.1 only: a ThreadingHTTPServer on port 0 serves the same URL layout
as https://www.ebi.ac.uk/biomodels (``/model/files/{ID}?format=json`` and
``/model/download/{ID}?filename=...``). An autouse fixture points the default URL at a closed local
port and clears proxy variables, so a test that forgot its base_url cannot reach the internet.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sbmltwin.errors import InputSafetyError, ModelLoadError
from sbmltwin.model import Limits, load_model, parse_model
from sbmltwin.model._safety import DEFAULT_LIMITS
from sbmltwin.model.biomodels import (
    _safe_name,
    cache_dir,
    fetch_biomodel,
    is_biomodels_ref,
    parse_biomodels_ref,
)
from sbmltwin.provenance import sha256_bytes

pytestmark = pytest.mark.integration

MID = "BIOMD0000000012"
MAIN = f"{MID}_url.xml"  # the real entry's main file is named like this
TIMEOUT = 2.0  # seconds per socket operation; every server here answers in milliseconds

ANTIMONY = """
model tiny
  compartment C = 1
  species S1 in C = 10, S2 in C = 0
  J1: S1 -> S2; k1*S1
  k1 = 0.1
end
"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE sbml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="bomb" name="&b;"/>
</sbml>
"""

Route = tuple[int, bytes, dict[str, str]]


@dataclass
class FakeBioModels:
    """Routes keyed by (URL path, ``filename`` query value or None); records every request."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    routes: dict[tuple[str, str | None], Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    delay: float = 0.0
    stopped: bool = False

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)

    def serve(
        self,
        body: bytes,
        *,
        model_id: str = MID,
        name: str = MAIN,
        listed_size: int | str | None = -1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """List ``name`` as the main file of ``model_id`` and serve ``body`` for it."""
        entry: dict[str, object] = {"name": name, "description": "main"}
        if listed_size is not None:  # the real API sends fileSize as a string
            entry["fileSize"] = str(len(body)) if listed_size == -1 else listed_size
        listing = {"main": [entry], "additional": []}
        self.routes[(f"/model/files/{model_id}", None)] = (
            200,
            json.dumps(listing).encode(),
            {"Content-Type": "application/json"},
        )
        self.routes[(f"/model/download/{model_id}", name)] = (
            200,
            body,
            {"Content-Type": "application/xml", **(headers or {})},
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.requests.append(self.path)
        if fake.delay:
            time.sleep(fake.delay)
        parts = urllib.parse.urlsplit(self.path)
        filename = urllib.parse.parse_qs(parts.query).get("filename", [None])[0]
        status, body, headers = fake.routes.get(
            (parts.path, filename), (404, b"<html><body>Not found</body></html>", {})
        )
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    fake: FakeBioModels


@pytest.fixture(autouse=True)
def _offline_guard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Cache in tmp_path; default URL → a closed local port; no proxies for 127.0.0.1."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("SBMLTWIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SBMLTWIN_BIOMODELS_URL", f"http://127.0.0.1:{_closed_port()}")


@pytest.fixture
def fake() -> Iterator[FakeBioModels]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    result = FakeBioModels(server=server, thread=thread)
    server.fake = result
    thread.start()
    try:
        yield result
    finally:
        result.stop()


@pytest.fixture(scope="module")
def sbml() -> bytes:
    return parse_model(ANTIMONY, fmt="antimony").sbml.encode("utf-8")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetch(
    fake: FakeBioModels,
    model_id: str = MID,
    *,
    offline: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    return fetch_biomodel(
        model_id, base_url=fake.base_url, offline=offline, timeout=TIMEOUT, limits=limits
    )


def _cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- references ----------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["BIOMD0000000012", "MODEL1112110000", "BMID000000140222"])
def test_parse_ref(model_id: str) -> None:
    ref = f"biomodels:{model_id}"
    assert is_biomodels_ref(ref)
    assert parse_biomodels_ref(ref) == model_id


@pytest.mark.parametrize(
    "ref",
    [
        "biomodels:foo",
        "biomodels:",
        "biomodels:BIOMD12",
        "biomodels:biomd0000000012",
        "biomodels:BIOMD00000000123",
        "biomodels:BIOMD0000000012/../../x",
        "biomodels:BIOMD0000000012?filename=x",
    ],
)
def test_bad_ref_is_claimed_and_named(ref: str) -> None:
    assert is_biomodels_ref(ref)  # routed here, not mistaken for a file path
    with pytest.raises(ModelLoadError) as err:
        parse_biomodels_ref(ref)
    assert str(err.value).startswith(f"{ref}: {ref.removeprefix('biomodels:')!r} is not")
    assert "BIOMD0000000012" in str(err.value)  # the hint shows the expected form


def test_not_a_ref() -> None:
    assert not is_biomodels_ref("model.xml")
    assert not is_biomodels_ref("example:theophylline_oral")
    with pytest.raises(ModelLoadError, match=r"'model\.xml' is not a BioModels reference"):
        parse_biomodels_ref("model.xml")


def test_fetch_rejects_bad_id_before_any_io(fake: FakeBioModels, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="is not a BioModels id"):
        _fetch(fake, "../../etc")
    assert fake.requests == []
    assert not _cache(tmp_path).exists()


# --- cache directory -----------------------------------------------------------------------


def test_cache_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SBMLTWIN_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/sbmltwin")),
        ("linux", {}, Path("/home/u/.cache/sbmltwin")),
        ("linux", {"XDG_CACHE_HOME": "relative"}, Path("/home/u/.cache/sbmltwin")),
        ("darwin", {}, Path("/home/u/Library/Caches/sbmltwin")),
        ("win32", {"LOCALAPPDATA": "/appdata"}, Path("/appdata/sbmltwin")),
    ],
)
def test_cache_dir_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str, env: dict[str, str], expected: Path
) -> None:
    for var in ("SBMLTWIN_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(Path, "home", staticmethod(lambda: Path("/home/u")))
    monkeypatch.setattr(sys, "platform", platform)
    assert cache_dir() == expected


# --- download, cache, offline --------------------------------------------------------------


def test_download_then_cache_then_offline(fake: FakeBioModels, tmp_path: Path, sbml: bytes) -> None:
    fake.serve(sbml)
    path = _fetch(fake)
    assert path == _cache(tmp_path) / "biomodels" / MID / MAIN
    assert path.read_bytes() == sbml
    assert fake.requests == [
        f"/model/files/{MID}?format=json",
        f"/model/download/{MID}?filename={MAIN}",
    ]
    meta = json.loads((path.parent / "meta.json").read_text())
    assert meta["id"] == MID
    assert meta["filename"] == MAIN
    assert meta["sha256"] == sha256_bytes(sbml)
    assert meta["size"] == len(sbml)
    assert meta["source_url"] == f"{fake.base_url}/model/download/{MID}?filename={MAIN}"
    assert meta["downloaded_at"].endswith("+00:00")
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([MAIN, "meta.json"])

    assert _fetch(fake) == path  # second fetch: served from the cache
    assert len(fake.requests) == 2

    fake.stop()  # no server at all now
    assert _fetch(fake) == path
    assert fetch_biomodel(MID, offline=True) == path
    model = load_model(path)
    assert model.sbml == sbml.decode()
    assert "k1" in set(model.table()["id"])


def test_base_url_from_env(
    fake: FakeBioModels, monkeypatch: pytest.MonkeyPatch, sbml: bytes
) -> None:
    fake.serve(sbml)
    monkeypatch.setenv("SBMLTWIN_BIOMODELS_URL", fake.base_url + "/")
    path = fetch_biomodel(MID, timeout=TIMEOUT)
    assert path.read_bytes() == sbml
    assert len(fake.requests) == 2


def test_model_ids_are_supported(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml, model_id="MODEL1112110000", name="MODEL1112110000.xml")
    assert _fetch(fake, "MODEL1112110000").name == "MODEL1112110000.xml"


def test_offline_and_not_cached_makes_no_request(fake: FakeBioModels, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as err:
        _fetch(fake, offline=True)
    text = str(err.value)
    assert f"biomodels:{MID}" in text
    assert str(_cache(tmp_path) / "biomodels" / MID) in text
    assert fake.requests == []


def test_unreachable_server_names_cache_and_hint(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(ModelLoadError) as err:
        fetch_biomodel(MID, base_url=url, timeout=TIMEOUT)
    text = str(err.value)
    assert "cannot reach BioModels" in text
    assert f"not in the cache {_cache(tmp_path) / 'biomodels' / MID}" in text
    assert "connect once, or set SBMLTWIN_CACHE_DIR to a cache that has it" in text
    assert _files(_cache(tmp_path)) == []


def test_default_url_guard_is_local(tmp_path: Path) -> None:
    """No base_url: the autouse guard's closed port answers, never the real BioModels."""
    with pytest.raises(ModelLoadError, match=r"cannot reach BioModels at http://127\.0\.0\.1:"):
        fetch_biomodel(MID, timeout=TIMEOUT)


def test_timeout_is_reported(fake: FakeBioModels, tmp_path: Path, sbml: bytes) -> None:
    fake.serve(sbml)
    fake.delay = 1.0
    with pytest.raises(ModelLoadError, match="cannot reach BioModels"):
        fetch_biomodel(MID, base_url=fake.base_url, timeout=0.2)
    assert _files(_cache(tmp_path)) == []


def test_damaged_cache_is_downloaded_again(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml)
    path = _fetch(fake)
    path.write_bytes(sbml.replace(b"10", b"99"))
    assert _fetch(fake) == path
    assert path.read_bytes() == sbml
    assert len(fake.requests) == 4


def test_damaged_cache_offline_is_refused(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml)
    path = _fetch(fake)
    path.write_bytes(b"<sbml/>")
    with pytest.raises(ModelLoadError) as err:
        fetch_biomodel(MID, offline=True)
    assert "does not match its recorded sha256" in str(err.value)
    assert str(path) in str(err.value)
    assert len(fake.requests) == 2


def test_damaged_meta_is_a_cache_miss(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml)
    path = _fetch(fake)
    (path.parent / "meta.json").write_text("{not json")
    assert _fetch(fake) == path
    assert len(fake.requests) == 4


def test_meta_pointing_outside_is_ignored(fake: FakeBioModels, tmp_path: Path, sbml: bytes) -> None:
    fake.serve(sbml)
    path = _fetch(fake)
    outside = tmp_path / "outside.xml"
    outside.write_bytes(sbml)
    meta_path = path.parent / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["filename"] = "../../../../outside.xml"
    meta_path.write_text(json.dumps(meta))
    assert _fetch(fake) == path  # downloaded again instead of trusting the path
    assert len(fake.requests) == 4


# --- what the server sends -----------------------------------------------------------------


def test_unknown_model_404(fake: FakeBioModels, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as err:
        _fetch(fake, "BIOMD0000099999")
    assert "BioModels has no model BIOMD0000099999" in str(err.value)
    assert _files(_cache(tmp_path)) == []


def test_listed_file_missing_404(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml)
    del fake.routes[(f"/model/download/{MID}", MAIN)]
    with pytest.raises(ModelLoadError, match=f"lists '{MAIN}' for {MID} but has no such file"):
        _fetch(fake)


def test_server_error_500(fake: FakeBioModels, tmp_path: Path) -> None:
    fake.routes[(f"/model/files/{MID}", None)] = (500, b"oops", {})
    with pytest.raises(ModelLoadError, match="HTTP 500"):
        _fetch(fake)
    assert _files(_cache(tmp_path)) == []


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "not JSON"),
        (b'{"additional": []}', "without a list of 'main' files"),
        (b'{"main": [{"name": "m.cellml", "fileSize": "10"}]}', r"no SBML main file.*m\.cellml"),
        (b'{"main": [{"name": "m.xml", "fileSize": "ten"}]}', "not a byte count"),
    ],
)
def test_bad_file_list(fake: FakeBioModels, tmp_path: Path, body: bytes, match: str) -> None:
    fake.routes[(f"/model/files/{MID}", None)] = (200, body, {})
    with pytest.raises(ModelLoadError, match=match) as err:
        _fetch(fake)
    assert MID in str(err.value)
    assert _files(_cache(tmp_path)) == []


def _truncated(sbml: bytes) -> bytes:
    return sbml[: sbml.index(b"<listOfReactions>") + 30]


@pytest.mark.parametrize(
    ("make_body", "listed", "error", "match"),
    [
        (
            lambda s: b"<!DOCTYPE html><html><body>Sorry</body></html>",
            -1,
            InputSafetyError,
            "DOCTYPE",
        ),
        (
            lambda s: b"<html><body>Sorry</body></html>",
            -1,
            ModelLoadError,
            r"not SBML \(root element <html>\)",
        ),
        (_truncated, -1, ModelLoadError, "not well-formed XML"),
        (_truncated, None, ModelLoadError, "not well-formed XML"),
        (lambda s: s, 999_999, ModelLoadError, "lists 'BIOMD0000000012_url.xml' as 999999 bytes"),
        (lambda s: BOMB, -1, InputSafetyError, "DOCTYPE"),
        (lambda s: b"", -1, ModelLoadError, "file is empty"),
        (lambda s: b"\x00\x01binary", -1, ModelLoadError, "NUL bytes"),
    ],
    ids=["html", "xhtml", "truncated", "truncated-unlisted", "size", "bomb", "empty", "binary"],
)
def test_bad_model_file_is_refused_and_not_cached(
    fake: FakeBioModels,
    tmp_path: Path,
    sbml: bytes,
    make_body: Callable[[bytes], bytes],
    listed: int | None,
    error: type[Exception],
    match: str,
) -> None:
    fake.serve(make_body(sbml), listed_size=listed)
    with pytest.raises(error, match=match) as err:
        _fetch(fake)
    assert f"biomodels:{MID}!{MAIN}" in str(err.value)
    assert _files(_cache(tmp_path)) == []


def test_connection_cut_short(fake: FakeBioModels, tmp_path: Path, sbml: bytes) -> None:
    fake.serve(sbml, listed_size=None, headers={"Content-Length": str(len(sbml) + 500)})
    with pytest.raises(ModelLoadError, match=r"cut short \(\d+ of \d+ bytes\)"):
        _fetch(fake)
    assert _files(_cache(tmp_path)) == []


def test_oversized_download_is_refused(fake: FakeBioModels, tmp_path: Path, sbml: bytes) -> None:
    fake.serve(sbml, listed_size=None)
    with pytest.raises(ModelLoadError, match="more than 200 bytes"):
        _fetch(fake, limits=Limits(max_bytes=200))
    # without a Content-Length the cap still holds while reading
    fake.serve(sbml, listed_size=None, headers={"Content-Length": ""})
    with pytest.raises(ModelLoadError, match="more than 200 bytes"):
        _fetch(fake, limits=Limits(max_bytes=200))
    assert _files(_cache(tmp_path)) == []


@pytest.mark.parametrize(
    "name", ["../../evil.xml", "..\\..\\evil.xml", "/tmp/evil.xml", ".evil.xml"]
)
def test_hostile_filename_stays_in_cache(
    fake: FakeBioModels, tmp_path: Path, sbml: bytes, name: str
) -> None:
    fake.serve(sbml, name=name)
    path = _fetch(fake)
    folder = _cache(tmp_path) / "biomodels" / MID
    assert path == folder / "evil.xml"
    assert [p for p in tmp_path.rglob("*evil*")] == [path]
    assert json.loads((folder / "meta.json").read_text())["server_filename"] == name
    assert _fetch(fake) == path  # and it is found again in the cache
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BIOMD0000000012_url.xml", "BIOMD0000000012_url.xml"),
        ("a/b/c.xml", "c.xml"),
        ("..", "BIOMD0000000012.xml"),
        ("meta.json", "BIOMD0000000012.xml"),
        ("con:x?.xml", "con_x_.xml"),
        ("", "BIOMD0000000012.xml"),
    ],
)
def test_safe_name(name: str, expected: str) -> None:
    assert _safe_name(name, MID) == expected


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x.xml"])
def test_redirect_off_http_is_refused(fake: FakeBioModels, tmp_path: Path, target: str) -> None:
    fake.routes[(f"/model/files/{MID}", None)] = (302, b"", {"Location": target})
    with pytest.raises(ModelLoadError, match="not followed"):
        _fetch(fake)
    assert _files(_cache(tmp_path)) == []


def test_redirect_on_http_is_followed(fake: FakeBioModels, sbml: bytes) -> None:
    fake.serve(sbml)
    listing = fake.routes.pop((f"/model/files/{MID}", None))
    fake.routes[("/moved", None)] = listing
    fake.routes[(f"/model/files/{MID}", None)] = (301, b"", {"Location": "/moved"})
    assert _fetch(fake).read_bytes() == sbml


@pytest.mark.parametrize("url", ["file:///tmp", "ftp://127.0.0.1/biomodels", "127.0.0.1:8000"])
def test_non_http_base_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ModelLoadError, match="is not an http\\(s\\) URL"):
        fetch_biomodel(MID, base_url=url, timeout=TIMEOUT)
    assert _files(_cache(tmp_path)) == []
