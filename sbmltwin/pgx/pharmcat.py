"""Read PharmCAT files: an outside-call TSV and the phenotyper's ``*.phenotype.json``.

Only genes with CPIC tables in sbmltwin are returned (``known_genes()``); other genes in the file
(HLA-B, MT-RNR1, G6PD …) are skipped and logged at INFO, or refused with ``skip_unknown_genes=False``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sbmltwin.errors import GenotypeError

from ._tables import gene_table
from .phenotypes import Phenotype
from .scores import GeneCall, call_activity_score, call_genotype, call_phenotype

__all__ = ["read_pharmcat_outside_call", "read_pharmcat_phenotype_json"]

log = logging.getLogger(__name__)

SOURCE_OUTSIDE = "PharmCAT outside call"
SOURCE_JSON = "PharmCAT phenotype JSON"
_MAX_BYTES = 64 * 1024 * 1024


def _read_text(path: str | Path) -> str:
    p = Path(path)
    try:
        if p.stat().st_size > _MAX_BYTES:
            raise GenotypeError(f"larger than {_MAX_BYTES // 2**20} MiB", where=str(p))
        return p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GenotypeError(
            f"not UTF-8 (byte {err.start})", where=str(p), hint="PharmCAT files are UTF-8"
        ) from err
    except OSError as err:
        raise GenotypeError(f"cannot read: {err.strerror or err}", where=str(p)) from err


def _score(text: str, where: str) -> float:
    try:
        value = float(text.strip().lstrip("≥").strip())
    except ValueError as err:
        raise GenotypeError(f"activity score {text!r} is not a number", where=where) from err
    return value


def read_pharmcat_outside_call(
    path: str | Path, *, skip_unknown_genes: bool = True
) -> dict[str, GeneCall]:
    """Gene calls from a PharmCAT outside-call file (tab-separated; ``#`` lines are comments).

    Columns: gene, diplotype, phenotype, activity score; each line gives at least one of the
    last three. As in PharmCAT, a given activity score decides for activity-score genes, else the
    phenotype, else the diplotype; but where PharmCAT warns when given values disagree, this
    raises :class:`~sbmltwin.errors.GenotypeError` naming the file and line.
    """
    text = _read_text(path)
    calls: dict[str, GeneCall] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
        if len(fields) > 4:
            raise GenotypeError(
                f"{len(fields)} tab-separated fields; at most 4 expected",
                where=where,
                hint="columns: gene, diplotype, phenotype, activity score",
            )
        gene, diplotype, phenotype, score = [*fields, "", "", ""][:4]
        if not gene:
            raise GenotypeError("no gene symbol in the first column", where=where)
        table = gene_table(gene)
        if table is None:
            if skip_unknown_genes:
                log.info("%s: skipped %s (no CPIC tables in sbmltwin)", where, gene)
                continue
            raise GenotypeError(f"{gene!r} is not a gene with CPIC tables in sbmltwin", where=where)
        if table.gene in calls:
            raise GenotypeError(f"second line for {table.gene}", where=where)
        if not (diplotype or phenotype or score):
            raise GenotypeError(
                f"{table.gene} has no diplotype, phenotype or activity score", where=where
            )
        try:
            calls[table.gene] = _outside_call(table.gene, diplotype, phenotype, score, where)
        except GenotypeError as err:
            if err.where and err.where.startswith(str(path)):
                raise
            inner = f"{err.where}: {err.what}" if err.where else err.what
            raise GenotypeError(inner, where=where, hint=err.hint) from err
    return calls


def _outside_call(gene: str, diplotype: str, phenotype: str, score: str, where: str) -> GeneCall:
    candidates: list[GeneCall] = []
    if score:
        candidates.append(call_activity_score(gene, _score(score, where)))
    if phenotype:
        candidates.append(call_phenotype(gene, phenotype))
    if diplotype:
        candidates.append(call_genotype(gene, diplotype))
    chosen = candidates[0]
    for other in candidates[1:]:
        if other.phenotype is not chosen.phenotype:
            raise GenotypeError(
                f"{gene} {other.source} gives {other.phenotype.value} but {chosen.source}"
                f" gives {chosen.phenotype.value}",
                where=where,
            )
        if chosen.activity_score is not None and other.activity_score is not None:
            if other.activity_score != chosen.activity_score:
                raise GenotypeError(
                    f"{gene} diplotype gives activity score {other.activity_score}"
                    f" but the file gives {chosen.activity_score}",
                    where=where,
                )
    genotype = candidates[-1] if diplotype else None
    score_value = chosen.activity_score
    if score_value is None and genotype is not None:
        score_value = genotype.activity_score
    return GeneCall(
        gene=gene,
        diplotype=genotype.diplotype if genotype else None,
        activity_score=score_value,
        phenotype=chosen.phenotype,
        table_version=chosen.table_version,
        source=SOURCE_OUTSIDE,
    )


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise GenotypeError(f"missing key {key!r}", where=where)
    value = obj[key]
    if not isinstance(value, kind):
        raise GenotypeError(
            f"key {key!r} is {type(value).__name__}, expected {kind.__name__}", where=where
        )
    return value


def read_pharmcat_phenotype_json(
    path: str | Path, *, skip_unknown_genes: bool = True
) -> dict[str, GeneCall]:
    """Gene calls (CPIC source diplotypes) from a PharmCAT ``*.phenotype.json`` file.

    PharmCAT's own phenotype, activity score and CPIC version (``phenotypeVersion``) are kept as
    reported; the diplotype is PharmCAT's label. Genes PharmCAT did not call (no phenotype,
    label ``Unknown/Unknown``) are left out. Several source diplotypes with different phenotypes
    raise :class:`~sbmltwin.errors.GenotypeError`; when they agree the diplotype is None.
    """
    text = _read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise GenotypeError(
            f"not JSON: {err.msg}", where=f"{path}: line {err.lineno} column {err.colno}"
        ) from err
    except RecursionError as err:
        raise GenotypeError("JSON nested too deeply", where=str(path)) from err
    reports = _get(doc, "geneReports", dict, str(path))
    key = "geneReports"
    if "CPIC" in reports and isinstance(reports["CPIC"], dict):  # PharmCAT 2.x: by source
        reports, key = reports["CPIC"], "geneReports.CPIC"
    calls: dict[str, GeneCall] = {}
    for gene, report in reports.items():
        where = f"{path}: {key}.{gene}"
        table = gene_table(gene) if isinstance(gene, str) else None
        if table is None:
            if skip_unknown_genes:
                log.info("%s: skipped (no CPIC tables in sbmltwin)", where)
                continue
            raise GenotypeError(f"{gene!r} is not a gene with CPIC tables in sbmltwin", where=where)
        call = _json_call(table.gene, report, where)
        if call is not None:
            calls[table.gene] = call
    return calls


def _json_call(gene: str, report: Any, where: str) -> GeneCall | None:
    version = report.get("phenotypeVersion") if isinstance(report, dict) else None
    sources = _get(report, "sourceDiplotypes", list, where)
    found: list[tuple[str, Phenotype, float | None]] = []
    for i, entry in enumerate(sources):
        here = f"{where}.sourceDiplotypes[{i}]"
        label = _get(entry, "label", str, here)
        phenotypes = [
            p for p in _get(entry, "phenotypes", list, here) if p not in ("n/a", "", None)
        ]
        if not phenotypes or label.startswith("Unknown"):
            continue
        if len(phenotypes) != 1 or not isinstance(phenotypes[0], str):
            raise GenotypeError(f"{len(phenotypes)} phenotypes {phenotypes!r}", where=here)
        try:
            phenotype = call_phenotype(gene, phenotypes[0]).phenotype
        except GenotypeError as err:
            raise GenotypeError(err.what, where=f"{here}.phenotypes", hint=err.hint) from err
        raw = entry.get("activityScore")
        score = None
        if raw not in (None, "", "n/a"):
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise GenotypeError(f"activityScore {raw!r} is not a number", where=here)
            score = _score(str(raw), f"{here}.activityScore")
        found.append((label, phenotype, score))
    if not found:
        return None
    if len({(p, s) for _, p, s in found}) > 1:
        options = "; ".join(f"{lab} → {p.value}" for lab, p, _ in found)
        raise GenotypeError(
            f"{gene} is ambiguous: {options}",
            where=where,
            hint="resolve the call (e.g. with an outside call) or give the phenotype",
        )
    label, phenotype, score = found[0]
    if not isinstance(version, str) or not version:
        raise GenotypeError("missing key 'phenotypeVersion'", where=where)
    return GeneCall(
        gene=gene,
        diplotype=label if len(found) == 1 else None,
        activity_score=score,
        phenotype=phenotype,
        table_version=version,
        source=SOURCE_JSON,
    )
