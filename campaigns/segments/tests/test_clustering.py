"""The clustering maths on small synthetic frames: no database."""

import numpy as np
import pandas as pd
import pytest

from campaigns.segments.clustering import (
    K_RANGE,
    LABELS,
    base_thirds,
    behaviour_clusters,
    describe_centre,
)


def _frame(seed: int = 3) -> pd.DataFrame:
    """Three obvious groups: loyal big spenders, lapsed regulars, new one-time buyers."""
    rng = np.random.default_rng(seed)
    n = 200
    groups = [
        (rng.normal(40, 3, n), rng.normal(20, 3, n), rng.normal(400_000, 40_000, n)),
        (rng.normal(300, 30, n), rng.normal(8, 1, n), rng.normal(80_000, 8_000, n)),
        (rng.normal(5, 1, n), np.ones(n), rng.normal(3_000, 300, n)),
    ]
    parts = [
        pd.DataFrame(
            {"recency_days": r.clip(0), "order_count": o.round().clip(1), "revenue_cents": v}
        )
        for r, o, v in groups
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame.index = pd.Index(np.arange(1000, 1000 + len(frame)), name="customer_id")
    return frame


def test_finds_the_groups_and_describes_them() -> None:
    result = behaviour_clusters(_frame())
    assert result is not None
    assert result.k in K_RANGE
    assert result.silhouette > 0.5
    labels = {c.label for c in result.clusters}
    assert "new one-time low spenders" in labels
    assert any("gone quiet" in label for label in labels)
    assert sum(c.size for c in result.clusters) == 600
    assert result.assignment.index.equals(_frame().index)
    sizes = [c.size for c in result.clusters]
    assert sizes == sorted(sizes, reverse=True)  # numbered by size


def test_is_deterministic() -> None:
    first, second = behaviour_clusters(_frame()), behaviour_clusters(_frame())
    assert first is not None
    assert second is not None
    assert first.clusters == second.clusters
    assert first.assignment.equals(second.assignment)


def test_too_small_a_base_gives_nothing() -> None:
    assert behaviour_clusters(_frame().head(10)) is None


def test_rows_without_figures_are_left_out() -> None:
    frame = _frame()
    frame.loc[frame.index[:5], "recency_days"] = np.nan
    result = behaviour_clusters(frame)
    assert result is not None
    assert len(result.assignment) == len(frame) - 5


def test_a_base_with_little_variety_still_clusters() -> None:
    frame = pd.DataFrame(
        {
            "recency_days": [1.0, 300.0] * 20,
            "order_count": [1.0, 5.0] * 20,
            "revenue_cents": [100.0, 9e4] * 20,
        }
    )
    result = behaviour_clusters(frame)
    assert result is not None
    assert result.k == 2


@pytest.mark.parametrize(
    ("centre", "label"),
    [
        (
            {"recency_days": 400, "order_count": 30, "revenue_cents": 900_000},
            "frequent high spenders gone quiet",
        ),
        ({"recency_days": 3, "order_count": 1, "revenue_cents": 100}, "new one-time low spenders"),
        (
            {"recency_days": 180, "order_count": 3, "revenue_cents": 10_000},
            "occasional mid spenders cooling off",
        ),
        (
            {"recency_days": 3, "order_count": 30, "revenue_cents": 900_000},
            "active frequent high spenders",
        ),
    ],
)
def test_centres_are_worded_against_the_base(centre: dict[str, float], label: str) -> None:
    base = pd.DataFrame(
        {
            "recency_days": np.linspace(0, 365, 99),
            "order_count": np.linspace(1, 10, 99),
            "revenue_cents": np.linspace(0, 20_000, 99),
        }
    )
    assert describe_centre(centre, base_thirds(base)) == label
    assert label in LABELS.values()
