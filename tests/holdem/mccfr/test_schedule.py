import pytest

from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.schedule import Discount, discounts_applied, discounts_between, discounts_for_batches

P = MCCFRParams(discount_interval=10, discount_until=35)


def test_interval_ends_up_to_the_limit():
    assert discounts_between(P, 0, 100) == [Discount(10, 1 / 2), Discount(20, 2 / 3), Discount(30, 3 / 4)]
    assert discounts_between(P, 5, 25) == [Discount(10, 1 / 2), Discount(20, 2 / 3)]
    assert discounts_between(P, 10, 19) == []  # an interval end belongs to the range that reaches it
    assert discounts_between(P, 30, 100) == []
    assert discounts_applied(P, 25) == 2


def test_ranges_compose():
    whole = discounts_between(P, 0, 37)
    parts = discounts_between(P, 0, 7) + discounts_between(P, 7, 20) + discounts_between(P, 20, 37)
    assert parts == whole


def test_off_without_linear_weighting():
    assert discounts_between(MCCFRParams(linear_weighting=False, discount_interval=1), 0, 100) == []


def test_bad_range():
    with pytest.raises(ValueError):
        discounts_between(P, 5, 4)


def test_batch_grid_defers_discounts_of_a_cut_batch():
    # interval ends 10, 20, 30; with batches of 10 a run cut at 27 has completed those ending at 10 and 20
    assert discounts_for_batches(P, 10, 0, 27) == [Discount(10, 1 / 2), Discount(20, 2 / 3)]
    assert discounts_for_batches(P, 7, 14, 20) == []  # batch [14, 21) not complete yet
    assert discounts_for_batches(P, 7, 20, 21) == [Discount(20, 2 / 3)]  # completing it applies 20
    with pytest.raises(ValueError):
        discounts_for_batches(P, 0, 0, 1)
