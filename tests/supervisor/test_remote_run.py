"""Remote workers over loopback, with real processes and real CURVE keys.

- a run whose only worker is remote computes exactly what the in-process
  trainer computes (its work is in the tables, bit for bit), even while a
  client with an authorized key throws random and mutated messages at the
  supervisor;
- one local plus one remote worker both train; killing the remote worker
  leaves the run going, and the same worker name is welcomed back;
- a worker whose key is not authorized, or that speaks another protocol
  version, or built another abstraction, is refused with a message, and the
  refusal is logged;
- a worker whose supervisor dies joins the next supervisor on that endpoint.

No test races a clock: each step waits for the event that shows the step
before it done, runs without --time-budget (an open-ended run is stopped with
SIGINT once the test has seen what it needs), and every supervisor binds a port
of the system's choosing and reports it in ``run_started``.
"""
from __future__ import annotations

import dataclasses
import random
import threading
import time

import msgpack
import numpy as np
import pytest
import zmq
from remoterun import (
    BATCH,
    CONFIG,
    SEED,
    batch_counts,
    endpoint_of,
    named,
    named_after,
    remote_worker,
    stop,
    supervise,
    tables,
    wait_for,
)

from worker import keys as k, protocol as p, remote as wr

# ----------------------------------------------------------------- a socket fuzzer with an authorized key


def fuzz_frames(count: int, seed: int) -> list[bytes]:
    """Random bytes, random maps and mutated valid messages (every kind a worker sends)."""
    rng = random.Random(seed)
    samples = [
        p.Heartbeat(1000), p.Progress(1000, "running", 1, 5), p.Result(1000, 1, 20000, 20000, 5, 0.1),
        p.Terms(1000, "a" * 64, "leduc", "", 672), p.Ack(1000, 0, 0), p.Error(1000, -1, "E", "m", "tb"),
        p.ChangePart(1000, 1, 0, 1, [0], "regret", 0, 2, b"", b"\x00" * 8, b"\x00" * 8),
        p.Hello(0, 1, 2, "h"),
    ]
    frames = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.2:
            frames.append(rng.randbytes(rng.randrange(64)))
            continue
        body = dataclasses.asdict(rng.choice(samples))
        body.update(type=rng.choice(list(p.MESSAGE_TYPES)) if roll < 0.3 else None, v=p.PROTOCOL_VERSION)
        if body["type"] is None:
            body["type"] = rng.choice(samples).TYPE
        key = rng.choice(sorted(body))
        body[key] = rng.choice([None, -1, 2**63, 3.5, "x", b"\x00" * 5, [1, -1], {"a": 1}, True])
        frame = msgpack.packb(body, use_bin_type=True)
        if rng.random() < 0.3:
            data = bytearray(frame)
            data[rng.randrange(len(data))] = rng.randrange(256)
            frame = bytes(data)
        frames.append(frame)
    return frames


def socket_fuzz(endpoint: str, env: dict, count: int) -> None:
    public, secret = k.load_key_pair(env["tmp"] / "host" / "fuzzer.key_secret")
    context = zmq.Context()
    sock = context.socket(zmq.DEALER)
    sock.linger = 2000
    sock.curve_serverkey = k.load_public_key(env["keys"] / "server.key")
    sock.curve_publickey, sock.curve_secretkey = public, secret
    sock.connect(endpoint)
    try:
        for i, frame in enumerate(fuzz_frames(count, seed=1)):
            sock.send(frame)
            if i % 50 == 0:
                sock.send_multipart([frame, frame])  # extra frames
            time.sleep(0.001)
    finally:
        sock.close()
        context.term()


# ----------------------------------------------------------------- tests


def test_a_remote_only_run_equals_the_in_process_trainer_even_under_fuzz(env):
    """--workers 0 and one remote worker: the tables are the trainer's bit for bit.

    The worker syncs after every batch (a sync interval far below a batch's
    duration), so later batches run on copies the supervisor's answers updated.
    """
    from holdem.cli.train import main as train_main

    env["config"].write_text(CONFIG.replace("sync_interval: 0.3", "sync_interval: 0.000001"))

    iters = 240_000
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, "--iters", str(iters))
    endpoint = endpoint_of(logdir)
    fuzzer = threading.Thread(target=socket_fuzz, args=(endpoint, env, 400))
    fuzzer.start()
    fuzzer.join()
    worker = remote_worker(env, endpoint)
    assert sup.wait(timeout=120) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    assert worker.wait(timeout=30) == 0, worker.output.read_text()  # exits cleanly on stop
    assert "stopped by the supervisor" in worker.output.read_text()

    assert train_main(["--config", str(env["config"]), "--logdir", str(env["tmp"] / "trainer"), "--seed",
                       str(SEED), "--batch-size", str(BATCH), "--iters", str(iters)]) in (0, None)
    (mine, mine_manifest), (theirs, _) = tables(logdir), tables(env["tmp"] / "trainer")
    assert mine_manifest["iteration"] == iters
    assert np.array_equal(mine.regret, theirs.regret) and np.array_equal(mine.strategy, theirs.strategy)
    assert np.any(mine.regret != 0)

    local, remote = batch_counts(logdir)
    assert remote > 0 and local == 0
    assert len(named(logdir, "remote_synced")) >= 2
    assert named(logdir, "discount_applied")
    bad = [e for e in named(logdir, "bad_message") if e.get("remote")]
    assert bad, "the fuzzer's messages should have been logged as bad"
    assert not named(logdir, "message_handling_failed")
    assert list(env["registry"].glob("*.json")) == []


HOLDEM_CONFIG = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [0.5, pot], raise: [pot], allin: true, max_raises: 2}
buckets: {preset: test}
supervisor: {heartbeat_interval: 0.2, liveness: 15, stall_timeout: 20.0, kill_grace: 1.0, standby_workers: 0,
             sync_interval: 0.3, startup_timeout: 60.0, private_tables_max_bytes: 0}
"""


@pytest.mark.parametrize("game", ["leduc", "holdem"])
def test_one_host_with_two_threads_trains_one_copy_that_ends_equal_to_the_run(env, game):
    """``--threads 2``: Leduc's small tables on a copy per thread, merged under the host's lock; Hold'em's
    in place, every thread on the host's one copy.  Every batch counts once, and after the last sync the
    host's tables equal the run's final snapshot bit for bit."""
    from holdem.abstraction.bucket_file import ensure_buckets
    from worker.sync import tables_digest

    extra = []
    if game == "holdem":
        env["config"].write_text(HOLDEM_CONFIG)
        extra = ["--buckets", str(ensure_buckets("test"))]
    iters = 200_000 if game == "leduc" else 40_000
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, "--iters", str(iters), *extra)
    worker = remote_worker(env, endpoint_of(logdir), "alice", None, *extra, threads=2)
    assert sup.wait(timeout=300) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    assert worker.wait(timeout=60) == 0, worker.output.read_text()
    (joining,) = named(logdir, "remote_joining")
    assert joining["threads"] == 2
    final, manifest = tables(logdir)
    assert manifest["iteration"] == iters and np.any(final.regret != 0)
    local, remote = batch_counts(logdir)
    assert local == 0 and remote == iters // BATCH
    digest = tables_digest(final.regret, final.strategy)
    assert f"tables' sha256 {digest}" in worker.output.read_text()


def test_local_and_remote_work_together_and_a_killed_remote_leaves_the_run_going(env):
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, workers=1)  # runs until stopped
    endpoint = endpoint_of(logdir)
    first = remote_worker(env, endpoint)
    wait_for(lambda: named(logdir, "remote_synced"), 60, "a first remote sync")
    first.kill()
    first.wait()
    dropped = wait_for(lambda: named(logdir, "remote_dropped", name="alice"), 30, "the remote drop")
    assert dropped[0]["reason"] == "silent"
    local_before = batch_counts(logdir)[0]
    wait_for(lambda: batch_counts(logdir)[0] > local_before + 3, 60, "local batches after the remote died")
    again = remote_worker(env, endpoint)  # the same name is welcomed back
    (rejoined,) = wait_for(lambda: named(logdir, "remote_joined", rejoin=True), 60, "the rejoin")
    wait_for(lambda: named_after(logdir, rejoined, "remote_synced", name="alice"), 60, "a sync after the rejoin")
    assert stop(sup) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    assert again.wait(timeout=30) == 0, again.output.read_text()
    finished = named(logdir, "run_finished")[0]
    assert finished["remote_batches"] > 0 and finished["batches"] > finished["remote_batches"]
    joined = named(logdir, "remote_joined")
    assert [e["rejoin"] for e in joined] == [False, True] and joined[0]["slot"] == joined[1]["slot"]
    # every iteration counted was merged: the batches lost with the dead worker were issued again
    snapshot_iterations = tables(logdir)[1]["iteration"]
    assert snapshot_iterations == finished["iterations"]
    assert list(env["registry"].glob("*.json")) == []


def _in_process_worker(env, endpoint, name, game_builder=wr.build_game):
    credentials, _ = wr.load_credentials(env["keys"] / "server.key", env["tmp"] / "host" / "alice.key_secret")
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    worker = wr.RemoteWorker(endpoint, credentials, name, game_builder=game_builder, out=Out(), retry_for=20)
    return worker.run(), "".join(lines)


def test_refusals_say_why_and_are_logged(env, monkeypatch):
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir)  # runs until stopped
    try:
        endpoint = endpoint_of(logdir)

        # a key that is not authorized: refused at the CURVE handshake; the worker says so and exits
        mallory = remote_worker(env, endpoint, "mallory", str(env["tmp"] / "stranger" / "mallory.key_secret"))
        assert mallory.wait(timeout=30) == wr.EXIT_AUTH
        assert "holdem-keys authorize" in mallory.output.read_text()
        refused = wait_for(lambda: named(logdir, "remote_refused", stage="authentication"), 10, "the key refusal")
        assert refused[0]["peer"] == k.load_public_key(env["tmp"] / "stranger" / "mallory.key").decode()
        assert "not in" in refused[0]["reason"]

        # another abstraction (another bucket file, as far as the supervisor can tell)
        def other_buckets(offer, buckets):
            config, game = wr.build_game(offer, buckets)
            return config, dataclasses.replace(game, abstraction_hash="0123456789abcdef" * 4)

        code, said = _in_process_worker(env, endpoint, "bob", other_buckets)
        assert code == wr.EXIT_REFUSED, said
        assert "abstraction hash" in said and "--buckets" in said
        # the supervisor logs a refusal after sending it: wait for the line rather than race the worker's exit
        wait_for(lambda: named(logdir, "remote_refused", name="bob"), 30, "bob's refusal in the log")

        # another protocol version
        monkeypatch.setattr(p, "PROTOCOL_VERSION", p.PROTOCOL_VERSION + 1)
        code, said = _in_process_worker(env, endpoint, "carol")
        assert code == wr.EXIT_REFUSED, said
        assert f"protocol version {p.PROTOCOL_VERSION}" in said
        monkeypatch.undo()
        wait_for(lambda: [e for e in named(logdir, "remote_refused") if "protocol version" in e["reason"]], 30,
                 "carol's refusal in the log")
        assert not named(logdir, "remote_joined")
    finally:
        assert stop(sup) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]


def test_a_worker_outlives_its_supervisor_and_joins_the_next_one(env):
    first = supervise(env, env["tmp"] / "first", name="first")  # runs until killed
    endpoint = endpoint_of(env["tmp"] / "first")  # the port the system chose
    worker = remote_worker(env, endpoint)
    wait_for(lambda: named(env["tmp"] / "first", "remote_joined"), 60, "the first join")
    first.kill()  # the supervisor vanishes without a word
    first.wait()
    wait_for(lambda: "joining again in 1 s" in worker.output.read_text(), 30, "the worker to notice")
    # the next supervisor binds the endpoint the worker keeps trying (ZeroMQ listens with SO_REUSEADDR)
    second = supervise(env, env["tmp"] / "second", "--iters", "100000", bind=endpoint, name="second")
    assert second.wait(timeout=120) == 0, (env["tmp"] / "second.out").read_text()[-3000:]
    assert worker.wait(timeout=30) == 0, worker.output.read_text()
    assert named(env["tmp"] / "second", "remote_joined")
    assert named(env["tmp"] / "second", "stale_shm_removed")  # the dead supervisor's tables were swept
