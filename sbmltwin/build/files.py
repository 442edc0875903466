"""The bindings file and README the builder writes beside the SBML, and writing all three."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sbmltwin.build.compound import Cited, Compound
from sbmltwin.errors import CompoundError
from sbmltwin.physiology import REFERENCE_GFR_ML_MIN, child_pugh_scaling

__all__ = ["README_BEGIN", "README_END", "bindings_text", "readme_text", "write_outputs"]

README_BEGIN = "<!-- sbmltwin build: generated from the compound file; do not edit by hand -->"
README_END = "<!-- end of sbmltwin build section -->"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise ("LIKELY POOR METABOLIZER")."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _q(name)


def _child_pugh_enzymes() -> set[str]:
    return set(child_pugh_scaling("A").cyp_activity)


def bindings_text(compound: Compound) -> str:
    """The bindings TOML: covariates, genes, Child-Pugh, dose targets and named outputs."""
    s = f"_{compound.id}"
    mw = f"{compound.molecular_weight.value:g} g/mol"
    lines = [
        f"# sbmltwin bindings for {compound.name}, written by `sbmltwin build` from the compound file.",
        "# Edit the compound file and rebuild rather than editing this file.",
        "schema_version = 1",
        "",
        "[model]",
        'sbml = "model.xml"',
        "",
        "[[covariates.weight]]",
        'parameter = "BW"',
        'law = "value"                 # body weight: fat-free mass, adipose; GFR ∝ BW^0.75',
        "",
        "[[covariates.female]]",
        'parameter = "female"',
        'law = "value"                 # 1 = female: the female ICRP 89 reference',
        "",
        "[[covariates.body_fat_fraction]]",
        'parameter = "f_fat"',
        'law = "value"                 # Deurenberg 1991 from weight, height, age, sex:',
        "                              # lean organs ∝ FFM, cardiac output ∝ FFM^0.75",
        "",
        "[[covariates.egfr]]",
        'parameter = "f_renal"',
        'law = "ratio"                 # GFR × eGFR (CKD-EPI 2021) / 120 mL/min/1.73 m²',
        f'reference = "{REFERENCE_GFR_ML_MIN:g} mL/min"',
    ]
    for gene, law in compound.genes.items():
        lines += ["", f"[[genes.{gene}]]", f'parameter = "f_{gene.lower()}"', f'law = "{law.law}"']
        if law.exponent:
            lines.append(f"exponent = {law.exponent.value!r}   # {law.exponent.source}")
        if law.reference:
            lines.append(f"reference = {law.reference.value!r}   # {law.reference.source}")
        if law.factors:
            items = ", ".join(f"{_key(k)} = {v!r}" for k, v in law.factors.items())
            lines.append(f"factors = {{ {items} }}   # {law.factors_source}")
    skipped = []
    for enzyme in sorted({p.enzyme for p in compound.pathways if p.enzyme}):
        if enzyme not in _child_pugh_enzymes():
            skipped.append(enzyme)
            continue
        lines += [
            "",
            "[[conditions.child_pugh]]",
            f'parameter = "f_{enzyme.lower()}"',
            'law = "child_pugh"',
            f'factor = "{enzyme}"',
            'apply = "scale"              # whole-liver capacity in hepatic impairment',
        ]
    if skipped:
        lines += ["", f"# no Child-Pugh factor is tabulated for {', '.join(skipped)}: not scaled"]
    lines += [
        "",
        "[dosing.oral]",
        'target = "A_lumen"',
        f'molecular_weight = "{mw}"   # doses are FREE BASE/ACID mass (salt: × salt_factor)',
        "",
        "[dosing.iv]",
        f'target = "C_ven{s}"',
        f'molecular_weight = "{mw}"',
        "",
        "[dosing.infusion]",
        f'target = "C_ven{s}"',
        f'molecular_weight = "{mw}"',
        "",
        "[outputs]",
        f'{_q(compound.name)} = {{ id = "C_plasma{s}", unit = "µmol/L" }}',
        f'{_q(compound.name + "_blood")} = {{ id = "[C_ven{s}]", unit = "µmol/L" }}',
    ]
    for m in compound.metabolites:
        lines.append(f'{_q(m.name)} = {{ id = "[C_{m.id}]", unit = "µmol/L" }}')
    return "\n".join(lines) + "\n"


def _row(c: Cited, sid: str) -> str:
    unit = c.unit or "–"
    note = f" ({c.note})" if c.note else ""
    return f"| `{c.key}` | {sid} | {c.value:.6g} | {unit} | {c.source}{note} |"


def _used_by(key: str) -> str:
    """Where a number that is not an SBML parameter is used."""
    if key.endswith("molecular_weight"):
        return "twin.toml (mass ↔ µmol)" if key.startswith("[compound]") else "outputs (mass units)"
    if key.endswith("salt_factor"):
        return "dose conversion (salt → free form)"
    if key.startswith("[physchem]"):
        return "`Kp_*` (Rodgers & Rowland)"
    if key.startswith("[genes."):
        gene = key.split(".", 1)[1].split("]")[0]
        return f"twin.toml [genes.{gene}] → `f_{gene.lower()}`"
    return "–"


def readme_text(
    compound: Compound,
    kp: dict[str, float],
    method: str,
    citation: str,
    hematocrit: float,
    ids: dict[str, str],
) -> str:
    """The generated README section: every cited number with its SBML id and source, and Kp."""
    rows = [_row(c, ids.get(c.key) or _used_by(c.key)) for c in compound.numbers()]
    pka = []
    if compound.pka_acid:
        pka.append(
            f"acid {', '.join(f'{v:g}' for v in compound.pka_acid.values)} ({compound.pka_acid.source})"
        )
    if compound.pka_base:
        pka.append(
            f"base {', '.join(f'{v:g}' for v in compound.pka_base.values)} ({compound.pka_base.source})"
        )
    kp_rows = "\n".join(
        [
            "| " + " | ".join(kp) + " |",
            "|" + "---|" * len(kp),
            "| " + " | ".join(f"{v:.4g}" for v in kp.values()) + " |",
        ]
    )
    return "\n".join(
        [
            README_BEGIN,
            f"## Parameters (from `compound.toml`, {compound.name})",
            "",
            "| compound file key | SBML id | value | unit | source |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"pKa: {'; '.join(pka) or 'none (neutral)'}.",
            "",
            f"**Kp** (tissue:plasma), {method}, {citation}; log P {compound.log_p.value:g}, "
            f"fu {compound.fu.value:g}, B:P {compound.bp.value:g}, hematocrit {hematocrit:g}"
            f"{'' if compound.hematocrit else ' (builder default, an assumption)'}; rat "
            "tissue composition as the human surrogate (`sbmltwin.physiology.partition`; rest uses "
            "muscle):",
            "",
            kp_rows,
            "",
            "**Physiology**: ICRP 89 reference male/female organ volumes and blood flows "
            "(doi:10.1016/S0146-6453(03)00002-2) scaled by "
            "`sbmltwin.physiology.organ_scaling_law`, as initial assignments of `BW`, `female` "
            "and `f_fat`: body fat from BMI, age and sex (Deurenberg 1991, doi:10.1079/BJN19910073; "
            "bound to the twin's weight, height, age and sex), lean tissues and blood ∝ fat-free "
            "mass, adipose the rest of the body weight, cardiac output ∝ FFM^0.75; GFR = "
            "`f_renal` × 120 mL/min × (BW/BW_ref)^0.75. Age acts only through body composition.",
            README_END,
            "",
        ]
    )


def write_outputs(out_dir: Path, sbml: str, bindings: str, readme_section: str) -> list[Path]:
    """Write model.xml, twin.toml and README.md (replacing only the generated section)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        model_path, bindings_path, readme_path = (
            out_dir / "model.xml",
            out_dir / "twin.toml",
            out_dir / "README.md",
        )
        model_path.write_text(sbml, encoding="utf-8")
        bindings_path.write_text(bindings, encoding="utf-8")
        if readme_path.exists():
            old = readme_path.read_text(encoding="utf-8")
            pattern = re.compile(
                re.escape(README_BEGIN) + ".*?" + re.escape(README_END) + "\n?", re.S
            )
            new = (
                pattern.sub(lambda _m: readme_section, old)
                if pattern.search(old)
                else old.rstrip("\n") + "\n\n" + readme_section
            )
        else:
            new = "# model built by sbmltwin build\n\n" + readme_section
        readme_path.write_text(new, encoding="utf-8")
    except OSError as err:
        raise CompoundError(f"cannot write the model: {err}", where=str(out_dir)) from err
    return [model_path, bindings_path, readme_path]
