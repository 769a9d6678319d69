"""A shared queue: reviewers on one store see each other's decisions and claims as they happen."""

from __future__ import annotations

import pandas as pd

from modkit.review import LabelStore
from modkit.review.session import ReviewSession

SCORED = pd.DataFrame({"comment_id": list("abcd"), "thread_id": "t", "text": ["w", "x", "y", "z"],
                       "toxicity": [0.9, 0.8, 0.7, 0.6]})


def _session(store_path, who, copies):
    return ReviewSession(SCORED, LabelStore(store_path), who, only="all", copies=copies)


def test_single_review_serves_each_item_once_across_reviewers(tmp_path):
    path = tmp_path / "labels.sqlite"
    ana = _session(path, "ana", 1)
    ben = _session(path, "ben", 1)
    assert ana.current != ben.current  # ana's claim on her current item keeps it from ben
    first_ana, first_ben = ana.current, ben.current
    ana.decide("toxic")
    ben.decide("fine")
    served = {first_ana, first_ben, ana.current, ben.current}
    assert len(served) == 4 and None not in served  # nobody is served what another holds or decided
    ana.decide("fine")
    ben.decide("fine")
    assert ana.done and ben.done
    ana.close()
    ben.close()


def test_double_review_gives_each_item_to_two_reviewers_and_no_more(tmp_path):
    path = tmp_path / "labels.sqlite"
    seen: dict[str, set[str]] = {}
    sessions = [_session(path, who, 2) for who in ("ana", "ben", "cy")]
    for _ in range(8):
        for s in sessions:
            if not s.done:
                seen.setdefault(s.current, set()).add(s.reviewer)
                s.decide("fine")
    assert set(seen) == set("abcd") and all(len(v) == 2 for v in seen.values())


def test_closing_a_session_gives_its_item_back(tmp_path):
    path = tmp_path / "labels.sqlite"
    ana = _session(path, "ana", 1)
    held = ana.current
    ana.close()
    ben = _session(path, "ben", 1)
    assert ben.current == held
