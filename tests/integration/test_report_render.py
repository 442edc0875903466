"""HTML and PDF validation reports rendered from a small synthetic manifest (no mocks)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.report.html import write_html
from sbmltwin.report.manifest import Manifest, parse_manifest
from sbmltwin.report.pdf import write_pdf
from sbmltwin.report.plots import ratio_figure, scatter_figure, timecourse_figure
from sbmltwin.validate.results import ValidationRun

pytestmark = pytest.mark.integration

SCRIPT = "<script>alert(1)</script>"
GMFE = 1.234567  # shown as 1.235 (4 significant digits)


def _output(scale: float) -> dict[str, Any]:
    """One-compartment oral curve (ka 1/h, k 0.2/h); observed = predicted × scale at 6 times."""
    grid = [0.25 * i for i in range(97)]
    curve = [10 * (math.exp(-0.2 * t) - math.exp(-1.0 * t)) for t in grid]
    obs_t = [0.5, 1, 2, 4, 8, 24]
    obs = [scale * 10 * (math.exp(-0.2 * t) - math.exp(-1.0 * t)) for t in obs_t]
    return {
        "output": "drug_plasma",
        "sid": "[C]",
        "unit": "µmol/l",
        "time_unit": "h",
        "observed": {"time": obs_t, "value": obs},
        "predicted": {"time": grid, "value": curve},
        "predicted_at_observed": [o / scale for o in obs],
        "point_fold_errors": [1 / scale] * len(obs),
        "auc_observed": 40.0 * scale,
        "auc_predicted": 40.0,
        "auc_fold": 1 / scale,
        "cmax_observed": 5.35 * scale,
        "cmax_predicted": 5.35,
        "cmax_fold": 1 / scale,
        "within_fold": 0.5 <= scale <= 2,
    }


def synthetic_manifest_dict() -> dict[str, Any]:
    """1 case, 2 groups, 1 output; hostile strings where a manifest carries free text."""
    pooled = {
        "n": 2,
        "gmfe": GMFE,
        "afe": 1.1,
        "within_1_25": 50.0,
        "within_1_5": 50.0,
        "within_2": 100.0,
    }
    return {
        "schema_version": 2,
        "tool": "sbmltwin",
        "command": "sbmltwin validate cases -o report",
        "created": "2024-01-01T00:00:00+00:00",
        "inputs": [{"path": "inputs/cases/Demo2024.toml", "sha256": "0" * 64, "kind": "case"}],
        "cases": [
            {
                "id": "Demo2024",
                "case": "inputs/cases/Demo2024.toml",
                "observed": "inputs/cases/Demo2024.csv",
                "model": "inputs/models/demo/model.xml",
                "bindings": "inputs/models/demo/twin.toml",
            }
        ],
        "versions": {"sbmltwin": "0.1.0", "libroadrunner": "2.7.0"},
        "platform": {"machine": "x86_64"},
        "settings": {"integrator": {"absolute_tolerance": 1e-12, "relative_tolerance": 1e-8}},
        "seed": 42,
        "environment": {"SBMLTWIN_WORKERS": None},
        "results": {
            "cases": [
                {
                    "id": "Demo2024",
                    "source": "doi:10.0000/demo",
                    "citation": f"Doe J et al. {SCRIPT} J Demo 2024",
                    "model": "demo_model",
                    "role": "validation",
                    "doses": ["100 mg oral"],
                    "fold": 2.0,
                    "groups": [
                        {
                            "name": "GroupNM",
                            "description": f"normal metabolizers {SCRIPT}",
                            "explain": "f_cyp: 1 → 1   (CYP2D6 *1/*1 → AS 2.0 → NM → f = 1)\n<b>not bold</b>",
                            "members": [
                                {"label": "GroupNM", "weight": 1.0, "parameters": {"f_cyp": 1.0}}
                            ],
                            "outputs": [_output(1.1)],
                        },
                        {
                            "name": "Group_PM",
                            "description": "poor metabolizers, n=3",
                            "explain": "f_cyp: 1 → 0   (CYP2D6 *4/*4 → AS 0 → PM → f = 0)",
                            "members": [
                                {"label": "Group_PM", "weight": 1.0, "parameters": {"f_cyp": 0.0}}
                            ],
                            "outputs": [_output(3.0)],
                        },
                    ],
                    "ratios": [
                        {
                            "numerator": "Group_PM",
                            "denominator": "GroupNM",
                            "metric": "AUC",
                            "output": "drug_plasma",
                            "observed": 2.7,
                            "predicted": 1.0,
                            "guest_lower": 1.6,
                            "guest_upper": 4.5,
                            "within": False,
                        }
                    ],
                    "metrics": {"auc": pooled, "cmax": pooled, "observations": pooled},
                    "passed": False,
                    "model_sha256": "f" * 64,
                    "sensitivity": {
                        "group": "GroupNM",
                        "twin": "GroupNM",
                        "output": "[C]",
                        "perturbation": 0.01,
                        "rows": [
                            {
                                "parameter": "k_<el>",
                                "value": 0.2,
                                "unit": "1/h",
                                "s_auc": -0.98,
                                "s_cmax": -0.2,
                            },
                            {
                                "parameter": "ka",
                                "value": 1.0,
                                "unit": "1/h",
                                "s_auc": 0.0,
                                "s_cmax": 0.4,
                            },
                        ],
                    },
                }
            ],
            "overall": {
                "cases": 1,
                "cases_passed": 0,
                "groups": 2,
                "groups_within_fold_percent": 50.0,
                "auc": pooled,
                "cmax": pooled,
                "auc_and_cmax": pooled,
                "ratios_within_guest": 0,
                "ratios": 1,
            },
        },
        "citations": ["Guest EI et al. Drug Metab Dispos 2011;39:170"],
    }


def synthetic_manifest() -> Manifest:
    return parse_manifest(synthetic_manifest_dict(), where="synthetic")


def _no_open_figures() -> bool:
    import matplotlib.pyplot as plt

    return plt.get_fignums() == []


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    out = write_html(synthetic_manifest(), tmp_path / "sub" / "report.html")
    text = out.read_text(encoding="utf-8")
    assert out.is_file()
    # 2 time courses (linear, log), scatter, ratio figure
    assert text.count('src="data:image/png;base64,') == 4
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # citation, group description in the group table and in "How this was computed"
    assert text.count("&lt;script&gt;") == 3
    assert "&lt;b&gt;not bold&lt;/b&gt;" in text  # explain text is preformatted, escaped
    assert "k_&lt;el&gt;" in text  # parameter ids too
    for name in ("GroupNM", "Group_PM"):
        assert name in text
    assert "1.235" in text  # GMFE to 4 significant digits
    assert "sbmltwin reproduce report.json" in text
    assert "0" * 64 in text  # input SHA-256
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched from outside
    assert _no_open_figures()


def test_html_without_optional_parts(tmp_path: Path) -> None:
    manifest = synthetic_manifest()
    case = manifest.results.cases[0]
    bare = replace(case, ratios=(), sensitivity=None, citation="", passed=False)
    run = ValidationRun.of([bare])
    text = write_html(replace(manifest, results=run), tmp_path / "report.html").read_text(
        encoding="utf-8"
    )
    assert "Demo2024" in text
    assert "Group ratios" not in text
    assert "Local sensitivity" not in text
    assert text.count("data:image/png;base64,") == 3  # no ratio figure without ratios
    assert '<span class="fail">FAIL</span>' in text


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d["results"]["cases"][0].pop("passed"), "missing key 'passed'"),
        (lambda d: d["results"]["cases"][0].update(fold="2"), "results.cases[0].fold"),
        (lambda d: d["results"]["cases"][0].update(colour=1), "unknown key(s) ['colour']"),
        (lambda d: d.update(schema_version=1), "schema_version 1 is not supported"),
        (lambda d: d.update(schema_version=3), "use the sbmltwin version that wrote it"),
    ],
)
def test_manifest_reading_names_what_is_wrong(
    edit: Callable[[dict[str, Any]], object], needle: str
) -> None:
    data = synthetic_manifest_dict()
    edit(data)
    with pytest.raises(ValidationDataError) as info:
        parse_manifest(data, where="edited/report.json")
    assert needle in str(info.value) and "edited/report.json" in str(info.value)


def test_manifest_round_trips_through_json() -> None:
    manifest = synthetic_manifest()
    again = parse_manifest(json.loads(json.dumps(manifest.to_dict())), where="x")
    assert again == manifest


def test_pdf_has_title_figures_and_tables(tmp_path: Path) -> None:
    out = write_pdf(synthetic_manifest(), tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 10_000
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    # title, scatter, ratios, 2 time courses, case tables, reproducibility
    assert pages >= 7
    assert b"sbmltwin" in data  # Creator metadata
    assert b"/CreationDate" not in data  # reproducible bytes
    assert _no_open_figures()


def test_pdf_is_byte_reproducible(tmp_path: Path) -> None:
    a = write_pdf(synthetic_manifest(), tmp_path / "a" / "report.pdf").read_bytes()
    b = write_pdf(synthetic_manifest(), tmp_path / "b" / "report.pdf").read_bytes()
    assert a == b


def test_figures_label_units_and_use_log_axes() -> None:
    case = synthetic_manifest().results.cases[0]
    fig = timecourse_figure(case, "drug_plasma", log=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "time [h]"
    assert ax.get_ylabel() == "drug_plasma [µmol/l]"
    # the same colour for a group's observed markers and predicted line
    lines = ax.get_lines()
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    scatter = scatter_figure([case])
    assert [a.get_xscale() for a in scatter.axes] == ["log", "log"]
    assert ratio_figure([case]) is not None
    assert ratio_figure([replace(case, ratios=())]) is None
