"""Issue 11, "the README tells the truth": the population spec format had no valid example (the
only one, in a docstring, was not TOML), exit code 3 was called "reserved" while in use, the
README's input size limit (256 MiB) was not the code's (64 MiB), and the quick start did not say
how to get the ``dask`` extra. Every TOML example in the README is loaded here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sbmltwin.build.compound import parse_compound
from sbmltwin.cohort.sampling import parse_population
from sbmltwin.model._safety import DEFAULT_LIMITS
from sbmltwin.personalize import parse_bindings, parse_profile
from sbmltwin.validate._schema import check_case
from sbmltwin.validate.calibrate import parse_calibration_spec
from sbmltwin.validate.trial import parse_trial

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text(encoding="utf-8")


def _toml_examples() -> list[str]:
    fenced = re.findall(r"```toml\n(.*?)```", TEXT, flags=re.DOTALL)
    heredocs = re.findall(r"cat > \S+\.toml <<'EOF'\n(.*?)\nEOF", TEXT, flags=re.DOTALL)
    return fenced + heredocs


def test_there_are_toml_examples() -> None:
    assert len(_toml_examples()) >= 4


@pytest.mark.parametrize("text", _toml_examples(), ids=lambda t: t.split("\n", 1)[0][:40])
def test_every_toml_example_is_valid_and_loads(text: str) -> None:
    data = tomllib.loads(text)
    if "compound" in data:  # a compound file (sbmltwin build)
        parse_compound(data)
    elif "population" in data:
        spec = parse_population(data)
        assert spec.genes and spec.uncertain == "exclude"
    elif "cases" in data and "parameters" in data:  # a calibration spec (sbmltwin calibrate)
        spec = parse_calibration_spec(data, Path("model_library/x/calibration.toml"))
        assert spec.free and all(c.name.endswith(".toml") for c in spec.cases)
    elif "groups" in data and "regimen" in data:  # a validation case: its keys are the format's
        assert {"source", "model", "regimen", "groups", "observed", "outputs"} <= set(data)
    elif "arms" in data:  # a case's [arms.NAME] tables (issue 15: several arms per case)
        check_case(data, where="README")
        assert all({"doses", "end"} <= set(arm) for arm in data["arms"].values())
    elif set(data) == {"groups"}:  # a case's groups (issue 15: virtual trials)
        check_case(data, where="README")
        for name, group in data["groups"].items():
            if "trial" in group:
                parse_trial(group["trial"], f"README [groups.{name}] trial")
    elif set(data) == {"observed"}:  # a case's [observed] table (issue 15: summary, arm)
        assert set(data["observed"]) <= {"file", "summary", "arm"}
    elif {"genes", "covariates", "dosing"} & set(data):
        parse_bindings(data)
    else:
        parse_profile(data)


def test_the_population_spec_section_has_a_complete_example() -> None:
    section = TEXT[TEXT.index("**Population spec**") :]
    block = section[
        section.index("```toml\n") + 8 : section.index("```", section.index("```toml") + 7)
    ]
    spec = parse_population(tomllib.loads(block))
    assert spec.population == "European" and spec.genes == ("CYP2C19", "CYP2D6")
    assert spec.iiv == {"CL_other": 30.0}


def test_exit_code_3_is_documented_as_in_use() -> None:
    table = TEXT[TEXT.index("**Exit codes.**") :]
    row = next(line for line in table.splitlines() if line.startswith("| 3 |"))
    assert "reserved" not in row and "validate" in row and "reproduce" in row


def test_size_limit_is_the_codes() -> None:
    mib = DEFAULT_LIMITS.max_bytes // 2**20
    assert f"file size ({mib} MiB" in TEXT


def test_quick_start_says_how_to_get_dask() -> None:
    quick = TEXT[TEXT.index("## Quick start") : TEXT.index("## Command line")]
    assert '".[dask]"' in quick
