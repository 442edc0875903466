"""Shared part of ``tools/build_<drug>_cases.py``: read ../shared/clinical, write validation cases.

The drug scripts decide *what* goes into a case (studies, groups, profiles, roles); this module only
reads the two shared formats (OSP time courses and PK-DB curation tables, see
``../shared/clinical/README.md``) and writes the files:

* ``<Case>.toml`` + ``<Case>.csv`` — a validation case in the format of ``sbmltwin.validate.cases``
  (observed means copied unchanged; columns group, output, time, time_unit, value, value_unit, sd);
* ``<Study>.summary.csv`` — published summary statistics of the study's groups (AUC with its window,
  Cmax, tmax, t½, CL/F … with n and SD/SE/CV), the format described in ``write_summary``;
* ``studies.csv`` and ``README.md`` — one row per study: role, source, files, what was left out.

Numbers are never changed; the only edits are unit-free selections (which series) and the
dropping of negative concentrations (digitisation below zero), which is counted in the README.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sbmltwin.validate.summary import (  # the format the case loader reads
    COMPARED_METRICS,
    DOSE_COLUMN,
    SUMMARY_COLUMNS,
)


def toml_val(v: Any) -> str:
    """A TOML literal for ``v`` (str, number, bool, list, table)."""
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_val(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_val(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "/").replace('"', "'") + '"'
    return repr(v)


@dataclass
class Group:
    """One group of a case: ``profile`` (genotype, weight …) or ``mixture`` (population mixture);
    ``trial``: the group as a virtual trial (``trial_spec``)."""

    name: str
    description: str
    profile: dict[str, Any] = field(default_factory=dict)
    mixture: dict[str, Any] | None = None
    genotype_defined: bool = True
    trial: dict[str, Any] | None = None


#: twins of a virtual-trial group: the study's n, at most this many (the cost of ``sbmltwin
#: demo``, which runs every case: it must stay under 3 minutes on 2 cores)
TRIAL_CAP = 24
TRIAL_SEED = 1


def trial_spec(
    n: float | None,
    *,
    female_fraction: float | None = None,
    age: tuple[float, float] | None = None,
    weight: tuple[float, float] | None = None,
    population: str | None = None,
) -> dict[str, Any] | None:
    """The ``trial = {...}`` of a group whose study n is known (n ≥ 2; else None: one twin):
    min(n, TRIAL_CAP) twins, and the study's share of women, age and weight ranges (min–max)
    and CPIC group where the curation gives them. The rule looks at data availability only."""
    if n is None or not math.isfinite(n) or n < 2:
        return None
    spec: dict[str, Any] = {"n": int(min(n, TRIAL_CAP)), "seed": TRIAL_SEED}
    if female_fraction is not None:
        spec["female_fraction"] = round(female_fraction, 4)
    if age is not None:
        spec["age"] = f"{age[0]:g}-{age[1]:g} years"
    if weight is not None:
        spec["weight"] = f"{weight[0]:g}-{weight[1]:g} kg"
    if population is not None:
        spec["population"] = population
    return spec


@dataclass
class CaseArm:
    """One arm of a case with arms (``[arms.NAME]``): its regimen; the observation rows of the
    case name its groups ``GROUP@NAME``."""

    name: str
    doses: list[str]
    end_h: float
    note: str


@dataclass
class Case:
    """One validation case (one regimen, or several ``arms``): what ``write_case`` writes."""

    id: str
    model: str
    source: str
    citation: str
    role: str
    doses: list[str]
    end_h: float
    dose_note: str
    groups: list[Group]
    outputs: dict[str, tuple[str, str]]  # name -> (model id, molecular weight text)
    rows: list[list[Any]] = field(default_factory=list)  # observation rows (see OBS_COLUMNS)
    ratios: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (numerator, denominator, output)
    notes: list[str] = field(default_factory=list)
    summary: str | None = None  # the study's summary file (beside the case)
    arm: str | None = None  # this case's rows of it are the groups "NAME@ARM"
    after_dose: str | int | None = None  # multiple doses: the dose summary rows count from
    steady_state: bool = False  # the study states its summary rows are at steady state
    summary_outputs: list[str] | None = None  # a summary-only case: the outputs of its rows
    table_groups: list[str] = field(default_factory=list)  # groups judged on tables only
    arms: list[CaseArm] = field(default_factory=list)  # a case with arms (doses/end_h unused)


def merge_arms(case_id: str, parts: Sequence[tuple[str, Case]]) -> Case:
    """One case with arms from the one-regimen cases of one study whose groups are the same
    (same names, descriptions, profiles, mixtures, trials: the same subjects dosed several
    ways).
    Each part becomes the arm of its name; its rows and ratios name ``GROUP@ARM``."""
    first = parts[0][1]
    key = [(g.name, g.description, g.profile, g.mixture, g.trial) for g in first.groups]
    for arm, c in parts:
        assert [(g.name, g.description, g.profile, g.mixture, g.trial) for g in c.groups] == key, (
            f"{case_id}: arm {arm} has other groups than {parts[0][0]}"
        )
        same = (c.source, c.citation, c.role, c.model, c.summary, c.outputs)
        assert same == (
            first.source,
            first.citation,
            first.role,
            first.model,
            first.summary,
            first.outputs,
        ), f"{case_id}: arm {arm} differs in source, role, model, summary or outputs"
        assert c.summary_outputs is None and not c.table_groups, f"{case_id}: {arm} tables only"
        assert c.steady_state == first.steady_state, f"{case_id}: steady_state differs"
    # the dose summary rows count from is one key of the case: the same for every
    # multiple-dose arm (a single-dose arm has dose 1 only, which any stated dose means)
    refs = sorted({c.after_dose for _, c in parts if c.after_dose is not None}, key=str)
    assert len(refs) <= 1, f"{case_id}: arms count summary rows from different doses {refs}"
    return Case(
        id=case_id,
        model=first.model,
        source=first.source,
        citation=first.citation,
        role=first.role,
        doses=[],
        end_h=0.0,
        dose_note="",
        groups=first.groups,
        outputs=first.outputs,
        rows=[[f"{r[0]}@{arm}", *r[1:]] for arm, c in parts for r in c.rows],
        ratios=[(f"{a}@{arm}", f"{b}@{arm}", o) for arm, c in parts for a, b, o in c.ratios],
        notes=[n for _, c in parts for n in c.notes],
        summary=first.summary,
        arms=[CaseArm(arm, c.doses, c.end_h, c.dose_note) for arm, c in parts],
        after_dose=refs[0] if refs else None,
        steady_state=first.steady_state,
    )


OBS_COLUMNS = ["group", "output", "time", "time_unit", "value", "value_unit", "sd"]


def write_case(out: Path, case: Case) -> None:
    """Write ``<id>.toml`` and ``<id>.csv`` for ``case`` into ``out`` (a case of published
    summary statistics only — ``summary_outputs`` set, no rows — gets no CSV; a case with
    ``arms`` names its groups ``GROUP@ARM`` in the rows)."""
    table_only = case.summary_outputs is not None
    seen = (
        {g.name for g in case.groups}
        if table_only
        else {r[0].split("@")[0] if case.arms else r[0] for r in case.rows}
    )
    seen |= set(case.table_groups)
    groups = [g for g in case.groups if g.name in seen]
    assert groups, f"{case.id}: no observations"
    if not table_only:
        with open(out / f"{case.id}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(OBS_COLUMNS)
            w.writerows(case.rows)
    lines = [
        "schema_version = 1",
        f"id = {toml_val(case.id)}",
        f"source = {toml_val(case.source)}",
        f"citation = {toml_val(case.citation)}",
        f"model = {toml_val(case.model)}",
        f"role = {toml_val(case.role)}",
        "",
    ]
    if not case.arms:
        lines += [
            "[regimen]",
            *[f"# {line}" for line in case.dose_note.splitlines()],
            f"doses = {toml_val(case.doses)}",
            f'end = "{case.end_h:g} h"',
            "",
        ]
    for arm in case.arms:  # the same groups dosed several ways: observations say GROUP@ARM
        lines += [
            f"[arms.{arm.name}]",
            f"description = {toml_val(' '.join(arm.note.split()))}",
            f"doses = {toml_val(arm.doses)}",
            f'end = "{arm.end_h:g} h"',
            "",
        ]
    for g in groups:
        kind = "genotype-defined" if g.genotype_defined else "population mixture"
        lines += [f"[groups.{g.name}]", f"description = {toml_val(g.description + f' [{kind}]')}"]
        if g.mixture is not None:
            lines.append(f"mixture = {toml_val(g.mixture)}")
        if g.profile or g.mixture is None:
            lines.append(f"profile = {toml_val(g.profile)}")
        if g.trial is not None:
            lines.append(f"trial = {toml_val(g.trial)}")
        lines.append("")
    lines += ["[observed]"] + ([] if table_only else [f'file = "{case.id}.csv"'])
    if case.summary is not None:
        lines.append(f"summary = {toml_val(case.summary)}")
        if case.arm and not case.arms:
            lines.append(f"arm = {toml_val(case.arm)}")
        if case.after_dose is not None:
            lines.append(f"after_dose = {toml_val(case.after_dose)}")
        if case.steady_state:
            lines.append("steady_state = true")
    lines += ["", "[outputs]"]
    used = set(case.summary_outputs or ()) | {r[1] for r in case.rows}
    for name, (sid, mw) in case.outputs.items():
        if name in used:
            lines.append(f"{name} = {{ id = {toml_val(sid)}, molecular_weight = {toml_val(mw)} }}")
    lines += ["", "[acceptance]", "fold = 2.0"]
    names = {g.name for g in groups}
    if case.arms:
        names = {f"{g}@{a.name}" for a in case.arms for g in names}
    ratios = [r for r in case.ratios if r[0] in names and r[1] in names]
    if ratios:
        items = [
            {"numerator": a, "denominator": b, "metric": "AUC", "output": o} for a, b, o in ratios
        ]
        lines.append(f"ratios = {toml_val(items)}")
    (out / f"{case.id}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_summary(out: Path, study: str, rows: Sequence[Mapping[str, Any]]) -> Path | None:
    """Write ``<study>.summary.csv``: one published statistic per row.

    Columns: group, output, metric (AUC, AUC_inf, Cmax, tmax, t_half, CL_F, CL, CL_renal, Vd,
    fe_urine, AUC_ratio …), statistic (mean, geometric_mean, median; ``unstated`` when the curation
    gives a group value without saying which), value, unit, sd, se, cv, n,
    window_start/window_end/window_unit (the AUC window; ``inf`` for AUC to infinity),
    source_table (the curation file the number came from). Empty cells = not reported. A last
    column ``dose`` (which dose of a multiple-dose regimen the row counts from) is written
    when a row has one.
    """
    if not rows:
        return None
    path = out / f"{study}.summary.csv"
    columns = SUMMARY_COLUMNS
    if any(r.get(DOSE_COLUMN) is not None for r in rows):
        columns = (*SUMMARY_COLUMNS, DOSE_COLUMN)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(r.get(k)) for k in columns})
    return path


def _cell(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    return v


# ---------------------------------------------------------------------------------------------
# OSP time courses (format A)


def osp_rows(
    frame: pd.DataFrame, group: str, output: str, dropped: list[str], case_id: str
) -> list[list[Any]]:
    """Observation rows from one OSP data set (rows of ``timecourses/<study>.tsv``), unchanged
    except that negative values (digitised below zero) are dropped and counted in ``dropped``."""
    rows = []
    for _, r in frame.sort_values("time_h").iterrows():
        if r.value < 0:
            dropped.append(f"{case_id} {group}/{output}: t={r.time_h:.3g} h value {r.value:.3g}")
            continue
        sd: Any = "" if pd.isna(r.error) or r.error == 0 else r.error
        if sd != "" and r.error_unit != r.value_unit and r.value_mg_per_l:
            sd = r.error_mg_per_l / r.value_mg_per_l * r.value  # the SD in the value's unit
        rows.append([group, output, r.time_h, "h", r.value, r.value_unit, sd])
    return rows


def osp_n(frame: pd.DataFrame) -> float | None:
    """The group size of one OSP data set (its ``n`` column), None when not stated."""
    values = {float(x) for x in frame["n"] if pd.notna(x)}
    return values.pop() if len(values) == 1 else None


# ---------------------------------------------------------------------------------------------
# PK-DB curation tables (format B)

PKDB_METRICS = {
    "auc_end": "AUC",
    "auc_inf": "AUC_inf",
    "cmax": "Cmax",
    "tmax": "tmax",
    "thalf": "t_half",
    "clearance": "CL",
    "oral clearance": "CL_F",
    "oral-clearance": "CL_F",
    "clearance_renal": "CL_renal",
    "vd": "Vd",
    "vd_ss": "Vss",
    "recovery": "fe_urine",
    "auc_ratio": "AUC_ratio",
    "bioavailability": "F",
    "mrt": "MRT",
}


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def num(x: Any) -> float:
    """A float from a PK-DB cell (``NA``/empty → NaN)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def pkdb_group_rows(study_dir: Path) -> pd.DataFrame:
    """All group-level (not individual) rows of the study's Fig*/Tab* files with a file column."""
    frames = []
    for p in sorted(study_dir.glob("*_*.tsv")):
        kind = p.stem.split("_", 1)[1]
        if kind in ("TabGroups", "TabIndividuals", "TabInterventions"):
            continue
        d = read_tsv(p)
        if "measurement_type" not in d or "group" not in d:
            continue
        if "individual" in d:
            d = d[d["individual"].isin(["", "NA"])]
        d = d.assign(file=p.name)
        frames.append(d)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def pkdb_series(rows: pd.DataFrame, group: str, intervention: str, substance: str) -> pd.DataFrame:
    """Concentration time-course rows (group mean) of one group/intervention/substance."""
    d = rows[
        (rows["measurement_type"] == "concentration")
        & (rows["group"] == group)
        & (rows["intervention"] == intervention)
        & (rows["substance"] == substance)
    ]
    return d.assign(t=d["time"].map(num), m=d["mean"].map(num)).sort_values("t")


def pkdb_obs_rows(
    series: pd.DataFrame,
    group: str,
    output: str,
    *,
    shift_h: float = 0.0,
    dropped: list[str],
    case_id: str,
) -> list[list[Any]]:
    """Observation rows (unchanged means and SDs; SD from SE × √n when only SE is given is NOT
    derived — left empty) from one PK-DB series; times shifted by ``shift_h`` hours."""
    out = []
    for _, r in series.iterrows():
        unit_t = r["time_unit"]
        factor = {"hr": 1.0, "h": 1.0, "min": 1 / 60, "day": 24.0}[unit_t]
        t = r["t"] * factor + shift_h
        if math.isnan(r["m"]) or math.isnan(t):
            continue
        if r["m"] < 0:
            dropped.append(f"{case_id} {group}/{output}: t={t:.3g} h mean {r['m']:.3g}")
            continue
        sd = num(r.get("sd", ""))
        unit = r["unit"].replace("ml", "mL")
        out.append([group, output, t, "h", r["m"], unit, "" if math.isnan(sd) else sd])
    return out


def pkdb_summary(
    rows: pd.DataFrame,
    groups: Mapping[str, str],
    interventions: Mapping[str, str],
    outputs: Mapping[str, str],
    doses: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Summary-statistic rows for the chosen ``groups`` (PK-DB id → case group name),
    ``interventions`` (PK-DB intervention string → label kept in the group column) and
    ``outputs`` (PK-DB substance → output name). ``doses``: per intervention, a word of the
    curation's comment (e.g. "evening") → the dose the row counts from (its ``dose`` cell)."""
    out: list[dict[str, Any]] = []
    tab = rows[rows["file"].str.contains("_Tab")]
    for _, r in tab.iterrows():
        metric = PKDB_METRICS.get(r["measurement_type"])
        if (
            metric is None
            or r["group"] not in groups
            or r["intervention"] not in interventions
            or r["substance"] not in outputs
        ):
            continue
        stat, value = "mean", num(r.get("mean"))
        if math.isnan(value) and not math.isnan(num(r.get("geomean"))):
            stat, value = "geometric_mean", num(r["geomean"])
        if math.isnan(value) and not math.isnan(num(r.get("median"))):
            stat, value = "median", num(r["median"])
        if math.isnan(value) and not math.isnan(num(r.get("value"))):
            stat, value = "unstated", num(r["value"])  # a group row with only a "value" column
        if math.isnan(value):
            continue
        window = (0.0, num(r.get("time")), r.get("time_unit", "")) if metric == "AUC" else None
        if metric == "AUC_inf":
            window = (0.0, math.inf, "h")
        label = interventions[r["intervention"]]
        out.append(
            {
                "group": groups[r["group"]] + (f"@{label}" if label else ""),
                "output": outputs[r["substance"]],
                "metric": metric,
                "statistic": stat,
                "value": value,
                "unit": r["unit"],
                "sd": num(r.get("sd")),
                "se": num(r.get("se")),
                "cv": num(r.get("cv")),
                "n": num(r.get("count")),
                "window_start": window[0] if window else None,
                "window_end": ("inf" if window and math.isinf(window[1]) else window[1])
                if window
                else None,
                "window_unit": ("h" if window and window[2] in ("hr", "h") else window[2])
                if window
                else None,
                "source_table": r["file"],
                DOSE_COLUMN: next(
                    (
                        d
                        for word, d in (doses or {}).get(r["intervention"], {}).items()
                        if word in str(r.get("comments", "")).lower()
                    ),
                    None,
                ),
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# index and README


@dataclass
class StudyEntry:
    study: str
    role: str
    source: str
    files: list[str]
    regimen: str
    groups: str
    note: str = ""


def write_index(
    out: Path,
    drug: str,
    entries: Iterable[StudyEntry],
    *,
    header: str,
    dropped: Sequence[str],
    left_out: Sequence[tuple[str, str]],
) -> None:
    """``studies.csv`` (machine-readable) and ``README.md`` (people) for ``validation/<drug>/``."""
    entries = sorted(entries, key=lambda e: e.study.lower())
    with open(out / "studies.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["study", "role", "source", "files", "regimen", "groups", "note"])
        for e in entries:
            w.writerow([e.study, e.role, e.source, " ".join(e.files), e.regimen, e.groups, e.note])
    lines = [
        f"# Validation cases: {drug}",
        "",
        header.strip(),
        "",
        "| study | role | source | files | regimen | groups |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        files = ", ".join(f"`{x}`" for x in e.files)
        lines.append(
            f"| {e.study} | {e.role} | {e.source} | {files} | {e.regimen} | {e.groups}"
            + (f" ({e.note})" if e.note else "")
            + " |"
        )
    lines += ["", "## Left out", ""]
    lines += [f"* {what}: {why}" for what, why in left_out] or ["* nothing"]
    lines += ["", f"## Negative concentrations dropped ({len(dropped)})", ""]
    lines += [f"* {d}" for d in dropped] or ["* none"]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# PK-DB studies → cases (glimepiride, losartan)


@dataclass
class Arm:
    """One case from one PK-DB intervention: ``key`` is the Fig files' intervention string."""

    case_id: str
    study: str
    key: str
    doses: list[str]
    end_h: float
    note: str
    shift_h: float = 0.0  # added to observed times (multiple dosing written from the first dose)
    groups: list[str] | None = None  # PK-DB groups to keep (default: every group with a series)
    after_dose: str | int | None = None  # multiple doses: the dose its summary rows count from
    steady_state: bool = False  # the study states its summary rows are at steady state
    #: a word of a summary row's curation comment → the dose it counts from ("evening": 2)
    row_doses: dict[str, str] = field(default_factory=dict)


@dataclass
class PkdbSpec:
    drug: str
    gene: str
    analytes: dict[str, str]  # PK-DB substance -> output name
    outputs: dict[str, tuple[str, str]]  # output name -> (model id, MW text)
    training: set[str]
    arms: list[Arm]
    population: dict[str, str]  # study -> CPIC population of its ungenotyped groups
    references: dict[str, tuple[str, str]]  # study -> (source, citation)
    group_overrides: dict[tuple[str, str], Group] = field(default_factory=dict)
    summary_only: dict[str, list[str]] = field(default_factory=dict)  # study -> interventions
    #: studies (or arms) with published tables but no time course: one summary-only case each
    summary_arms: list[Arm] = field(default_factory=list)
    summary_extra: dict[str, str] = field(default_factory=dict)  # e.g. ratio "substances"
    #: a case with arms -> the arms' case ids (one study, the same groups): written as one case
    #: whose arms are named by their intervention (as the summary rows name them)
    merged: dict[str, list[str]] = field(default_factory=dict)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    header: str = ""


def _study_groups(study_dir: Path, study: str) -> pd.DataFrame:
    p = study_dir / f"{study}_TabGroups.tsv"
    return read_tsv(p) if p.exists() else pd.DataFrame(columns=["name", "measurement_type"])


def pkdb_group(spec: PkdbSpec, study_dir: Path, study: str, gid: str, n: str) -> Group:
    """The case group for PK-DB group ``gid``: its curated diplotype of ``spec.gene`` when there
    is exactly one, else a mixture of all classes of the study population; weight when given."""
    if (study, gid) in spec.group_overrides:
        return spec.group_overrides[(study, gid)]
    tg = _study_groups(study_dir, study)
    rows = tg[tg["name"] == gid]
    geno = rows[rows["measurement_type"].str.lower() == f"{spec.gene.lower()} genotype"]
    diplotypes = sorted(set(geno["choice"]) - {"NA", ""})
    weight = rows[rows["measurement_type"] == "weight"]["mean"].map(num)
    profile: dict[str, Any] = {}
    if len(weight) and not math.isnan(weight.iloc[0]):
        profile["weight"] = f"{weight.iloc[0]:g} kg"
    count = f"n={num(n):g}" if not math.isnan(num(n)) else "n not reported"
    if len(diplotypes) == 1:
        profile["genotype"] = {spec.gene: diplotypes[0]}
        return Group(_safe(gid), f"{gid}: {spec.gene} {diplotypes[0]}, {count}", profile)
    pop = spec.population.get(study, "European")
    mixture = {"gene": spec.gene, "population": pop, "exclude_phenotypes": []}
    return Group(
        _safe(gid),
        f"{gid}: {count}, no single {spec.gene} diplotype curated for the group → {pop} mixture of all classes",
        profile,
        mixture,
        genotype_defined=False,
    )


def _characteristics(tg: pd.DataFrame, gid: str) -> dict[str, pd.DataFrame]:
    """Group ``gid``'s TabGroups rows by measurement type, inherited from its parent groups
    (the nearest group that states a characteristic gives it)."""
    found: dict[str, pd.DataFrame] = {}
    seen: set[str] = set()
    name = gid
    while name and name not in seen and name not in ("NA", ""):
        seen.add(name)
        rows = tg[tg["name"] == name]
        for kind, part in rows.groupby("measurement_type"):
            found.setdefault(str(kind), part)
        parents = [p for p in rows.get("parent", pd.Series(dtype=str)) if p not in ("NA", "")]
        name = parents[0] if parents else ""
    return found


def _min_max(rows: pd.DataFrame | None, units: set[str]) -> tuple[float, float] | None:
    if rows is None or rows.empty or rows["unit"].iloc[0] not in units:
        return None
    lo, hi = num(rows["min"].iloc[0]), num(rows["max"].iloc[0])
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) and lo < hi else None


def pkdb_trial(
    spec: PkdbSpec, study_dir: Path, study: str, gid: str, n: Any, mixture: bool
) -> dict[str, Any] | None:
    """``trial_spec`` from the study's TabGroups: n, share of women (sex rows M/F with counts),
    age and weight ranges (min–max); the study's CPIC group for a genotype-defined group (a
    mixture takes it from its ``mixture``)."""
    info = _characteristics(_study_groups(study_dir, study), gid)
    female = None
    sex = info.get("sex")
    if sex is not None:
        counts = {c: num(k) for c, k in zip(sex["choice"], sex["count"], strict=True)}
        if set(counts) <= {"M", "F"} and all(math.isfinite(v) for v in counts.values()):
            female = counts.get("F", 0.0) / sum(counts.values())
    return trial_spec(
        num(n),
        female_fraction=female,
        age=_min_max(info.get("age"), {"year", "yr", "years"}),
        weight=_min_max(info.get("weight"), {"kg"}),
        population=None if mixture else spec.population.get(study, "European"),
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def _group_count(sdir: Path, study: str, gid: str) -> float | None:
    """The group's size in the curation's group table (the table rows' ``count`` may be the
    whole study's), or None."""
    tg = _study_groups(sdir, study)
    if "group_count" not in tg.columns:
        return None
    counts = tg[tg["name"] == gid]["group_count"].map(num).dropna()
    return float(counts.iloc[0]) if len(counts) else None


def _compared_rows(
    spec: PkdbSpec, summary: Sequence[Mapping[str, Any]], label: str
) -> list[Mapping[str, Any]]:
    """The summary rows of arm ``label`` that sbmltwin compares (a metric it predicts, of an
    output of the drug's cases)."""
    return [
        r
        for r in summary
        if r["group"].partition("@")[2] == label
        and r["metric"] in COMPARED_METRICS
        and r["output"] in spec.outputs
    ]


def _add_table_groups(
    spec: PkdbSpec,
    sdir: Path,
    study: str,
    case: Case,
    summary: Sequence[Mapping[str, Any]],
    label: str,
    kept_groups: Mapping[str, str],
) -> None:
    """Add to ``case`` the genotype-defined groups of its arm that the study reports in tables
    only (e.g. Kim2017's CYP2C9 *1/*1 and *1/*3): judged on their published statistics. Pooled
    or phenotype-mixture table groups are not added (they overlap the case's groups)."""
    by_name = {name: gid for gid, name in kept_groups.items()}
    have = {g.name for g in case.groups}
    mine = _compared_rows(spec, summary, label)
    for name in dict.fromkeys(r["group"].partition("@")[0] for r in mine):
        if name in have or name not in by_name:
            continue
        n = _group_count(sdir, study, by_name[name]) or next(
            r["n"] for r in mine if r["group"].partition("@")[0] == name
        )
        group = pkdb_group(spec, sdir, study, by_name[name], n)
        if group.genotype_defined:
            group = dataclasses.replace(
                group, description="published tables only — " + group.description
            )
            case.groups.append(group)
            case.table_groups.append(group.name)


def _summary_case(
    spec: PkdbSpec,
    sdir: Path,
    study: str,
    arm: Arm,
    summary: Sequence[Mapping[str, Any]],
    label: str,
    kept_groups: Mapping[str, str],
    role: str,
) -> Case | None:
    """A case of published summary statistics only (``[observed] summary`` without ``file``) for
    a table-only arm: its groups are those with a statistic sbmltwin compares (None: none)."""
    mine = _compared_rows(spec, summary, label)
    if not mine:
        return None
    by_name = {name: gid for gid, name in kept_groups.items()}
    names = list(dict.fromkeys(r["group"].partition("@")[0] for r in mine))
    groups = [
        pkdb_group(
            spec,
            sdir,
            study,
            by_name[g],
            next(r["n"] for r in mine if r["group"].partition("@")[0] == g),
        )
        for g in names
    ]
    return Case(
        id=arm.case_id,
        model=spec.drug,
        source=spec.references[study][0],
        citation=spec.references[study][1],
        role=role,
        doses=arm.doses,
        end_h=arm.end_h,
        dose_note=arm.note + "; published tables only (no time course)",
        groups=groups,
        outputs=spec.outputs,
        summary=None,
        arm=label or None,
        after_dose=arm.after_dose,
        steady_state=arm.steady_state,
        summary_outputs=sorted({r["output"] for r in mine}, key=list(spec.outputs).index),
    )


def _merge(spec: PkdbSpec, pending: Sequence[tuple[Case, Arm]]) -> list[Case]:
    """The study's cases to write: ``spec.merged`` cases with arms in place of their parts."""
    by_id = {c.id: (c, a) for c, a in pending}
    part_of = {part: new for new, parts in spec.merged.items() for part in parts}
    out: list[Case] = []
    for case, _ in pending:
        new = part_of.get(case.id)
        if new is None:
            out.append(case)
        elif new not in {c.id for c in out}:
            parts = [by_id[p] for p in spec.merged[new]]
            # an arm is named as the summary rows name it, else by its old case-id suffix
            out.append(
                merge_arms(
                    new,
                    [
                        (_safe(a.key) if c.summary else c.id.removeprefix(f"{a.study}_"), c)
                        for c, a in parts
                    ],
                )
            )
    return out


def build_pkdb(spec: PkdbSpec, shared: Path, out: Path) -> None:
    """Write every arm of ``spec`` as a case, every study's summary statistics, and the index."""
    out.mkdir(parents=True, exist_ok=True)
    dropped: list[str] = []
    entries: dict[str, StudyEntry] = {}
    rows_by_study: dict[str, pd.DataFrame] = {}
    arms_by_study: dict[str, list[Arm]] = {}
    for arm in spec.arms:
        arms_by_study.setdefault(arm.study, []).append(arm)
    table_arms: dict[str, list[Arm]] = {}
    for arm in spec.summary_arms:
        table_arms.setdefault(arm.study, []).append(arm)
    for study in sorted(set(arms_by_study) | set(spec.summary_only) | set(table_arms)):
        sdir = shared / study
        rows = rows_by_study.setdefault(study, pkdb_group_rows(sdir))
        source, citation = spec.references[study]
        role = "training" if study in spec.training else "validation"
        entry = entries.setdefault(study, StudyEntry(study, role, source, [], "", ""))
        kept_groups: dict[str, str] = {}
        pending: list[tuple[Case, Arm]] = []  # written once the summary file is known
        for arm in arms_by_study.get(study, []):
            series = rows[
                (rows["measurement_type"] == "concentration")
                & (rows["intervention"] == arm.key)
                & (rows["substance"].isin(list(spec.analytes)))
            ]
            case = Case(
                id=arm.case_id,
                model=spec.drug,
                source=source,
                citation=citation,
                role=role,
                doses=arm.doses,
                end_h=arm.end_h,
                dose_note=arm.note,
                groups=[],
                outputs=spec.outputs,
            )
            for gid, gdata in series.groupby("group", sort=False):
                if arm.groups is not None and gid not in arm.groups:
                    continue
                group = pkdb_group(spec, sdir, study, gid, gdata["count"].iloc[0])
                group = replace(
                    group,
                    trial=pkdb_trial(
                        spec, sdir, study, gid, gdata["count"].iloc[0], group.mixture is not None
                    ),
                )
                kept_groups[gid] = group.name
                case.groups.append(group)
                for substance, output in spec.analytes.items():
                    s = pkdb_series(rows, gid, arm.key, substance)
                    if len(s) < 3:
                        continue
                    case.rows += pkdb_obs_rows(
                        s,
                        group.name,
                        output,
                        shift_h=arm.shift_h,
                        dropped=dropped,
                        case_id=arm.case_id,
                    )
            genotyped = [g for g in case.groups if "genotype" in g.profile]
            ref = next((g for g in genotyped if g.profile["genotype"][spec.gene] == "*1/*1"), None)
            if ref is not None:
                case.ratios = [
                    (g.name, ref.name, o)
                    for g in genotyped
                    if g is not ref
                    for o in spec.analytes.values()
                    if {g.name, ref.name} <= {r[0] for r in case.rows if r[1] == o}
                ]
            assert case.rows, f"{arm.case_id}: no observations"
            pending.append((case, arm))
            for g in case.groups:
                if g.description not in entry.groups:
                    entry.groups += ("; " if entry.groups else "") + g.description
            print(arm.case_id, role, len(case.rows))
        keys = [a.key for a in arms_by_study.get(study, [])] + spec.summary_only.get(study, [])
        keys += [a.key for a in table_arms.get(study, []) if a.key not in keys]
        tg = _study_groups(sdir, study)
        for gid in set(rows["group"]) | set(tg.get("name", [])):
            kept_groups.setdefault(gid, _safe(gid))
        summary = pkdb_summary(
            rows,
            kept_groups,
            {k: "" if len(keys) == 1 else _safe(k) for k in keys},
            {**spec.analytes, **spec.summary_extra},
            {a.key: a.row_doses for a in arms_by_study.get(study, []) if a.row_doses},
        )
        path = write_summary(out, study, summary)
        for case, arm in pending:
            if path is not None:
                case.summary = path.name
                case.arm = _safe(arm.key) if len(keys) > 1 else None
                case.after_dose, case.steady_state = arm.after_dose, arm.steady_state
                label = _safe(arm.key) if len(keys) > 1 else ""
                _add_table_groups(spec, sdir, study, case, summary, label, kept_groups)
        for case in _merge(spec, pending):
            write_case(out, case)
            entry.files += [f"{case.id}.toml", f"{case.id}.csv"]
            regimens = (
                [f"{case.id}@{a.name}: {', '.join(a.doses)}" for a in case.arms]
                if case.arms
                else [f"{case.id}: {', '.join(case.doses)}"]
            )
            entry.regimen = "; ".join([*filter(None, [entry.regimen]), *regimens])
        for arm in table_arms.get(study, []):
            label = _safe(arm.key) if len(keys) > 1 else ""
            case = _summary_case(spec, sdir, study, arm, summary, label, kept_groups, role)
            if case is None or path is None:
                entry.note += (
                    "; " if entry.note else ""
                ) + f"{arm.key}: no statistic sbmltwin compares in its tables (no case)"
                continue
            case.summary = path.name
            write_case(out, case)
            entry.files.append(f"{case.id}.toml")
            entry.regimen += ("; " if entry.regimen else "") + (
                f"{case.id}: {', '.join(arm.doses)} (tables only)"
            )
            print(case.id, role, "summary only")
        if path is not None:
            entry.files.append(path.name)
            counts = rows.drop_duplicates("group").set_index("group")["count"]
            conc = rows[rows["measurement_type"] == "concentration"]
            in_cases = {
                g
                for a in arms_by_study.get(study, [])
                for g in conc[conc["intervention"] == a.key]["group"]
            }
            for gid in sorted(
                {g for g in counts.index if _safe(g) in {r["group"].split("@")[0] for r in summary}}
                - in_cases
            ):
                desc = (
                    "summary only — "
                    + pkdb_group(
                        spec, sdir, study, gid, _group_count(sdir, study, gid) or counts[gid]
                    ).description
                )
                entry.groups += ("; " if entry.groups else "") + desc
            if study in spec.summary_only and not arms_by_study.get(study):
                entry.note = "summary statistics only (no time course)" + (
                    f"; {entry.note}" if entry.note else ""
                )
    write_index(
        out,
        spec.drug,
        entries.values(),
        header=spec.header,
        dropped=dropped,
        left_out=spec.left_out,
    )
