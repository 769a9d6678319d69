"""Inter-annotator agreement: percent, Cohen's and Fleiss' kappa, Krippendorff's alpha.

Ratings are a mapping ``{item: {reviewer: category}}``; missing ratings are just
absent. Items with fewer than two ratings carry no agreement information and
are left out of every statistic (Krippendorff's alpha drops them by definition).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from itertools import combinations

import pandas as pd

Ratings = Mapping[str, Mapping[str, Hashable]]


def _pairable(ratings: Ratings) -> list[list[Hashable]]:
    return [list(by.values()) for by in ratings.values() if len(by) >= 2]


def percent_agreement(ratings: Ratings) -> float:
    """Share of agreeing rater pairs, over all pairs on items rated at least twice.

    Examples
    --------
    >>> percent_agreement({"a": {"x": 1, "y": 1}, "b": {"x": 1, "y": 0}})
    0.5
    """
    agree = total = 0
    for values in _pairable(ratings):
        for u, v in combinations(values, 2):
            agree += u == v
            total += 1
    return agree / total if total else float("nan")


def cohen_kappa(ratings: Ratings, a: str, b: str) -> float:
    """Cohen's kappa between reviewers ``a`` and ``b`` on the items both rated.

    Examples
    --------
    >>> r = {i: {"x": v, "y": w} for i, (v, w) in enumerate([(1, 1), (1, 1), (0, 0), (0, 1)])}
    >>> round(cohen_kappa(r, "x", "y"), 3)
    0.5
    """
    pairs = [(by[a], by[b]) for by in ratings.values() if a in by and b in by]
    if not pairs:
        return float("nan")
    n = len(pairs)
    observed = sum(u == v for u, v in pairs) / n
    ca, cb = Counter(u for u, _ in pairs), Counter(v for _, v in pairs)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else float("nan")
    return (observed - expected) / (1 - expected)


def fleiss_kappa(ratings: Ratings) -> float:
    """Fleiss' kappa, in the form that allows a varying number of raters per item.

    Examples
    --------
    Fleiss (1971)'s worked example as given on Wikipedia: 10 items, 14 raters, 5 categories.

    >>> table = [[0,0,0,0,14],[0,2,6,4,2],[0,0,3,5,6],[0,3,9,2,0],[2,2,8,1,1],
    ...          [7,7,0,0,0],[3,2,6,3,0],[2,5,3,2,2],[6,5,2,1,0],[0,2,2,3,7]]
    >>> r = {i: {f"r{k}": c for k, c in enumerate(c for c, n in enumerate(row) for _ in range(n))}
    ...      for i, row in enumerate(table)}
    >>> round(fleiss_kappa(r), 3)
    0.21
    """
    items = _pairable(ratings)
    if not items:
        return float("nan")
    totals: Counter = Counter()
    p_items = []
    for values in items:
        counts = Counter(values)
        n = len(values)
        totals.update(counts)
        p_items.append(sum(c * (c - 1) for c in counts.values()) / (n * (n - 1)))
    n_ratings = sum(totals.values())
    p_bar = sum(p_items) / len(p_items)
    p_e = sum((c / n_ratings) ** 2 for c in totals.values())
    if p_e == 1.0:
        return 1.0 if p_bar == 1.0 else float("nan")
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(ratings: Ratings) -> float:
    """Krippendorff's alpha for nominal data with missing ratings (coincidence matrix).

    Examples
    --------
    Krippendorff (2011)'s example with missing data; nominal alpha is 0.743.

    >>> data = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> r = {i: {k: v[i] for k, v in data.items() if v[i] is not None} for i in range(12)}
    >>> round(krippendorff_alpha(r), 3)
    0.743
    """
    coincidence: Counter = Counter()
    for values in _pairable(ratings):
        m = len(values)
        for i, u in enumerate(values):
            for j, v in enumerate(values):
                if i != j:
                    coincidence[(u, v)] += 1 / (m - 1)
    n_c: Counter = Counter()
    for (u, _), w in coincidence.items():
        n_c[u] += w
    n = sum(n_c.values())
    if n <= 1:
        return float("nan")
    observed = sum(w for (u, v), w in coincidence.items() if u != v)
    expected = sum(n_c[u] * n_c[v] for u in n_c for v in n_c if u != v) / (n - 1)
    if expected == 0:
        return 1.0 if observed == 0 else float("nan")
    return 1 - observed / expected


def agreement_table(ratings_by_label: Mapping[str, Ratings]) -> pd.DataFrame:
    """All statistics for each label (rows): items, reviewers, percent, kappas, alpha.

    Cohen's kappa is reported when exactly two reviewers rated; Fleiss' kappa and
    Krippendorff's alpha always (they cover two or more).
    """
    rows = []
    for label, ratings in ratings_by_label.items():
        reviewers = sorted({r for by in ratings.values() for r in by})
        shared = sum(1 for by in ratings.values() if len(by) >= 2)
        rows.append({
            "label": label, "items": len(ratings), "items_multiply_rated": shared,
            "reviewers": len(reviewers), "percent": percent_agreement(ratings),
            "cohen_kappa": cohen_kappa(ratings, *reviewers) if len(reviewers) == 2 else float("nan"),
            "fleiss_kappa": fleiss_kappa(ratings), "krippendorff_alpha": krippendorff_alpha(ratings),
        })
    return pd.DataFrame(rows)


#: Column headings for people: the table's raw names are for code.
HEADINGS = {"label": "label", "items": "items", "items_multiply_rated": "rated twice+", "reviewers": "reviewers",
            "percent": "agreement", "cohen_kappa": "Cohen's κ", "fleiss_kappa": "Fleiss' κ",
            "krippendorff_alpha": "Krippendorff's α"}


def readable(table: pd.DataFrame) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, rows of cells (agreement as a percentage, coefficients to 3 places, ``n/a`` when
    undefined) and one hint per distinct reason a value is undefined.

    Examples
    --------
    >>> t = agreement_table({"toxic": {"a": {"x": True, "y": True}, "b": {"x": True, "y": False}}})
    >>> heads, rows, hints = readable(t)
    >>> rows[0][:5], hints
    (['toxic', '2', '2', '2', '50.0%'], [])
    >>> readable(agreement_table({"toxic": {"a": {"x": True}}}))[2]
    ['n/a: no item has labels from two reviewers yet, so there is nothing to compare; have a second reviewer label the same replies']
    """
    heads = [HEADINGS.get(c, c) for c in table.columns]
    rows, hints = [], []
    for r in table.to_dict("records"):
        cells = []
        for col, v in r.items():
            if col == "percent":
                cells.append("n/a" if pd.isna(v) else f"{100 * v:.1f}%")
            elif isinstance(v, float):
                cells.append("n/a" if pd.isna(v) else f"{v:.3f}")
            else:
                cells.append(str(v))
        rows.append(cells)
        if r.get("items_multiply_rated", 1) == 0:
            hint = ("n/a: no item has labels from two reviewers yet, so there is nothing to compare; "
                    "have a second reviewer label the same replies")
        elif pd.isna(r.get("cohen_kappa")) and r.get("reviewers") != 2:
            hint = (f"Cohen's κ n/a: it compares exactly two reviewers ({r.get('reviewers')} here); "
                    "read Fleiss' κ or Krippendorff's α")
        elif any(pd.isna(r.get(c)) for c in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha")):
            hint = ("κ/α n/a: chance agreement is 100% (every label the same), so there is nothing beyond "
                    "chance to measure; label more varied replies")
        else:
            continue
        if hint not in hints:
            hints.append(hint)
    return heads, rows, hints
