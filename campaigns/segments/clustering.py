"""Suggested behavioural segments: k-means over scaled recency, frequency and value.

Pure pandas, numpy and scikit-learn (no Django), like churn.scoring: the service reads the
scored base into a frame, this module clusters it and describes each cluster's centre
in words against the base's quantiles ("frequent high spenders gone quiet").

The features are log1p of recency (days since the last order), order count and revenue,
standardised: all three are heavy-tailed, and k-means measures plain distances. The
number of clusters (3..6) is the one with the best silhouette on a seeded sample, fitted
on that sample; the whole base is then assigned to the nearest centre, so memory and
time stay bounded at a million customers. The same frame and seed give the same
clusters, which keeps the nightly run idempotent.

Labels are plain English keys marked with ``gettext_noop`` so makemessages collects them;
pages translate them at display."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler


def gettext_noop(message: str) -> str:
    """Marks a label for translation (makemessages looks for this name); no Django here."""
    return message


FEATURE_COLUMNS = ("recency_days", "order_count", "revenue_cents")
K_RANGE = range(3, 7)  # fewer than 3 says little; more than 6 nobody reads
SEED = 20_260_601  # fixed: the same base gives the same clusters every night
SAMPLE_SIZE = 5_000  # silhouette is O(n²): 5,000 rows take a fraction of a second per k
KMEANS_RESTARTS = 4  # k-means++ restarts per k on the sample
MIN_CUSTOMERS = 30  # below this, clusters of a handful of customers describe nobody
ONE_TIME_MAX_ORDERS = 1.5  # a centre below this is "one-time buyers"
LOW_QUANTILE, HIGH_QUANTILE = 1 / 3, 2 / 3  # "low"/"high" against the base's thirds

LABELS: dict[tuple[str, str, str], str] = {
    ("frequent", "high", "recent"): gettext_noop("active frequent high spenders"),
    ("frequent", "high", "cooling"): gettext_noop("frequent high spenders cooling off"),
    ("frequent", "high", "quiet"): gettext_noop("frequent high spenders gone quiet"),
    ("frequent", "mid", "recent"): gettext_noop("active frequent mid spenders"),
    ("frequent", "mid", "cooling"): gettext_noop("frequent mid spenders cooling off"),
    ("frequent", "mid", "quiet"): gettext_noop("frequent mid spenders gone quiet"),
    ("frequent", "low", "recent"): gettext_noop("active frequent low spenders"),
    ("frequent", "low", "cooling"): gettext_noop("frequent low spenders cooling off"),
    ("frequent", "low", "quiet"): gettext_noop("frequent low spenders gone quiet"),
    ("occasional", "high", "recent"): gettext_noop("active occasional high spenders"),
    ("occasional", "high", "cooling"): gettext_noop("occasional high spenders cooling off"),
    ("occasional", "high", "quiet"): gettext_noop("occasional high spenders gone quiet"),
    ("occasional", "mid", "recent"): gettext_noop("active occasional mid spenders"),
    ("occasional", "mid", "cooling"): gettext_noop("occasional mid spenders cooling off"),
    ("occasional", "mid", "quiet"): gettext_noop("occasional mid spenders gone quiet"),
    ("occasional", "low", "recent"): gettext_noop("active occasional low spenders"),
    ("occasional", "low", "cooling"): gettext_noop("occasional low spenders cooling off"),
    ("occasional", "low", "quiet"): gettext_noop("occasional low spenders gone quiet"),
    ("one_time", "high", "recent"): gettext_noop("new one-time high spenders"),
    ("one_time", "high", "cooling"): gettext_noop("one-time high spenders cooling off"),
    ("one_time", "high", "quiet"): gettext_noop("one-time high spenders gone quiet"),
    ("one_time", "mid", "recent"): gettext_noop("new one-time mid spenders"),
    ("one_time", "mid", "cooling"): gettext_noop("one-time mid spenders cooling off"),
    ("one_time", "mid", "quiet"): gettext_noop("one-time mid spenders gone quiet"),
    ("one_time", "low", "recent"): gettext_noop("new one-time low spenders"),
    ("one_time", "low", "cooling"): gettext_noop("one-time low spenders cooling off"),
    ("one_time", "low", "quiet"): gettext_noop("one-time low spenders gone quiet"),
}


@dataclass(frozen=True)
class ClusterSummary:
    index: int
    label: str  # a LABELS key, English; translate at display
    size: int
    centre: dict[str, float]  # FEATURE_COLUMNS in their own units (days, orders, cents)


@dataclass(frozen=True)
class Clustering:
    k: int
    silhouette: float
    clusters: tuple[ClusterSummary, ...]
    assignment: pd.Series  # customer id -> cluster index


def _features(frame: pd.DataFrame) -> np.ndarray:
    values = frame.loc[:, list(FEATURE_COLUMNS)].astype("float64").clip(lower=0)
    logged: np.ndarray = np.log1p(values.to_numpy())
    return logged


def _sample(n: int, rng: np.random.Generator) -> np.ndarray:
    if n <= SAMPLE_SIZE:
        return np.arange(n)
    return np.sort(rng.choice(n, size=SAMPLE_SIZE, replace=False))


def _best_k(sample: np.ndarray) -> tuple[int, float, np.ndarray]:
    """The k of K_RANGE with the best silhouette on ``sample``, its score and centres."""
    distinct = len(np.unique(sample, axis=0))
    best: tuple[int, float, np.ndarray] | None = None
    for k in K_RANGE:
        if k >= distinct:
            break
        model = KMeans(n_clusters=k, n_init=KMEANS_RESTARTS, random_state=SEED).fit(sample)
        score = float(silhouette_score(sample, model.labels_, random_state=SEED))
        if best is None or score > best[1]:
            best = (k, score, model.cluster_centers_)
    if best is None:  # almost no variety: one centre per distinct point
        centres = np.unique(sample, axis=0)
        return len(centres), 0.0, centres
    return best


def _level(value: float, low: float, high: float) -> str:
    if value >= high:
        return "high"
    if value <= low:
        return "low"
    return "mid"


Thirds = dict[str, tuple[float, float]]  # column -> (low, high) quantile of the base


def base_thirds(frame: pd.DataFrame) -> Thirds:
    """Per feature, the base's LOW and HIGH quantiles, against which centres are worded."""
    values = frame.loc[:, list(FEATURE_COLUMNS)].astype("float64")
    low, high = values.quantile(LOW_QUANTILE), values.quantile(HIGH_QUANTILE)
    return {name: (float(low[name]), float(high[name])) for name in FEATURE_COLUMNS}


def describe_centre(centre: dict[str, float], thirds: Thirds) -> str:
    """The label of a centre (original units) against the base's thirds."""
    recency = _level(centre["recency_days"], *thirds["recency_days"])
    orders = centre["order_count"]
    if orders < ONE_TIME_MAX_ORDERS:
        frequency = "one_time"
    elif orders >= max(thirds["order_count"][1], 2.0):
        frequency = "frequent"
    else:
        frequency = "occasional"
    value = _level(centre["revenue_cents"], *thirds["revenue_cents"])
    recency_word = {"low": "recent", "mid": "cooling", "high": "quiet"}[recency]
    return LABELS[(frequency, value, recency_word)]


def behaviour_clusters(frame: pd.DataFrame) -> Clustering | None:
    """Cluster ``frame`` (index: customer id; FEATURE_COLUMNS); None when the base is too
    small to say anything. Clusters are numbered by size, largest first."""
    frame = frame.dropna(subset=list(FEATURE_COLUMNS))
    if len(frame) < MIN_CUSTOMERS:
        return None
    features = _features(frame)
    scaler = StandardScaler().fit(features)
    scaled = scaler.transform(features)
    rng = np.random.default_rng(SEED)
    sample = scaled[_sample(len(scaled), rng)]
    k, silhouette, centres = _best_k(sample)
    final = KMeans(n_clusters=k, init=centres, n_init=1, random_state=SEED).fit(scaled)
    raw_labels = final.labels_
    sizes = np.bincount(raw_labels, minlength=k)
    order = np.argsort(-sizes, kind="stable")  # new index i = old cluster order[i]
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(k)
    original = np.expm1(scaler.inverse_transform(final.cluster_centers_))
    thirds = base_thirds(frame)
    summaries = []
    for new_index, old_index in enumerate(order):
        centre = {
            name: round(float(original[old_index, j]), 2) for j, name in enumerate(FEATURE_COLUMNS)
        }
        summaries.append(
            ClusterSummary(
                index=new_index,
                label=describe_centre(centre, thirds),
                size=int(sizes[old_index]),
                centre=centre,
            )
        )
    assignment = pd.Series(renumber[raw_labels], index=frame.index, name="cluster")
    return Clustering(k=k, silhouette=silhouette, clusters=tuple(summaries), assignment=assignment)
