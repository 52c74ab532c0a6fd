"""The gate that holds a host's kernel threads still between chunks: real threads, no timing."""
import threading

from worker.gate import Gate


def test_held_waits_for_every_thread_inside_a_batch_to_park_and_none_starts_meanwhile():
    gate = Gate()
    steps = [0, 0]
    stop = threading.Event()
    inside = threading.Barrier(3)

    def kernel(k: int) -> None:
        gate.enter()
        inside.wait()
        try:
            while not stop.is_set():
                gate.point()
                steps[k] += 1
        finally:
            gate.leave()

    threads = [threading.Thread(target=kernel, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    inside.wait()  # both are inside their batch
    for _ in range(20):
        with gate.held():
            frozen = list(steps)
            for _ in range(1000):  # while held, nothing moves
                assert steps == frozen
        # and once open, both move on
        while steps[0] == frozen[0] or steps[1] == frozen[1]:
            pass
    started = threading.Event()

    def late() -> None:
        gate.enter()
        started.set()
        gate.leave()

    with gate.held():
        newcomer = threading.Thread(target=late)
        newcomer.start()
        assert not started.wait(0.05)  # no batch starts while held
    newcomer.join()
    assert started.is_set()
    stop.set()
    for t in threads:
        t.join()


def test_held_does_not_wait_for_threads_outside_a_batch():
    gate = Gate()
    with gate.held():
        pass
    gate.enter()
    gate.leave()
    with gate.held():
        pass
