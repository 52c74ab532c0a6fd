"""A remote worker's reconnection policy: 1 s doubling to 32 s, reset after a real session; exits that say why."""
import pytest

from worker import remote as wr


class Script:
    """Stands in for sessions: returns the scripted ends in order, records the sleeps between them."""

    def __init__(self, monkeypatch, ends):
        self.ends = list(ends)
        self.sleeps = []
        monkeypatch.setattr(wr.time, "sleep", self.sleeps.append)

    def session(self, context, wake, kernel):
        return self.ends.pop(0)


def run(monkeypatch, ends, **options):
    script = Script(monkeypatch, ends)
    worker = wr.RemoteWorker("tcp://127.0.0.1:1", None, "w", out=open("/dev/null", "w"), **options)
    monkeypatch.setattr(worker, "_session", script.session)
    return worker.run(), script.sleeps


def test_backoff_doubles_to_32_s_and_starts_over_after_a_session(monkeypatch):
    lost = wr.End("lost", "no answer to join")
    code, sleeps = run(monkeypatch, [lost] * 8 + [wr.End("lost", "supervisor silent", joined=True), lost,
                                     wr.End("stop", "done")])
    assert code == wr.EXIT_STOPPED
    assert sleeps == [1, 2, 4, 8, 16, 32, 32, 32, 1, 2]


@pytest.mark.parametrize("end, code", [
    (wr.End("refused", "abstraction hash differs", retry=False), wr.EXIT_REFUSED),
    (wr.End("auth", "key not authorized", retry=False), wr.EXIT_AUTH),
    (wr.End("load", "no bucket file", retry=False), wr.EXIT_LOAD),
])
def test_refusals_that_joining_again_cannot_cure_end_the_process(monkeypatch, end, code):
    assert run(monkeypatch, [end]) == (code, [])


def test_a_refusal_that_may_pass_is_retried(monkeypatch):
    busy = wr.End("refused", "the name is in use", retry=True)
    assert run(monkeypatch, [busy, busy, wr.End("stop", "x")]) == (wr.EXIT_STOPPED, [1, 2])


def test_retry_for_bounds_the_time_without_a_session(monkeypatch):
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(wr.time, "monotonic", lambda: next(clock))
    code, sleeps = run(monkeypatch, [wr.End("lost", "x")] * 20, retry_for=35)
    assert code == wr.EXIT_GAVE_UP and len(sleeps) < 5
