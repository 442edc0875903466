"""Plot a simulation result with matplotlib (headless Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sbmltwin.engine import SimulationResult

__all__ = ["plot_result"]


def plot_result(result: SimulationResult, path: str | Path, *, title: str = "") -> Path:
    """Write a PNG with one line per output column against time, grouped by unit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = result.frame
    columns = [c for c in frame.columns if c != "time"]
    by_unit: dict[str, list[str]] = {}
    for c in columns:
        by_unit.setdefault(result.units.get(c, "?"), []).append(c)
    fig, axes = plt.subplots(
        len(by_unit) or 1, 1, figsize=(7, 2.8 * max(1, len(by_unit))), squeeze=False
    )
    for ax, (unit, cols) in zip(axes[:, 0], by_unit.items(), strict=False):
        for c in cols:
            ax.plot(frame["time"], frame[c], label=c)
        ax.set_ylabel(f"[{unit}]")
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(f"time [{result.units.get('time', '?')}]")
    if title:
        axes[0, 0].set_title(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
