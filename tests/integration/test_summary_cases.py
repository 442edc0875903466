"""Published summary statistics as case data (issue 15), against the one-compartment closed form.

IV bolus D = 100 mg into V = 56 L, CL = 25 L/h (NM) or 5 L/h (PM): AUC(0–T) =
D/CL·(1 − e^(−CL/V·T)), AUC(0–∞) = D/CL, Cmax = D/V at tmax = 0, t½ = ln 2·V/CL, and
dose/AUC(0–∞) = CL (F = 1) in L/h, mL/min and per kg. The summary
file (tests/data/validation/analytic_summary.summary.csv) gives NM's values exactly, in mixed
units, and PM's AUC 2.5-fold too high.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.results import OverallMetrics
from sbmltwin.validate.run import run_case
from sbmltwin.validate.summary import read_summary

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"


def test_summary_statistics_are_compared_and_counted() -> None:
    result = run_case(load_case(DATA / "analytic_summary.toml"), sensitivity=False)
    nm, pm = result.group("NM"), result.group("PM")
    assert nm is not None and pm is not None and nm.outputs == () and pm.outputs == ()
    by = {s.metric: s for s in nm.summary}
    assert set(by) == {"AUC", "AUC_inf", "Cmax", "t_half", "tmax", "CL_F", "CL"}
    auc12 = 100 / 25 * (1 - math.exp(-25 / 56 * 12))
    assert by["AUC"].predicted == pytest.approx(auc12 * 1000, rel=1e-6)  # ng·h/mL
    assert by["AUC"].window == "0–12 h" and by["AUC"].n == 8 and by["AUC"].sd == 0.5
    assert by["AUC_inf"].predicted == pytest.approx(4.0, rel=1e-5)  # mg·h/L
    assert by["AUC_inf"].window == "0–inf h" and by["AUC_inf"].cv == 20
    assert by["Cmax"].predicted == pytest.approx(100 / 56 * 1000, rel=1e-9)  # ng/mL
    assert by["t_half"].predicted == pytest.approx(math.log(2) * 56 / 25 * 60, rel=1e-6)  # min
    assert by["tmax"].predicted == 0.0
    # CL = dose / AUC(0–∞) = CL exactly (IV: F = 1), in the published unit
    cls = {s.unit: s for s in nm.summary if s.metric in ("CL", "CL_F")}
    assert cls["L/h"].predicted == pytest.approx(25.0, rel=1e-5)
    assert cls["mL/min"].predicted == pytest.approx(25.0 * 1000 / 60, rel=1e-5)
    assert cls["L/h/kg"].predicted == pytest.approx(25.0 / 70, rel=1e-5)  # the twin's 70 kg
    assert cls["L/h"].basis == "100 mg / AUC 0–∞" and cls["L/h/kg"].basis.endswith("/ 70 kg")
    assert all(s.within_fold for s in cls.values())
    for m in ("AUC", "AUC_inf", "Cmax", "t_half"):
        assert by[m].fold == pytest.approx(1.0, rel=1e-5) and by[m].within_fold
    pm_auc = next(s for s in pm.summary if s.metric == "AUC")
    assert pm_auc.fold == pytest.approx(1 / 2.5, rel=1e-6) and not pm_auc.within_fold
    # counted: AUC, AUC_inf and Cmax of each group without a time course; PM fails the case
    assert result.metrics.auc.n == 3 and result.metrics.cmax.n == 2
    assert not result.passed
    overall = OverallMetrics.of([result])
    assert overall.groups == 2 and overall.groups_within_fold_percent == 50.0
    # rows not compared are said, never dropped silently
    text = "\n".join(result.warnings)
    assert "1 row(s) not compared: Vd is not predicted" in text
    assert "1 row(s) not compared: group IM is not a group of the case" in text
    # the typed result survives report.json
    assert type(result).from_dict(result.to_dict()) == result


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("ng*h/mL", "ng/mL"), "is not a unit of AUC"),
        (("0,12,h", ",,"), "an AUC needs its window"),
        (("0,12,h", "12,0,h"), "needs start < end"),
        (("mean,3981", "average,3981"), "unknown statistic 'average'"),
        (("Cmax,mean", "Cmx,mean"), "unknown metric 'Cmx'"),
        (("0.5,,,8", "-1,,,8"), "column 'sd'"),
        (("0.5,,,8", "0.5,,,2.5"), "column 'n'"),
        (("source_table", "table"), "the header is not the summary format"),
    ],
)
def test_bad_summary_files_are_one_line_errors(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    p = tmp_path / "s.summary.csv"
    p.write_text((DATA / "analytic_summary.summary.csv").read_text().replace(*edit, 1))
    with pytest.raises(ValidationDataError) as err:
        read_summary(p)
    text = str(err.value)
    assert message in text and "\n" not in text and "s.summary.csv:" in text


def test_shipped_summary_files_parse() -> None:
    root = Path(__file__).resolve().parents[2] / "validation"
    files = sorted(root.rglob("*.summary.csv"))
    assert files and all(read_summary(p) for p in files)
