"""Posts that name their parent (exports, Reddit): "load more" stubs as coverage."""

from __future__ import annotations

from modkit.model import Coverage


def add_truncated(coverage: Coverage, parent_key: str | None, count: int) -> None:
    """Record a "load more" stub under ``parent_key``: known counts add up, ``-1`` is unknown.

    Examples
    --------
    >>> cov = Coverage()
    >>> for n in (3, -1, 2):
    ...     add_truncated(cov, "t1_a", n)
    >>> cov.truncated
    {'t1_a': 5}
    """
    prev = coverage.truncated.get(parent_key)
    if prev is None or prev < 0:
        coverage.truncated[parent_key] = count
    elif count > 0:
        coverage.truncated[parent_key] = prev + count
