"""``cohort-summary``: per-phenotype medians and 5–95 % ranges of each metric, and ratio to NM."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sbmltwin.errors import SbmlTwinError

__all__ = ["summarize_cohort", "write_summary_html"]


def summarize_cohort(path: str | Path, *, by: str | None = None) -> pd.DataFrame:
    """One row per (group, metric): unit, n, failed, median, p5, p95 and the median's ratio to NM.

    ``by`` is a column such as ``CYP2D6_phenotype`` (default: the first ``*_phenotype`` column)
    or ``CYP2D6_activity_score``. Failed twins are counted, never summarized.
    """
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as err:
        raise SbmlTwinError(f"cannot read cohort table: {err}", where=str(path)) from err
    frame = table.to_pandas()
    meta = table.schema.metadata or {}
    try:
        units = json.loads(meta.get(b"sbmltwin.units", b"{}"))
    except ValueError:
        units = {}
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
                    "unit": units.get(metric, ""),
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


def write_summary_html(path: str | Path, out: str | Path, *, by: str | None = None) -> Path:
    """The summary table plus one box plot per metric (groups side by side), self-contained."""
    import base64
    import io
    from html import escape

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.parquet as pq

    table = summarize_cohort(path, by=by)
    column = str(table.columns[0])
    frame = pq.read_table(path).to_pandas()
    ok = frame[frame["status"] == "ok"]
    groups = [g for g in table[column].drop_duplicates() if g == g]
    images = []
    unit_of = dict(zip(table["metric"], table["unit"], strict=True))
    for metric in table["metric"].drop_duplicates():
        data = [ok.loc[ok[column] == g, metric].dropna().to_numpy() for g in groups]
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        ax.boxplot(data, whis=(5, 95), showfliers=False)
        ax.set_xticks(range(1, len(groups) + 1), [str(g) for g in groups], rotation=20)
        ax.set_title(str(metric))
        unit = unit_of.get(metric, "")
        ax.set_ylabel(str(metric).rsplit(".", 1)[-1] + (f" ({unit})" if unit else ""))
        ax.grid(alpha=0.3)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        images.append((str(metric), base64.b64encode(buffer.getvalue()).decode("ascii")))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(v) if not isinstance(v, float) else f'{v:.4g}')}</td>" for v in r
        )
        + "</tr>"
        for r in table.itertuples(index=False)
    )
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    figures = "".join(
        f'<figure><img alt="{escape(m)}" src="data:image/png;base64,{b64}"><figcaption>{escape(m)}: '
        "boxes 25–75 %, whiskers 5–95 %</figcaption></figure>"
        for m, b64 in images
    )
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>sbmltwin cohort summary</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>"
        f"<h1>Cohort summary</h1><p>{escape(str(path))}, grouped by {escape(column)}; failed twins are "
        f"counted, never summarized.</p><table><tr>{head}</tr>{rows}</table>{figures}</body></html>"
    )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
