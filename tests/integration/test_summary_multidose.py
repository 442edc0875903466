"""Summary rows of multiple-dose studies, clearances and the plausibility guard (issue 15),
against one-compartment closed forms (tests/data/personalize/cyp2d6_model.ant).

Repeated IV bolus D = 100 mg every τ = 12 h, PM: CL = 5 L/h, V = 56 L, k = CL/V, r = e^(−kτ).
After dose N: Cmax = D/V·(1 − r^N)/(1 − r) at tmax = 0 (the accumulation factor),
AUC over [0, T] after it = D/CL·(1 − e^(−kT))·(1 − r^N)/(1 − r), so AUCτ = D/CL·(1 − r^N) and
D/AUCτ = CL/(1 − r^N) (→ CL at steady state). tests/data/validation/analytic_multidose.* hold
these values for N = 10 (and N = 1) written with numpy-free arithmetic below.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.units import parse_quantity
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.run import run_case
from sbmltwin.validate.summary import read_summary

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
D, V, CL, TAU, N = 100.0, 56.0, 5.0, 12.0, 10
K = CL / V
R = math.exp(-K * TAU)


def _copy(tmp_path: Path, name: str) -> Path:
    for p in DATA.glob(f"{name}.*"):
        shutil.copy(p, tmp_path / p.name)
    case = tmp_path / f"{name}.toml"
    case.write_text(case.read_text().replace("../personalize/", f"{DATA.parent}/personalize/"))
    return case


def test_rows_count_from_their_dose() -> None:
    result = run_case(load_case(DATA / "analytic_multidose.toml"), sensitivity=False)
    rows = result.groups[0].summary
    got = {(s.metric, s.window, s.basis.split(";")[0]): s for s in rows}
    last, first = "after dose 10 of 10 at 108 h", "after dose 1 of 10 at 0 h"
    acc = (1 - R**N) / (1 - R)
    assert got[("AUC", "0–12 h", last)].predicted == pytest.approx(D / CL * (1 - R**N), rel=1e-6)
    assert got[("AUC", "0–4 h", last)].predicted == pytest.approx(
        D / CL * (1 - math.exp(-K * 4)) * acc, rel=1e-6
    )
    assert got[("Cmax", "", last)].predicted == pytest.approx(D / V * acc * 1000, rel=1e-6)
    assert got[("tmax", "", last)].predicted == 0.0
    cl = got[("CL_F", "", last)]
    assert cl.predicted == pytest.approx(CL / (1 - R**N) * 1000 / 60, rel=1e-6)  # mL/min
    assert "100 mg / AUCτ 0–12 h" in cl.basis and "steady state (interval AUC" in cl.basis
    assert got[("AUC", "0–12 h", first)].predicted == pytest.approx(D / CL * (1 - R), rel=1e-6)
    assert got[("Cmax", "", first)].predicted == pytest.approx(D / V, rel=1e-9)  # not D/V·(1+r)
    assert all(s.within_fold for s in rows if s.metric != "tmax")
    assert result.passed and result.metrics.auc.n == 3 and result.metrics.cmax.n == 2
    text = "\n".join(result.warnings)
    assert "1 row(s) not compared: t_half after dose 1 of 10: only after the last dose" in text
    assert "1 row(s) not compared: dose 11 but the regimen has 10 dose(s)" in text
    assert "NOT at the stated steady state" not in text


def test_unstated_dose_and_unreached_steady_state_are_said(tmp_path: Path) -> None:
    case = _copy(tmp_path, "analytic_multidose")
    text = case.read_text().replace('after_dose = "last"\n', "").replace("x10", "x2")
    case.write_text(text.replace('end = "120 h"', 'end = "36 h"'))
    result = run_case(load_case(case), sensitivity=False)
    warnings = "\n".join(result.warnings)
    # rows without a dose cell: the case does not say which dose they count from
    assert "2 row(s) not compared: the case has several doses and neither" in warnings
    # dose "last" of two is not the steady state the case states: interval AUC + r (34 %)
    assert "NOT at the stated steady state in the prediction (interval AUC +34 %" in warnings


def test_case_after_dose_is_strict(tmp_path: Path) -> None:
    case = _copy(tmp_path, "analytic_multidose")
    for bad, message in (
        ('"second"', "is not first, last or a dose number"),
        ("0", "is not first, last or a dose number"),
        ("true", "is not first, last or a dose number"),
    ):
        case.write_text(case.read_text().replace('after_dose = "last"', f"after_dose = {bad}"))
        with pytest.raises(ValidationDataError, match=message):
            load_case(case)
        case.write_text(case.read_text().replace(f"after_dose = {bad}", 'after_dose = "last"'))
    summary = tmp_path / "analytic_multidose.summary.csv"
    summary.write_text(summary.read_text().replace("Tab1,first", "Tab1,once"))
    with pytest.raises(ValidationDataError, match=r"summary\.csv:7 column 'dose'"):
        read_summary(summary)


def test_clearance_unit_rule() -> None:
    """dose/AUC with mass ↔ substance: 10 µmol of a 500 g/mol drug (5 mg) over 2 mg·h/L."""
    from sbmltwin.units import clearance

    q = clearance(
        parse_quantity("10 umol"), parse_quantity("2 mg*h/L"), molecular_weight="500 g/mol"
    )
    assert q.to("L/h").magnitude == pytest.approx(2.5)
    q = clearance(
        parse_quantity("1 mg"), parse_quantity("40 nmol*h/L"), molecular_weight="500 g/mol"
    )
    assert q.to("mL/min").magnitude == pytest.approx(50 * 1000 / 60)


def test_implausible_published_values_are_flagged_and_left_out(tmp_path: Path) -> None:
    """A published Cmax 1000-fold from the time course (a unit error) is shown with the reason
    and counts nowhere; a group without a time course is checked against the others'."""
    case = _copy(tmp_path, "analytic_iv")
    text = case.read_text().replace(
        '[observed]\nfile = "analytic_iv.csv"',
        '[groups.IM]\ndescription = "AS 1"\n'
        'profile = { weight = "70 kg", genotype = { CYP2D6 = "*1/*4" } }\n'
        '[observed]\nfile = "analytic_iv.csv"\nsummary = "iv.summary.csv"',
    )
    case.write_text(text.replace("fold = 1.25", "fold = 2.0"))
    auc_im = D / 15 * (1 - math.exp(-15 / V * 12))  # IM: CL = 5 + 20 · 0.5 = 15 L/h
    (tmp_path / "iv.summary.csv").write_text(
        "group,output,metric,statistic,value,unit,sd,se,cv,n,window_start,window_end,"
        "window_unit,source_table\n"
        "NM,plasma,Cmax,mean,1785.714,mg/L,,,,8,,,,T1\n"  # 1000× off: ng/mL written as mg/L
        "NM,plasma,Cmax,mean,30,mg/L,,,,8,,,,T1\n"  # 17× off: a poor value, not implausible
        "NM,plasma,CL_F,mean,25,mL/h,,,,8,,,,T1\n"  # L/h written as mL/h: 1000× dose/AUC
        "NM,plasma,CL_F,mean,25,L/h,,,,8,,,,T1\n"
        f"IM,plasma,AUC,mean,{auc_im:.8g},mg*h/L,,,,4,0,12,h,T1\n"
        "IM,plasma,Cmax,mean,1.785714,g/L,,,,4,,,,T1\n"  # 1000× every group's Cmax
    )
    result = run_case(load_case(case), sensitivity=False)
    nm, im = result.group("NM"), result.group("IM")
    assert nm is not None and im is not None
    bad, poor, bad_cl, cl = nm.summary
    assert "implausible: 1785.71 mg/L is 1e+03× the Cmax of the group's observed" in bad.excluded
    assert poor.excluded == "" and not poor.within_fold
    assert "implausible: 25 mL/h is 0.001× the dose over the AUC" in bad_cl.excluded
    assert cl.excluded == "" and cl.predicted == pytest.approx(25.0, rel=1e-5)
    auc, cmax = im.summary
    assert auc.excluded == "" and auc.fold == pytest.approx(1.0, rel=1e-5)
    assert "every other group's observed time course" in cmax.excluded
    # figures: the IM AUC counts, its implausible Cmax does not; the warnings name both
    assert im.summary_judged() == (("plasma", [pytest.approx(1.0, rel=1e-5)], [], True),)
    assert result.metrics.cmax.n == 2 and result.metrics.auc.n == 3
    warnings = "\n".join(result.warnings)
    assert warnings.count("implausible:") == 3 and "group IM: summary plasma Cmax" in warnings


def test_guard_checks_a_table_only_arm_against_the_other_arms(tmp_path: Path) -> None:
    """In a case with arms, a group with no time course in its arm (PM@PO) is checked against
    every other group's time courses, in any arm (tests/data/validation/arms.*)."""
    for p in DATA.glob("arms*"):
        shutil.copy(p, tmp_path / p.name)
    summary = tmp_path / "arms.summary.csv"
    summary.write_text(summary.read_text() + "PM@PO,plasma,Cmax,mean,1792.429152,mg/L,,,,6,,,,T9\n")
    result = run_case(load_case(tmp_path / "arms.toml"), sensitivity=False)
    pm_po = result.group("PM@PO")
    assert pm_po is not None and pm_po.outputs == ()
    bad = [s for s in pm_po.summary if s.excluded]
    assert len(bad) == 1 and bad[0].observed == pytest.approx(1792.429152)
    assert "every other group's observed time course" in bad[0].excluded
    # judged on its plausible rows only: AUC_inf and the right Cmax, both exact
    ((_, aucs, cmaxes, ok),) = pm_po.summary_judged()
    assert ok and len(aucs) == 1 and len(cmaxes) == 1
    assert any("group PM@PO: summary plasma Cmax" in w for w in result.warnings)
