"""Batch accounting: the trainer's grid, groups of batches, re-issue of lost ones, cut and resumed batches;
group sizes."""
import pytest

from supervisor.batches import Assignment, BatchBook, GroupSizer, batch_ranges


def test_batches_follow_the_trainer_grid():
    book = BatchBook(batch_size=10)
    assert [book.take() for _ in range(3)] == [Assignment(0, 0, 10, 0), Assignment(1, 10, 10, 10),
                                               Assignment(2, 20, 10, 20)]
    book.complete(1)
    assert book.completed_iterations == 10 and sorted(book.in_flight) == [0, 2]


def test_lost_batch_is_reissued_unchanged_before_new_ones():
    book = BatchBook(batch_size=10)
    first, _ = book.take(), book.take()
    book.lose(first.batch_id)
    assert book.pending == [0, 1] and not book.settled
    assert book.take(lost_only=True) == first
    assert book.take(lost_only=True) is None
    assert book.take() == Assignment(2, 20, 10, 20)
    book.lose(99)  # not in flight: nothing happens
    assert book.pending == [0, 1, 2]


def test_target_cuts_the_last_batch_and_finishes():
    book = BatchBook(batch_size=10, iterations=25)
    got = [book.take() for _ in range(3)]
    assert got[-1] == Assignment(2, 20, 5, 20)
    assert book.take() is None
    for a in got:
        assert not book.finished
        book.complete(a.batch_id)
    assert book.finished and book.completed_iterations == 25


def test_resume_inside_a_cut_batch_finishes_it_on_the_same_grid():
    """As the trainer: 25 done with B=10, 10 more: [25, 30) of batch 2 (anchored at 20), then [30, 35)."""
    book = BatchBook(batch_size=10, start_iteration=25, iterations=10)
    assert book.take() == Assignment(2, 25, 5, 20)
    assert book.take() == Assignment(3, 30, 5, 30)
    assert book.take() is None
    book.complete(2)
    book.complete(3)
    assert book.finished and book.completed_iterations == 35


def test_resume_with_pending_batches_runs_them_first():
    book = BatchBook(batch_size=5, start_iteration=15, iterations=10, next_batch=4, pending=(2,))
    assert book.take() == Assignment(2, 10, 5, 10)
    assert book.take() == Assignment(4, 20, 5, 20)
    assert book.take() == Assignment(5, 25, 5, 25)
    assert book.take() is None
    assert book.abandon_in_flight() == [2, 4, 5]
    assert book.pending == [2, 4, 5] and not book.in_flight and not book.finished


def test_time_bounded_runs_never_finish_by_count():
    book = BatchBook(batch_size=3)
    for _ in range(100):
        book.complete(book.take().batch_id)
    assert not book.finished and book.completed_iterations == 300


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        BatchBook(batch_size=0)


def test_groups_are_consecutive_batches_and_count_as_a_whole():
    book = BatchBook(batch_size=10, iterations=95)
    a = book.take(max_batches=4)
    assert a == Assignment(0, 0, 40, 0, 4) and list(a.batch_ids) == [0, 1, 2, 3]
    b = book.take(max_batches=100)
    assert b == Assignment(4, 40, 55, 40, 6)  # cut at the target: [40, 95), the last batch [90, 95)
    assert book.take(max_batches=100) is None
    assert book.pending == list(range(10)) and sorted(book.in_flight) == [0, 4]
    book.complete(4)
    assert book.completed_iterations == 55 and book.completed_batches == 6 and not book.finished
    book.complete(0)
    assert book.finished and book.completed_iterations == 95 and book.completed_batches == 10


def test_a_lost_group_is_reissued_as_its_batches_in_grid_order():
    book = BatchBook(batch_size=10)
    a, b = book.take(max_batches=3), book.take(max_batches=3)
    book.lose(b.batch_id)
    book.lose(a.batch_id)
    assert list(book.lost) == [0, 1, 2, 3, 4, 5]
    assert book.take(lost_only=True, max_batches=2) == Assignment(0, 0, 20, 0, 2)
    assert book.take(max_batches=10) == Assignment(2, 20, 40, 20, 4)  # lost ones first, never mixed with new
    assert book.take(max_batches=2) == Assignment(6, 60, 20, 60, 2)
    assert book.abandon_in_flight() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert book.pending == list(range(8))


def test_lost_batches_that_are_not_consecutive_go_out_in_separate_groups():
    book = BatchBook(batch_size=5, start_iteration=15, iterations=10, next_batch=6, pending=(4, 2))
    assert book.take(max_batches=10) == Assignment(2, 10, 5, 10, 1)
    assert book.take(max_batches=10) == Assignment(4, 20, 5, 20, 1)
    assert book.take(max_batches=10) == Assignment(6, 30, 10, 30, 2)


def test_a_group_may_start_with_the_resumed_cut_batch():
    book = BatchBook(batch_size=10, start_iteration=25, iterations=30)
    assert book.take(max_batches=10) == Assignment(2, 25, 30, 20, 4)  # [25, 30), 3 whole batches, [50, 55)


def test_group_sizer_aims_at_the_target_and_grows_gradually():
    sizer = GroupSizer(batch_size=100, target_seconds=0.5, max_batches=1000)
    assert sizer.size("w") == 1  # not measured yet
    sizer.measured("w", batches=1, iterations=100, seconds=0.0001)  # 1 M iterations/s: 5,000 batches wanted
    assert sizer.size("w") == 4
    for expected in (16, 64, 256, 1000, 1000):
        sizer.measured("w", batches=sizer.size("w"), iterations=sizer.size("w") * 100,
                       seconds=sizer.size("w") * 0.0001)
        assert sizer.size("w") == expected
    sizer.measured("w", batches=1000, iterations=100_000, seconds=1.0)  # slower: 100 k/s, 500 batches
    assert sizer.size("w") == 500
    sizer.measured("w", batches=1, iterations=100, seconds=0.001)  # a single re-issued batch measures the same
    assert sizer.size("w") == 500
    sizer.measured("w", batches=1, iterations=100, seconds=0.0)  # nothing measured: unchanged
    assert sizer.size("w") == 500 and sizer.size("other") == 1


def test_group_sizer_never_goes_below_one_and_zero_target_means_single_batches():
    slow = GroupSizer(batch_size=10_000, target_seconds=0.5, max_batches=1000)
    slow.measured(0, batches=1, iterations=10_000, seconds=3.0)
    assert slow.size(0) == 1
    off = GroupSizer(batch_size=100, target_seconds=0, max_batches=1000)
    off.measured(0, batches=1, iterations=100, seconds=1e-6)
    assert off.size(0) == 1
    with pytest.raises(ValueError):
        GroupSizer(batch_size=0, target_seconds=0.5, max_batches=1)


def test_a_new_process_starts_again_at_one_batch():
    sizer = GroupSizer(batch_size=100, target_seconds=0.5, max_batches=1000)
    sizer.measured(0, batches=1, iterations=100, seconds=0.0001)
    assert sizer.size(0) == 4
    sizer.forget(0)
    assert sizer.size(0) == 1
    sizer.forget(7)  # never measured: nothing to forget


def test_batch_ranges_are_runs_of_consecutive_ids():
    assert batch_ranges([]) == []
    assert batch_ranges([7, 3, 4, 5, 9, 10]) == [[3, 5], [7, 7], [9, 10]]
