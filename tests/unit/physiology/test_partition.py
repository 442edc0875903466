"""Rodgers & Rowland Kp against published predictions (tests/data/partition/README.md says whose)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import IonClass, rodgers_rowland

DATA = Path(__file__).resolve().parents[2] / "data" / "partition" / "rodgers_rowland_kpu.csv"
TISSUES = (
    "adipose",
    "bone",
    "brain",
    "gut",
    "heart",
    "kidney",
    "liver",
    "lung",
    "muscle",
    "skin",
    "spleen",
)
ROWS = list(csv.DictReader(DATA.read_text(encoding="utf-8").splitlines()))


def _predict(row: dict[str, str]) -> dict[str, float]:
    kwargs: dict[str, object] = {
        "log_p": float(row["log_p"]),
        "fu": float(row["fu"]),
        "tissues": TISSUES,
        "hematocrit": 0.46,  # the rat hematocrit of the tabulation (README)
    }
    if row["class"] == "acid":
        kwargs["pka_acid"] = (float(row["pka"]),)
    elif row["class"] == "base":
        kwargs["pka_base"] = (float(row["pka"]),)
    if row["bp"]:
        kwargs["bp"] = float(row["bp"])
    if row["log_p_vow"]:
        kwargs["log_p_vow"] = float(row["log_p_vow"])
    return dict(rodgers_rowland(**kwargs).kpu)  # type: ignore[arg-type]


def test_the_reference_covers_the_classes_the_issue_asks_for() -> None:
    classes = [r["class"] for r in ROWS]
    papers = {r["compound"]: r["method_paper"] for r in ROWS}
    assert sum(1 for r in ROWS if r["class"] == "base" and "2005" in r["method_paper"]) >= 2
    assert classes.count("acid") >= 2 and classes.count("neutral") >= 1
    assert len(papers) >= 6


@pytest.mark.parametrize("row", ROWS, ids=[r["compound"] for r in ROWS])
def test_kpu_matches_the_published_prediction_within_5_percent(row: dict[str, str]) -> None:
    # Source of each number: the row's method_paper (inputs) and tests/data/partition/README.md
    # (the tabulated prediction). 5 % per tissue is the issue's tolerance; the largest deviation
    # is 0.27 % (digoxin adipose: log P_vow derived from log P, where the tabulation rounded).
    predicted = _predict(row)
    for tissue in TISSUES:
        published = float(row[tissue])
        assert predicted[tissue] == pytest.approx(published, rel=0.05), (row["compound"], tissue)


def test_classes_follow_rodgers_and_rowland() -> None:
    assert rodgers_rowland(log_p=2.44, fu=0.38, bp=1.27, pka_base=(8.0,)).ion_class is IonClass.BASE
    weak = rodgers_rowland(log_p=2.8, fu=0.14, pka_base=(3.4,))
    assert weak.ion_class is IonClass.WEAK_BASE and "2006" in weak.citation
    zw = rodgers_rowland(log_p=1.0, fu=0.5, bp=1.0, pka_acid=(3.0,), pka_base=(9.0,))
    assert zw.ion_class is IonClass.ZWITTERION and "2005" in zw.citation


def test_kp_is_fu_times_kpu() -> None:
    r = rodgers_rowland(log_p=3.4, fu=0.35, bp=1.0, pka_base=(9.2,))
    assert all(r.kp[t] == pytest.approx(0.35 * r.kpu[t], rel=1e-15) for t in r.kp)


def test_a_neutral_with_no_lipophilicity_sits_in_tissue_water() -> None:
    # log P → -∞ and fu = 1: Kpu → tissue water + 1·0 protein term = f_water (closed form)
    r = rodgers_rowland(log_p=-12.0, fu=1.0, tissues=("muscle",))
    assert r.kpu["muscle"] == pytest.approx(
        0.726 + 0.7 * 0.0072 / 1.0 - 0.7 * 0.0013 * 0.059 / 1.0, rel=1e-9
    )


def test_strong_base_without_blood_plasma_ratio_is_refused() -> None:
    with pytest.raises(ProfileError, match="blood:plasma"):
        rodgers_rowland(log_p=2.0, fu=0.5, pka_base=(9.0,))
    with pytest.raises(ProfileError, match="fu"):
        rodgers_rowland(log_p=2.0, fu=0.0)
