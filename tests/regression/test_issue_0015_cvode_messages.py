"""Issue 15: libroadrunner's CVODE (SUNDIALS 7) printed "Internal t = 24 and h = 1.4e-26 are such
that t + h = t on the next step" ten times per dose segment straight to the terminal: 82,560 lines
in one CI demo run, and roadrunner.Logger cannot silence them. They are now captured around each
integration and counted per kind; a validation case carries one warning line per kind."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from pathlib import Path

import pytest

from sbmltwin.engine import parse_regimen, prepare_setup
from sbmltwin.engine.solver_log import (
    SOLVER_PREFIX,
    capture_solver_output,
    collect_solver_messages,
    parse_solver_output,
)
from sbmltwin.model import load_model
from sbmltwin.personalize import load_bindings, parse_profile
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.run import run_case

engine_simulate = importlib.import_module(
    "sbmltwin.engine.simulate"
)  # the module, not the function
ROOT = Path(__file__).resolve().parents[2]
OME = ROOT / "model_library" / "omeprazole"
# two lines as the CI log has them (SUNDIALS 7 logger format)
T_PLUS_H = (
    "[WARNING][rank 0][/__w/libroadrunner-deps/libroadrunner-deps/third_party/sundials/src/cvodes/"
    "cvodes.c:3528][CVode] Internal t = 24 and h = 1.37524414927149e-26 are such that t + h = t "
    "on the next step. The solver will continue anyway."
)
MXHNIL = (
    "[WARNING][rank 0][/__w/libroadrunner-deps/libroadrunner-deps/third_party/sundials/src/cvodes/"
    "cvodes.c:3533][CVode] The above warning has been issued mxhnil times and will not be issued "
    "again for this problem."
)


def test_solver_lines_are_counted_per_kind_and_other_text_is_kept() -> None:
    other = T_PLUS_H.replace("24", "48").replace("1.37524414927149e-26", "2.2e-37")
    text = f"{T_PLUS_H}\nplain text stays\n{other}\n{MXHNIL}\n"
    found, rest = parse_solver_output(text)
    assert rest == "plain text stays\n"
    assert found.total == 3
    assert sorted(count for count, _ in found.kinds.values()) == [1, 2]
    lines = found.lines()
    assert len(lines) == 2 and all(line.startswith(SOLVER_PREFIX) for line in lines)
    assert (
        "t + h = t" in lines[0]
        and "(2×; first: Internal t = 24 and h = 1.37524414927149e-26" in lines[0]
    )


def test_the_capture_counts_solver_lines_and_passes_other_output_through(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with collect_solver_messages() as found, capture_solver_output():
        os.write(1, (T_PLUS_H + "\n").encode())  # where SUNDIALS 7 writes warnings
        os.write(2, (MXHNIL + "\nnot the solver\n").encode())
    out, err = capfd.readouterr()
    assert "[CVode]" not in out + err
    assert err == "not the solver\n"
    assert found.total == 2


def _omeprazole_two_daily_doses() -> None:
    model = load_model(OME / "model.xml")
    setup = prepare_setup(
        model,
        parse_regimen(["20 mg oral every 24h x2"]),
        bindings=load_bindings(OME / "twin.toml"),
    )
    setup.run(parse_profile({"id": "t"})).simulate(end=48, points=481)


def test_a_real_run_prints_nothing_and_its_messages_are_counted(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # control: without the capture this run really prints CVODE's warning (libroadrunner 2.10)
    with monkeypatch.context() as m:
        m.setattr(engine_simulate, "capture_solver_output", contextlib.nullcontext)
        _omeprazole_two_daily_doses()
    out, err = capfd.readouterr()
    if "t + h = t" not in out + err:
        pytest.skip("this libroadrunner build prints no CVODE step-size warning here")
    with collect_solver_messages() as found:
        _omeprazole_two_daily_doses()
    out, err = capfd.readouterr()
    assert "[CVode]" not in out + err
    assert any("t + h = t" in line for line in found.lines())


def test_outside_a_collector_each_kind_is_logged_once(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import sbmltwin.engine.solver_log as solver_log

    solver_log._logged.clear()
    with caplog.at_level(logging.WARNING, logger="sbmltwin.engine"):
        for _ in range(3):
            with capture_solver_output():
                os.write(1, (T_PLUS_H + "\n").encode())
    capfd.readouterr()
    records = [r for r in caplog.records if "t + h = t" in r.getMessage()]
    assert len(records) == 1


def test_a_validation_case_carries_one_warning_line_per_kind(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # its arm PO20_day5 (20 mg once daily, 5 doses; Andersson1991_PO20_day5 before the arms merge)
    case = load_case(ROOT / "validation" / "omeprazole" / "Andersson1991.toml")
    result = run_case(case, sensitivity=False)
    out, err = capfd.readouterr()
    assert "[CVode]" not in out + err
    solver = [w for w in result.warnings if w.startswith(SOLVER_PREFIX)]
    kinds = [w.split(" (")[0] for w in solver]
    assert len(kinds) == len(set(kinds))  # one line per kind
    if not solver:
        pytest.skip("this libroadrunner build prints no CVODE warning for this case")
    assert any("t + h = t" in w for w in solver)
