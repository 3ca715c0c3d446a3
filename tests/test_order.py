"""The newest-first order and the date bounds derived from capture neighbours and dates."""
from __future__ import annotations

from kb.posts.order import compute_order


def test_dates_order_dated_posts_and_captures_place_the_rest():
    # Capture: A(undated) above B(01-22) above C(undated) above D(01-11); E dated 01-20 elsewhere.
    dates = {1: None, 2: "2026-01-22", 3: None, 4: "2026-01-11", 5: "2026-01-20"}
    order, bounds = compute_order(dates, [[1, 2, 3, 4]])
    assert order.index(1) < order.index(2) < order.index(3) < order.index(4)
    assert order.index(2) < order.index(5) < order.index(4)
    assert bounds[1] == ("2026-01-22", None)  # at least as new as B, no upper bound
    assert bounds[3] == ("2026-01-11", "2026-01-22")
    assert 2 not in bounds and 5 not in bounds


def test_bounds_travel_through_other_captures():
    # X is below the 01-22 post in one capture, and above Y in another; Y gets X's bound.
    dates = {1: "2026-01-22", 2: None, 3: None}
    _, bounds = compute_order(dates, [[1, 2], [2, 3]])
    assert bounds[3] == (None, "2026-01-22")


def test_contradicting_captures_still_give_every_post_once():
    dates = {1: None, 2: None, 3: None}
    order, bounds = compute_order(dates, [[1, 2, 3], [3, 1]])
    assert sorted(order) == [1, 2, 3]
    assert bounds == {}


def test_undated_posts_without_any_evidence_keep_capture_order():
    dates = {i: None for i in range(1, 6)}
    order, _ = compute_order(dates, [[1, 2, 3], [4, 5]])
    assert order == [1, 2, 3, 4, 5]


def test_contradicting_bounds_are_dropped_not_shown():
    # Y sits above the 01-23 post and below the 01-11 post: no honest bound exists.
    dates = {1: "2026-01-11", 2: None, 3: "2026-01-23"}
    _, bounds = compute_order(dates, [[1, 2, 3]])
    assert 2 not in bounds
