"""HTML and PDF validation reports rendered from a small synthetic manifest (no mocks)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from sbmltwin.report.html import write_html
from sbmltwin.report.pdf import write_pdf
from sbmltwin.report.plots import ratio_figure, scatter_figure, timecourse_figure

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


def synthetic_manifest() -> dict[str, Any]:
    """1 case, 2 groups, 1 output; hostile strings where a manifest carries free text."""
    pooled = {
        "n": 2.0,
        "gmfe": GMFE,
        "afe": 1.1,
        "within_1.25": 50.0,
        "within_1.5": 50.0,
        "within_2": 100.0,
    }
    return {
        "schema_version": 1,
        "tool": "sbmltwin",
        "command": "sbmltwin validate cases -o report",
        "created": "2024-01-01T00:00:00+00:00",
        "inputs": {"cases/Demo2024.toml": "0" * 64},
        "versions": {"sbmltwin": "0.1.0", "libroadrunner": "2.7.0"},
        "settings": {"integrator": {"absolute_tolerance": 1e-12, "relative_tolerance": 1e-8}},
        "seed": 42,
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
                            "outputs": {"drug_plasma": _output(1.1)},
                        },
                        {
                            "name": "Group_PM",
                            "description": "poor metabolizers, n=3",
                            "explain": "f_cyp: 1 → 0   (CYP2D6 *4/*4 → AS 0 → PM → f = 0)",
                            "outputs": {"drug_plasma": _output(3.0)},
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
                    "sensitivity": [
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


def test_html_tolerates_missing_optional_keys(tmp_path: Path) -> None:
    manifest = synthetic_manifest()
    for key in ("citations", "environment", "inputs", "versions", "settings"):
        manifest.pop(key, None)
    case = manifest["results"]["cases"][0]
    for key in ("ratios", "sensitivity", "metrics", "citation", "passed"):
        case.pop(key)
    case["groups"][1]["outputs"]["drug_plasma"]["auc_fold"] = None  # NaN in JSON is null
    text = write_html(manifest, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Demo2024" in text
    assert "Group ratios" not in text
    assert "Local sensitivity" not in text
    assert text.count("data:image/png;base64,") == 3  # no ratio figure without ratios
    assert '<span class="na">n/a</span>' in text  # verdict missing, not invented


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
    case = synthetic_manifest()["results"]["cases"][0]
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
    assert ratio_figure([{"id": "no ratios"}]) is None
