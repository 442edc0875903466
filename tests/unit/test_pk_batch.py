"""nca_batch: each row equals nca() of that row, bit for bit, whatever the other rows."""

from __future__ import annotations

import numpy as np

from sbmltwin.pk import nca, nca_batch


def test_rows_equal_single_profiles() -> None:
    rng = np.random.default_rng(4)
    for _ in range(40):
        t = np.unique(np.sort(rng.uniform(0, 48, int(rng.integers(5, 300)))))
        n = int(rng.integers(1, 12))
        ka, ke = rng.uniform(0.1, 4, (n, 1)), rng.uniform(0.02, 0.8, (n, 1))
        c = 10 * (np.exp(-ke * t) - np.exp(-ka * t))
        c[rng.random(c.shape) < 0.03] = 0.0
        batch = nca_batch(t, c, adj_r2_factor=1e-9)
        alone = nca_batch(t, c[::-1], adj_r2_factor=1e-9)  # other neighbours, same rows
        for i in range(n):
            one = nca(t, c[i], adj_r2_factor=1e-9).as_dict()
            for got in (batch.row(i).as_dict(), alone.row(n - 1 - i).as_dict()):
                assert all(
                    (a == b) or (np.isnan(a) and np.isnan(b))
                    for a, b in zip(one.values(), got.values(), strict=True)
                )
