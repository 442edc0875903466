"""Ratios between groups over one window (issue 15), against the one-compartment closed form.

IV bolus D = 100 mg into V = 56 L: AUC(0–T) = D/CL·(1 − e^(−CL/V·T)), Cmax = D/V, with
CL = 25 L/h (NM) and 5 L/h (PM). NM is sampled to 12 h, PM to 48 h, so the common window is
0–12 h; the case states a second window, 0–360 min.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.run import run_case

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"
D, V = 100.0, 56.0


def auc(cl: float, t: float) -> float:
    return D / cl * (1 - math.exp(-cl / V * t))


def test_ratios_use_the_common_or_the_stated_window() -> None:
    result = run_case(load_case(DATA / "validation" / "analytic_window.toml"), sensitivity=False)
    common, stated, cmax = result.ratios
    exact_12 = auc(5, 12) / auc(25, 12)  # 3.098…
    own_windows = auc(5, 48) / auc(25, 12)  # what each group's own window gave: 4.74…
    assert abs(own_windows / exact_12 - 1) > 0.4  # the window matters here
    assert (common.window_start, common.window_end, common.window_source) == (0.0, 12.0, "common")
    assert common.window == "0–12 h (common)"
    # observations: log-down trapezoid on exact exponential samples is exact
    assert common.observed == pytest.approx(exact_12, rel=1e-9)
    assert common.predicted == pytest.approx(exact_12, rel=1e-6)
    assert common.within
    # stated 0–360 min: NM's 6 h lies between samples at 4 and 8 h (log-linear interpolation)
    exact_6 = auc(5, 6) / auc(25, 6)
    assert (stated.window_end, stated.window_source) == (6.0, "case")
    assert stated.observed == pytest.approx(exact_6, rel=1e-9)
    assert stated.predicted == pytest.approx(exact_6, rel=1e-6)
    # IV bolus: Cmax = D/V in both groups
    assert cmax.observed == pytest.approx(1.0, rel=1e-12)
    assert cmax.predicted == pytest.approx(1.0, rel=1e-9)
    # the group's own AUC (0 to its last observation) is unchanged
    pm = result.group("PM")
    assert pm is not None and (out := pm.output("plasma")) is not None
    assert out.auc_observed == pytest.approx(auc(5, 48), rel=1e-9)


def test_a_window_beyond_a_groups_sampling_is_a_clear_error(tmp_path: Path) -> None:
    for f in ("analytic_window.toml", "analytic_window.csv"):
        shutil.copy(DATA / "validation" / f, tmp_path / f)
    (tmp_path / "analytic_window.toml").write_text(
        (DATA / "validation" / "analytic_window.toml")
        .read_text()
        .replace('"0-360 min"', '"0-24 h"')
        .replace("../personalize", str(DATA / "personalize"))
    )
    with pytest.raises(ValidationDataError) as err:
        run_case(load_case(tmp_path / "analytic_window.toml"), sensitivity=False)
    text = str(err.value)
    assert "goes beyond group NM's last observation (12 h)" in text
    assert "ratio PM/NM" in text and "\n" not in text


def test_iv_bolus_sampled_after_the_dose_starts_the_auc_at_the_first_sample(
    tmp_path: Path,
) -> None:
    """C(0) = D/V, not 0: a (0, 0) point would invent a rising limb. Both AUCs run from the
    first sample; the common window of the ratio starts at the later first sample (PM: 1 h)."""
    for f in ("analytic_window.toml", "analytic_window.csv"):
        text = (DATA / "validation" / f).read_text()
        if f.endswith(".csv"):
            text = "\n".join(line for line in text.splitlines() if ",plasma,0,h," not in line)
        shutil.copy(DATA / "validation" / f, tmp_path / f)
        text = text.replace("../personalize", str(DATA / "personalize"))
        (tmp_path / f).write_text(text.replace('"0-360 min"', '"1-6 h"'))
    case = tmp_path / "analytic_window.toml"
    result = run_case(load_case(case), sensitivity=False)

    def auc_ab(cl: float, a: float, b: float) -> float:
        return D / cl * (math.exp(-cl / V * a) - math.exp(-cl / V * b))

    nm = result.group("NM")
    assert nm is not None and (out := nm.output("plasma")) is not None
    assert out.auc_start == 0.5
    assert out.auc_observed == pytest.approx(auc_ab(25, 0.5, 12), rel=1e-9)
    assert out.auc_fold == pytest.approx(1.0, rel=1e-6)
    # Cmax over the same interval: C(0.5 h), not the bolus's D/V at 0 (1.25-fold higher)
    assert out.cmax_fold == pytest.approx(1.0, rel=1e-3)
    common = result.ratios[0]
    assert (common.window_start, common.window_end) == (1.0, 12.0)
    exact = auc_ab(5, 1, 12) / auc_ab(25, 1, 12)
    assert common.observed == pytest.approx(exact, rel=1e-9)
    assert common.predicted == pytest.approx(exact, rel=1e-6)
    stated = result.ratios[1]
    assert stated.observed == pytest.approx(auc_ab(5, 1, 6) / auc_ab(25, 1, 6), rel=1e-9)
    # a stated window from 0 starts before the first samples: a clear error, not a guess
    case.write_text(case.read_text().replace('"1-6 h"', '"0-6 h"'))
    with pytest.raises(ValidationDataError, match="starts before group PM's AUC can \\(1 h"):
        run_case(load_case(case), sensitivity=False)
