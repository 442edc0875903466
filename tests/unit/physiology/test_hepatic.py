"""Child-Pugh scaling: table values (written out here from the OSP/PK-Sim transcription of
Edginton & Willmann 2008 and Johnson et al. 2010), ordering with severity, derived values, errors.
"""

from __future__ import annotations

import pickle

import pytest

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import CHILD_PUGH_CLASSES, HepaticScaling, child_pugh_scaling

# Values as published in PK-Sim HIDiseaseStateImplementation.cs / OSP Qualification-HI Table 2.
EXPECTED = {
    "functional_liver_volume": (0.69, 0.55, 0.28),
    "portal_blood_flow": (0.40, 0.36, 0.04),
    "hepatic_arterial_blood_flow": (1.3, 2.3, 3.4),
    "albumin": (0.81, 0.68, 0.50),
    "alpha1_acid_glycoprotein": (0.60, 0.56, 0.30),
    "renal_blood_flow": (0.88, 0.65, 0.48),
    "gfr": (1.0, 0.70, 0.36),
    "cardiac_index": (1.11, 1.27, 1.36),
}
EXPECTED_CYP = {
    "CYP1A2": (1.0, 0.10, 0.10),
    "CYP2C9": (0.69, 0.51, 0.33),
    "CYP2C19": (0.32, 0.26, 0.12),
    "CYP2D6": (0.76, 0.33, 0.11),
    "CYP2E1": (1.0, 0.83, 0.83),
    "CYP3A4": (1.0, 0.40, 0.40),
}


@pytest.mark.parametrize(("index", "cls"), list(enumerate(CHILD_PUGH_CLASSES)))
def test_factors_match_source(index: int, cls: str) -> None:
    s = child_pugh_scaling(cls)
    assert s.child_pugh == cls
    for name, values in EXPECTED.items():
        assert getattr(s, name) == values[index], name
    for enzyme, values in EXPECTED_CYP.items():
        assert s.cyp_activity[enzyme] == values[index], enzyme


def test_major_cyps_are_all_present() -> None:
    assert set(EXPECTED_CYP) <= set(child_pugh_scaling("A").cyp_activity)


@pytest.mark.parametrize(
    "name", ["functional_liver_volume", "albumin", "alpha1_acid_glycoprotein", "gfr"]
)
def test_reductions_deepen_with_severity(name: str) -> None:
    a, b, c = (getattr(child_pugh_scaling(x), name) for x in CHILD_PUGH_CLASSES)
    assert 1.0 >= a >= b >= c > 0.0


def test_cyp_capacity_never_increases_with_severity() -> None:
    scalings = [child_pugh_scaling(x) for x in CHILD_PUGH_CLASSES]
    for enzyme in scalings[0].cyp_activity:
        a, b, c = (s.cyp_capacity(enzyme) for s in scalings)
        assert 1.0 >= a >= b >= c > 0.0, enzyme


def test_cyp_capacity_is_activity_times_liver_volume() -> None:
    s = child_pugh_scaling("B")
    assert s.cyp_capacity("CYP3A4") == pytest.approx(0.40 * 0.55, rel=1e-12)
    with pytest.raises(ProfileError) as info:
        s.cyp_capacity("CYP9Z9")
    assert "CYP9Z9" in str(info.value) and "CYP3A4" in (info.value.hint or "")


@pytest.mark.parametrize(("cls", "expected"), [("A", 0.6294), ("B", 0.8545), ("C", 0.8965)])
def test_derived_total_hepatic_flow(cls: str, expected: float) -> None:
    # (portal · 19 + arterial · 6.5) / 25.5, ICRP 89 male split; e.g. A: (7.6 + 8.45)/25.5
    s = child_pugh_scaling(cls)
    independent = (s.portal_blood_flow * 19.0 + s.hepatic_arterial_blood_flow * 6.5) / 25.5
    assert s.hepatic_blood_flow == pytest.approx(independent, rel=1e-12)
    assert s.hepatic_blood_flow == pytest.approx(expected, abs=5e-5)
    assert s.sources["hepatic_blood_flow"].startswith("derived")


def test_every_factor_has_a_source() -> None:
    s = child_pugh_scaling("C")
    for name in [*EXPECTED, *s.cyp_activity]:
        assert "PMID" in s.sources[name], name
    assert "18840029" in s.sources["CYP3A4"] and "20170207" in s.sources["CYP2D6"]


def test_class_is_case_insensitive() -> None:
    assert child_pugh_scaling(" c ") == child_pugh_scaling("C")


@pytest.mark.parametrize("bad", ["D", "", "healthy", "Child-Pugh A", None, 2])
def test_unknown_class_raises(bad: object) -> None:
    with pytest.raises(ProfileError) as info:
        child_pugh_scaling(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(info.value)
    assert "'A'" in (info.value.hint or "")


def test_scaling_is_a_fresh_copy_and_pickles() -> None:
    s = child_pugh_scaling("A")
    s.cyp_activity["CYP3A4"] = 0.0  # type: ignore[index]
    assert child_pugh_scaling("A").cyp_activity["CYP3A4"] == 1.0
    back = pickle.loads(pickle.dumps(child_pugh_scaling("A")))
    assert isinstance(back, HepaticScaling) and back == child_pugh_scaling("A")
