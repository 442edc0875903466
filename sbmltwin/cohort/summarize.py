"""``cohort-summary``: per-phenotype medians and 5–95 % ranges of each metric, and ratio to NM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sbmltwin.errors import SbmlTwinError

__all__ = ["summarize_cohort"]


def summarize_cohort(path: str | Path, *, by: str | None = None) -> pd.DataFrame:
    """One row per (group, metric): n, failed, median, p5, p95 and the median's ratio to NM.

    ``by`` is a column such as ``CYP2D6_phenotype`` (default: the first ``*_phenotype`` column)
    or ``CYP2D6_activity_score``. Failed twins are counted, never summarized.
    """
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as err:
        raise SbmlTwinError(f"cannot read cohort table: {err}", where=str(path)) from err
    if by is None:
        by = next((c for c in frame.columns if c.endswith("_phenotype")), None)
    if by is None or by not in frame.columns:
        raise SbmlTwinError(f"no column {by!r} to group by", where=str(path))
    metrics = [c for c in frame.columns if "." in c and frame[c].dtype.kind == "f"]
    ok = frame[frame["status"] == "ok"]
    rows = []
    for group, sub in frame.groupby(by, dropna=False, sort=True):
        good = ok[ok[by] == group] if group == group else ok[ok[by].isna()]
        for metric in metrics:
            values = good[metric]
            rows.append(
                {
                    by: group,
                    "metric": metric,
                    "n": len(sub),
                    "failed": int((sub["status"] != "ok").sum()),
                    "median": values.median(),
                    "p5": values.quantile(0.05),
                    "p95": values.quantile(0.95),
                }
            )
    out = pd.DataFrame(rows)
    ref = out[out[by].isin(["NM", 2.0])].set_index("metric")["median"]
    out["ratio_to_nm"] = [
        r["median"] / ref[r["metric"]] if r["metric"] in ref.index else float("nan")
        for _, r in out.iterrows()
    ]
    return out
