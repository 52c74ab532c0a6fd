"""Batch accounting: the trainer's grid, re-issue of lost batches, cut and resumed batches."""
import pytest

from supervisor.batches import Assignment, BatchBook


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
