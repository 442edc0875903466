"""`sbmltwin calibrate` fitted training groups that `validate` runs as virtual trials by their
typical twin without saying so (the README claimed "exactly as validate"). Now every such group
gets a note, printed and recorded in the calibration JSON."""

from __future__ import annotations

from sbmltwin.validate.calibrate import trial_notes
from sbmltwin.validate.cases import load_case, validation_dir


def test_each_trial_group_of_a_training_case_is_named() -> None:
    case = load_case(validation_dir() / "atomoxetine" / "Kim2018.toml")
    assert case.role == "training" and set(case.trials) == {"AS0_5", "AS2"}
    notes = trial_notes([case])
    assert len(notes) == 2
    for note, name in zip(notes, ("AS0_5", "AS2"), strict=True):
        assert note.startswith(f"Kim2018 group {name}: a virtual trial in validate (n = ")
        assert "typical twin" in note


def test_a_case_without_trials_gets_no_note() -> None:
    case = load_case(validation_dir() / "omeprazole" / "Cho2002.toml")
    assert not case.trials
    assert trial_notes([case]) == ()
