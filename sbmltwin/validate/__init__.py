"""Stage 7: validation against reference results (SBML Test Suite) and data."""

from sbmltwin.validate.testsuite import (
    CaseResult,
    CaseSettings,
    case_dirs,
    parse_case_selection,
    read_settings,
    read_tags,
    run_case,
    run_suite,
    summarize,
)

__all__ = [
    "CaseResult",
    "CaseSettings",
    "case_dirs",
    "parse_case_selection",
    "read_settings",
    "read_tags",
    "run_case",
    "run_suite",
    "summarize",
]
