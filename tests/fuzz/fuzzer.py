"""sbmltwin's own mutation fuzzer: mutated SBML, Antimony, OMEX, TOML (profiles, bindings,
population specs, validation cases), observation CSVs and dose strings, each run through the
command line in a forked child (:mod:`tests.fuzz.harness`).

Every run must end in exit 0 or 3, or in exit 2 with exactly one ``sbmltwin: error:`` line;
a signal, a traceback, a hang (over the timeout) or more than 2 GB is a finding, saved with its
command line under ``--save``. Deterministic for a given seed: input ``i`` is mutated by
``random.Random(f"{seed}:{i}")``.

Run briefly in CI (``tests/fuzz/test_fuzz_ci.py``) and for as long as you like on demand::

    nice python tools/fuzz.py --n 5000 --seed 13 --save fuzz-findings
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.harness import Outcome, run_cli

SEEDS = Path(__file__).resolve().parent / "seeds"
KINDS = ("sbml", "antimony", "omex", "profile", "bindings", "population", "case", "csv", "dose")

# Fragments that found (or would find) defects: spliced into inputs by the mutators.
TOKENS = [
    b"rateOf",
    b'<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/rateOf"/>',
    b"<apply><times/></apply>",
    b'import "/etc/hostname"\n',
    b'import "/proc/self/environ"\n',
    b'import "model.ant"\n',
    b'import "../x.ant"\n',
    b"1e308",
    b"-1e308",
    b"nan",
    b"inf",
    b"-0",
    b"1e-300",
    b"x1000000000",
    b"every 1e-9 h x1000000",
    b"999999999999999999999",
    b"\x00",
    b"\xff\xfe",
    b"\xc3\x28",
    b'encoding="x-unknown"',
    b"<!DOCTYPE x>",
    b"]]>",
    b"&lt;",
    b"''",
    b'""',
    b"[iiv]",
    b"fold_ = 1e-9",
    b'female_fraction = "half"',
    b"= []",
    b"= {}",
    b"= true",
    b"schema_version = 2",
    b'level="2" version="1"',
    b"CYP2D6",
    b"*1/*4x99",
    b"-5",
    b"0",
    b"\n",
    b"a" * 2000,
    b"(" * 600,
    b"</",
    b"<ci> J1 </ci>",
    b'id="' + b"m" * 1500 + b'"',
]


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to four byte-level or token-level edits."""
    buf = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.choice([6, 7]) if rng.random() < 0.4 else rng.randrange(8)  # 40 %: one value
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a bit
            i = min(at, len(buf) - 1)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert a random byte
            buf[at:at] = bytes([rng.randrange(256)])
        elif op == 2 and buf:  # delete a run
            del buf[at : at + rng.randint(1, 64)]
        elif op == 3:  # splice a token
            buf[at:at] = rng.choice(TOKENS)
        elif op == 4 and buf:  # duplicate a chunk
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start : start + rng.randint(1, 200)]
        elif op == 5:  # truncate
            del buf[at:]
        elif op == 6:  # replace a number with an extreme one
            digits = [i for i, b in enumerate(buf) if 48 <= b <= 57]
            if digits:
                i = rng.choice(digits)
                buf[i : i + 1] = rng.choice([b"1e308", b"-1", b"0", b"nan", b"99999999999"])
        else:  # replace a quoted value with a token
            quotes = [i for i, b in enumerate(buf) if b == 34]
            if len(quotes) >= 2:
                k = rng.randrange(len(quotes) - 1)
                buf[quotes[k] + 1 : quotes[k + 1]] = rng.choice(TOKENS).replace(b'"', b"")
    return bytes(buf)


def _omex(sbml: bytes, manifest: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "manifest.xml",
            manifest
            or b'<?xml version="1.0" encoding="UTF-8"?><omexManifest xmlns="http://identifiers.org/'
            b'combine.specifications/omex-manifest"><content location="./m.xml" format="http://'
            b'identifiers.org/combine.specifications/sbml" master="true"/></omexManifest>',
        )
        z.writestr("m.xml", sbml)
    return out.getvalue()


@dataclass
class Case:
    """One fuzz input: the file(s) it writes into a fresh folder and the command it runs."""

    kind: str
    files: dict[str, bytes]
    args: list[str]


def make_case(kind: str, index: int, seed: int, rng: random.Random) -> Case:
    """The ``index``-th input of ``kind``: a mutated seed and the command that reads it."""
    seed_bytes = {p.name: p.read_bytes() for p in SEEDS.iterdir() if p.is_file()}
    out_csv = ["-o", "out.csv"]
    end = rng.choice(["1", "10", "10", "10", "24 h", "1e308", "-1", "1 week"])
    sim = ["--end", end, "--points", "11"]
    if kind == "sbml":
        name = rng.choice(["tiny.xml", "l2v4.xml"])
        data = _mutate_bytes(seed_bytes[name], rng)
        cmd = rng.choice([["check", "in.xml"], ["simulate", "in.xml", *sim, *out_csv]])
        return Case(kind, {"in.xml": data}, cmd)
    if kind == "antimony":
        data = _mutate_bytes(seed_bytes["model.ant"], rng)
        flag = ["--allow-imports"] if rng.random() < 0.3 else []
        cmd = rng.choice([["info", "in.ant"], ["simulate", "in.ant", *sim, *out_csv]])
        return Case(kind, {"in.ant": data}, [*flag, *cmd])
    if kind == "omex":
        if rng.random() < 0.5:
            data = _mutate_bytes(_omex(seed_bytes["tiny.xml"]), rng)
        else:
            data = _omex(_mutate_bytes(seed_bytes["tiny.xml"], rng))
        return Case(
            kind,
            {"in.omex": data},
            rng.choice([["info", "in.omex"], ["simulate", "in.omex", *sim]]),
        )
    if kind in ("profile", "bindings"):
        profile = seed_bytes["profile.toml"]
        bindings = seed_bytes["case_bindings.toml"]
        if kind == "profile":
            profile = _mutate_bytes(profile, rng)
        else:
            bindings = _mutate_bytes(bindings, rng)
        files = {
            "p.toml": profile,
            "b.toml": bindings,
            "case_model.ant": seed_bytes["case_model.ant"],
        }
        cmd = ["simulate", "case_model.ant", "--profile", "p.toml", "--bindings", "b.toml"]
        return Case(
            kind, files, [*cmd, "--end", "24 h", "--points", "11", "--dose", "100 mg iv", *out_csv]
        )
    if kind == "population":
        files = {
            "pop.toml": _mutate_bytes(seed_bytes["population.toml"], rng),
            "b.toml": seed_bytes["bindings.toml"],
        }
        cmd = [
            "cohort", "example:cyp2d6_substrate", "--bindings", "b.toml", "--population",
            "pop.toml", "--n", "4", "--workers", "1", "--points", "25", "--dose", "100 mg oral",
            "--output-id", "[C_plasma]", "-o", "c.parquet",
        ]  # fmt: skip
        return Case(kind, files, cmd)
    if kind in ("case", "csv"):
        files = {
            k: seed_bytes[k]
            for k in ("case.toml", "case.csv", "case_bindings.toml", "case_model.ant")
        }
        target = "case.toml" if kind == "case" else "case.csv"
        files[target] = _mutate_bytes(files[target], rng)
        return Case(kind, files, ["validate", "case.toml", "-o", "report", "--no-pdf", "--no-html"])
    if kind == "dose":
        doses = seed_bytes["doses.txt"].decode().splitlines()
        dose = _mutate_bytes(rng.choice(doses).encode(), rng).decode("utf-8", "replace")
        dose = dose.replace("\x00", "")
        return Case(
            kind,
            {"in.xml": seed_bytes["tiny.xml"]},
            [
                "simulate",
                "in.xml",
                "--end",
                "24",
                "--points",
                "11",
                "--target",
                "S1",
                "--dose",
                dose,
                *out_csv,
            ],
        )
    raise ValueError(kind)


@dataclass
class Report:
    """Counts per kind and verdict, the slowest run and the largest peak RSS."""

    verdicts: Counter[tuple[str, str]] = field(default_factory=Counter)
    findings: list[tuple[Case, Outcome]] = field(default_factory=list)
    slowest: float = 0.0
    peak_mb: float = 0.0
    n: int = 0

    def add(self, case: Case, outcome: Outcome) -> None:
        self.n += 1
        self.verdicts[case.kind, outcome.verdict] += 1
        self.slowest = max(self.slowest, outcome.seconds)
        self.peak_mb = max(self.peak_mb, outcome.peak_rss_mb)
        if outcome.verdict not in ("ok", "clean-error"):
            self.findings.append((case, outcome))

    def summary(self) -> str:
        bad = Counter(
            v
            for (_, v), c in self.verdicts.items()
            for _ in range(c)
            if v not in ("ok", "clean-error")
        )
        ok = sum(c for (_, v), c in self.verdicts.items() if v == "ok")
        clean = sum(c for (_, v), c in self.verdicts.items() if v == "clean-error")
        kinds = Counter(k for (k, _), c in self.verdicts.items() for _ in range(c))
        return (
            f"{self.n} inputs ({', '.join(f'{k} {kinds[k]}' for k in KINDS if kinds[k])}): "
            f"{ok} ran, {clean} clean errors (exit 2, one line); findings: "
            f"{dict(bad) or 'none'}; slowest {self.slowest:.1f} s; largest peak RSS "
            f"{self.peak_mb:.0f} MB"
        )


def cases(n: int, seed: int, kinds: tuple[str, ...] = KINDS) -> Iterator[tuple[int, Case]]:
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        yield i, make_case(kinds[i % len(kinds)], i, seed, rng)


def fuzz(
    n: int,
    seed: int,
    *,
    kinds: tuple[str, ...] = KINDS,
    timeout: float = 60.0,
    save: Path | None = None,
    on_result: Callable[[int, Case, Outcome], None] | None = None,
    stop_after_s: float | None = None,
) -> Report:
    """Run ``n`` inputs (fewer when ``stop_after_s`` runs out); return the report."""
    import time

    from tests.fuzz.harness import warm

    warm()
    report = Report()
    start = time.monotonic()
    for i, case in cases(n, seed, kinds):
        if stop_after_s is not None and time.monotonic() - start > stop_after_s:
            break
        with tempfile.TemporaryDirectory(prefix="sbmltwin-fuzz-") as tmp:
            folder = Path(tmp) / "work"
            folder.mkdir()
            for name, data in case.files.items():
                (folder / name).write_bytes(data)
            outcome = run_cli(case.args, timeout=timeout, cwd=folder)
            report.add(case, outcome)
            if save is not None and outcome.verdict not in ("ok", "clean-error"):
                dest = save / f"{i:06d}-{case.kind}-{outcome.verdict}"
                shutil.copytree(folder, dest, dirs_exist_ok=True)
                (dest / "COMMAND").write_text(
                    "sbmltwin "
                    + " ".join(repr(a) for a in case.args)
                    + f"\n\n{outcome.stderr[-4000:]}",
                    encoding="utf-8",
                )
        if on_result is not None:
            on_result(i, case, outcome)
    return report
