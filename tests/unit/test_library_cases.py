"""The model-library validation cases of issue 15 (atomoxetine, omeprazole, glimepiride, losartan).

Their models are still to be built (issue 14's builder), so these tests check what can be checked
without a model: every generated case loads with sbmltwin's case loader, its regimen and units
parse, its observations name only its groups and outputs, the roles follow the committed protocol
(model_library/<drug>/README.md), the summary-statistics files have the documented columns, and —
when ../shared is present — the generator scripts reproduce the committed files byte for byte.
"""

from __future__ import annotations

import csv
import filecmp
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sbmltwin.engine import parse_regimen
from sbmltwin.units import parse_quantity
from sbmltwin.validate.cases import find_cases, load_case, split_by_model
from sbmltwin.validate.summary import COMPARED_METRICS, read_summary

ROOT = Path(__file__).resolve().parents[2]
DRUGS = ("atomoxetine", "omeprazole", "glimepiride", "losartan")
SHARED = ROOT.parent / "shared" / "clinical"
# the documented summary format (tools/clinical_cases.py, write_summary), written out here
SUMMARY_COLUMNS = [
    "group",
    "output",
    "metric",
    "statistic",
    "value",
    "unit",
    "sd",
    "se",
    "cv",
    "n",
    "window_start",
    "window_end",
    "window_unit",
    "source_table",
]
CASES = [p for d in DRUGS for p in find_cases(ROOT / "validation" / d)]


def test_every_drug_has_cases() -> None:
    for drug in DRUGS:
        assert find_cases(ROOT / "validation" / drug), drug
    assert len(CASES) >= 4 * 5


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_case_loads_and_is_consistent(path: Path) -> None:
    case = load_case(path)
    assert case.model == path.parent.name
    assert case.role in ("training", "validation")
    assert re.match(r"(doi:|pmid:|Drug Investig|Gastroenterology|FDA)", case.source), case.source
    assert case.citation
    # one regimen, or one per arm (a study that dosed the same groups several ways)
    for doses, end in [(a.doses, a.end) for a in case.arms] or [(case.doses, case.end)]:
        assert parse_regimen(doses, where=str(path)).doses
        parse_quantity(end)
    names = set(case.result_names())  # the groups, or GROUP@ARM with arms
    arms = {a.name for a in case.arms} if case.arms else {case.arm or ""}
    tables = [
        r
        for r in (read_summary(case.summary) if case.summary else ())
        if r.arm in arms and r.metric in COMPARED_METRICS
    ]
    judged = {  # groups with table data
        f"{r.group}@{r.arm}" if case.arms else r.group for r in tables if r.output in case.outputs
    }
    if case.observed is None:  # published tables only: each group has a compared statistic
        obs = pd.DataFrame(
            {"group": [r.group for r in tables], "output": [r.output for r in tables]}
        )
        assert set(obs["output"]) == set(case.outputs)
    else:
        obs = pd.read_csv(case.observed)
        assert (obs["time"] >= 0).all() and (obs["value"] >= 0).all()
        for unit in set(obs["value_unit"]) | set(obs["time_unit"]):
            parse_quantity(f"1 {unit}")
    assert set(obs["group"].astype(str)) <= names
    assert set(obs["output"]) <= set(case.outputs)
    # no group without data: a time course, or (tables-only groups) a compared statistic
    assert names <= set(obs["group"].astype(str)) | judged
    for name in names - set(obs["group"].astype(str)):
        group = name.split("@")[0]
        assert "tables only" in case.descriptions[group] or case.observed is None, name
    for out in case.outputs.values():
        assert out.molecular_weight
        parse_quantity(out.molecular_weight)
    for ratio in case.ratios:
        assert ratio.output in case.outputs
        both = obs[obs["output"] == ratio.output]["group"].astype(str)
        assert {ratio.numerator, ratio.denominator} <= set(both)
    # the group kind is stated (issue 15 reports genotype-defined and mixture groups apart)
    for name, description in case.descriptions.items():
        kind = "[population mixture]" if name in case.mixtures else "[genotype-defined]"
        assert description.endswith(kind), (name, description)


@pytest.mark.parametrize("drug", DRUGS)
def test_roles_follow_the_committed_protocol(drug: str) -> None:
    """Every study the cases mark 'training' is named as training in the model's README
    protocol, and every study the protocol names as training has training cases."""
    readme = (ROOT / "model_library" / drug / "README.md").read_text(encoding="utf-8")
    protocol = set(re.findall(r"\*\*Training: ([A-Za-z-]+\d{4}[a-z]?)\*\*", readme))
    protocol |= set(re.findall(r"and \*\*([A-Za-z-]+\d{4}[a-z]?)\*\*", readme))
    index = pd.read_csv(ROOT / "validation" / drug / "studies.csv")
    training = set(index[index["role"] == "training"]["study"])
    assert training, drug
    assert training == protocol, (training, protocol)
    for path in find_cases(ROOT / "validation" / drug):
        case = load_case(path)
        study = index[index["files"].str.contains(f"{path.name}", regex=False)]["study"]
        assert len(study) == 1, path
        assert (case.role == "training") == (study.iloc[0] in training), path


@pytest.mark.parametrize("drug", DRUGS)
def test_summary_files_have_the_documented_columns(drug: str) -> None:
    files = sorted((ROOT / "validation" / drug).glob("*.summary.csv"))
    if drug in ("glimepiride", "losartan"):
        assert files  # the PK-DB studies publish tables
    for path in files:
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        # the documented columns, and the optional "dose" column of multiple-dose rows
        assert rows and list(rows[0]) in (SUMMARY_COLUMNS, [*SUMMARY_COLUMNS, "dose"]), path
        for r in rows:
            float(r["value"])
            assert r["statistic"] in ("mean", "geometric_mean", "median", "unstated")
            if r["metric"] == "AUC_inf":
                assert r["window_end"] == "inf", (path, r)


def test_split_by_model_separates_missing_models(tmp_path: Path) -> None:
    model = tmp_path / "lib" / "model.xml"
    model.parent.mkdir()
    model.write_text("<sbml/>", encoding="utf-8")
    (tmp_path / "obs.csv").write_text("group,output,time,time_unit,value,value_unit\n")
    for name, target in (("ready", "lib/model.xml"), ("missing", "nowhere/model.xml")):
        (tmp_path / f"{name}.toml").write_text(
            f'source = "doi:x"\nmodel = "m"\nmodel_path = "{target}"\n'
            '[regimen]\ndoses = ["1 mg oral"]\n[groups.a]\nprofile = {}\n'
            '[observed]\nfile = "obs.csv"\n[outputs]\nc = "[C]"\n',
            encoding="utf-8",
        )
    cases = [load_case(tmp_path / f"{n}.toml") for n in ("ready", "missing")]
    ready, missing = split_by_model(cases)
    assert [c.id for c in ready] == ["ready"]
    assert [c.id for c in missing] == ["missing"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/clinical is not present (CI clone)")
@pytest.mark.parametrize("drug", DRUGS)
def test_generator_reproduces_the_committed_cases(drug: str, tmp_path: Path) -> None:
    script = ROOT / "tools" / f"build_{drug}_cases.py"
    run = subprocess.run(
        [sys.executable, str(script), str(SHARED.parent)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    new, old = tmp_path / "validation" / drug, ROOT / "validation" / drug
    names = sorted(p.name for p in old.iterdir())
    assert names == sorted(p.name for p in new.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(old, new, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/clinical is not present (CI clone)")
def test_dxm_generator_reproduces_the_committed_cases(tmp_path: Path) -> None:
    """tools/build_dxm_cases.py (its own script: it writes into an existing folder and no README)
    reproduces every committed dextromethorphan case and CSV, trials included, byte for byte."""
    new = tmp_path / "validation" / "dextromethorphan"
    new.mkdir(parents=True)
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_dxm_cases.py"), str(SHARED.parent)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    old = ROOT / "validation" / "dextromethorphan"
    names = sorted(p.name for p in old.iterdir() if p.name != "README.md")
    assert names == sorted(p.name for p in new.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(old, new, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    # the rule: every group whose study n is >= 2 is a trial of min(n, 24) twins; Gorski2004's
    # single PM (n=1) stays one twin
    untrial = [
        (case.id, g)
        for case in (load_case(old / n) for n in names if n.endswith(".toml"))
        for g in case.groups
        if g not in case.trials
    ]
    assert untrial == [("Gorski2004", "PM")]
    assert load_case(old / "Edwards2017.toml").trials["EM"].n == 24  # n=48, capped
