"""The wire format: every message round-trips; anything else is rejected with a reason."""
import dataclasses

import msgpack
import pytest
from hypothesis import given, settings, strategies as st

from worker import protocol as p
from worker.faults import malformed_frames

SAMPLES = [
    p.Hello(slot=2, attempt=1, pid=1234, host="box"),
    p.Heartbeat(slot=0),
    p.Heartbeat(slot=-1),
    p.Progress(slot=1, phase="running", batch_id=7, iterations_done=30),
    p.Result(slot=1, batch_id=7, first_iteration=700, iterations=100, nodes_visited=99999, seconds=0.25),
    p.Error(slot=0, batch_id=p.NO_BATCH, exc_type="ValueError", message="bad", traceback="Traceback ..."),
    p.Welcome(run_id="abc", config_path="/c.yaml", buckets_path="", regret_segment="hdm1_aar",
              strategy_segment="hdm1_aas", table_size=288, heartbeat_interval=0.2, liveness=5),
    p.Batch(batch_id=3, first_iteration=300, iterations=100, batch_start=300, seed=2**62, scratch=False),
    p.Join(name="alice", host="box", pid=12, threads=4),
    p.Offer(slot=1000, run_id="r", config="{}", config_hash="c" * 64, game="kuhn", abstraction_hash="",
            table_size=24, heartbeat_interval=1.0, liveness=5, sync_interval=10.0,
            private_tables_max_bytes=1 << 20),
    p.Terms(slot=1000, config_hash="c" * 64, game="kuhn", abstraction_hash="", table_size=24),
    p.Refuse(reason="no", retry=False),
    p.TablePart(slot=1000, stream=0, answers=0, part=0, parts=1, digest="", table="regret", start=0, count=0,
                indices=b"", values=b"x"),
    p.Ack(slot=1000, stream=0, part=0),
    p.ChangePart(slot=1000, sync_id=1, part=0, parts=1, batches=[3], table="regret", start=0, count=0,
                 indices=b"", values=b"x", bases=b"y"),
    p.Pause(reason="snapshot"),
    p.Stop(reason="done"),
    p.Group(batch_id=3, batches=4, first_iteration=350, iterations=320, batch_size=100, run_seed=2**63),
]
GROUP = SAMPLES[-1]


def _sender(message):
    return message.SENDERS[0]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.TYPE)
def test_round_trip(message):
    assert p.decode(p.encode(message), _sender(message)) == message


def test_every_kind_has_a_sample():
    assert {m.TYPE for m in SAMPLES} == set(p.MESSAGE_TYPES)


def test_envelope_carries_type_and_version():
    body = msgpack.unpackb(p.encode(p.Stop(reason="x")))
    assert body["type"] == "stop" and body["v"] == p.PROTOCOL_VERSION


def _body(msg, **changes):
    body = {"type": msg.TYPE, "v": p.PROTOCOL_VERSION, **dataclasses.asdict(msg)}
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body, reason",
    [
        (_body(SAMPLES[3], iterations_done="7"), "progress.iterations_done: expected int"),
        (_body(SAMPLES[3], phase="dancing"), "progress.phase"),
        (_body(SAMPLES[4], seconds=1), "result.seconds: expected float"),
        (_body(SAMPLES[4], iterations=-1), "result.iterations: expected at least 0"),
        (_body(SAMPLES[7], scratch=1), "batch.scratch: expected bool"),
        (_body(SAMPLES[7], iterations=True), "batch.iterations: expected int"),
        (_body(SAMPLES[7], batch_start=301), "batch.batch_start 301 is after first_iteration 300"),
        (_body(SAMPLES[0], host=b"box"), "hello.host: expected str"),
        (_body(SAMPLES[0], attempt=-1), "hello.attempt: expected at least 0"),
        (_body(SAMPLES[12], table="weights"), "tables.table"),
        (_body(SAMPLES[14], batches=["1"]), "changes.batches"),
        (_body(SAMPLES[8], threads=0), "join.threads: expected at least 1"),
        (_body(SAMPLES[8], threads=p.MAX_THREADS + 1), f"join.threads: expected at most {p.MAX_THREADS}"),
        (_body(SAMPLES[1], v=p.PROTOCOL_VERSION + 1), "protocol version"),
        (_body(SAMPLES[1], v="1"), "protocol version"),
        (_body(SAMPLES[1], extra=1), "unknown fields"),
        ({"type": "heartbeat", "v": p.PROTOCOL_VERSION}, "missing fields"),
        ({"type": "hello!", "v": p.PROTOCOL_VERSION}, "unknown message type"),
        ({"v": p.PROTOCOL_VERSION}, "unknown message type"),
        (_body(SAMPLES[5], message="x" * (p.MAX_TEXT_CHARS + 1)), "text longer"),
        (_body(GROUP, batches=0), "group.batches: expected at least 1"),
        (_body(GROUP, first_iteration=299), "outside batch 3's cell"),
        (_body(GROUP, first_iteration=400), "outside batch 3's cell"),
        (_body(GROUP, iterations=351), "do not end in the cell of its last batch 6"),
        (_body(GROUP, iterations=250), "do not end in the cell of its last batch 6"),
    ],
)
def test_strict_rejection(body, reason):
    sender = p.MESSAGE_TYPES[body["type"]].SENDERS[0] if body.get("type") in p.MESSAGE_TYPES else p.FROM_WORKER
    with pytest.raises(p.ProtocolError, match=reason):
        p.decode(msgpack.packb(body, use_bin_type=True), sender)


def test_direction_is_checked():
    with pytest.raises(p.ProtocolError, match="not a message a worker may send"):
        p.decode(p.encode(p.Stop(reason="x")), p.FROM_WORKER)
    with pytest.raises(p.ProtocolError, match="not a message a supervisor may send"):
        p.decode(p.encode(SAMPLES[4]), p.FROM_SUPERVISOR)


def test_ext_types_and_timestamps_rejected():
    body = _body(SAMPLES[1], slot=msgpack.ExtType(1, b"x"))
    with pytest.raises(p.ProtocolError, match="ext type"):
        p.decode(msgpack.packb(body), p.FROM_WORKER)
    stamp = msgpack.packb(_body(SAMPLES[1], slot=msgpack.Timestamp(1, 0)))
    with pytest.raises(p.ProtocolError):
        p.decode(stamp, p.FROM_WORKER)


def test_size_cap_and_trailing_bytes():
    with pytest.raises(p.ProtocolError, match="exceeds the cap"):
        p.decode(p.encode(SAMPLES[1]), p.FROM_WORKER, max_bytes=4)
    with pytest.raises(p.ProtocolError, match="not a msgpack message"):
        p.decode(p.encode(SAMPLES[1]) + b"\x00", p.FROM_WORKER)


def test_non_string_keys_rejected():
    with pytest.raises(p.ProtocolError):
        p.decode(msgpack.packb({1: "heartbeat"}), p.FROM_WORKER)


def test_fault_frames_are_all_rejected():
    for frame in malformed_frames():
        with pytest.raises(p.ProtocolError):
            p.decode(frame, p.FROM_WORKER)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_protocol_error(data):
    try:
        p.decode(data, p.FROM_WORKER)
    except p.ProtocolError:
        pass


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=5)
    | st.binary(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.sampled_from(["slot", "batch_id", "seconds", "phase", "scratch", "shape"]),
       _values)
def test_mutated_fields_decode_to_valid_messages_or_are_rejected(message, name, value):
    body = _body(message)
    if name in body:
        body[name] = value
    try:
        decoded = p.decode(msgpack.packb(body, use_bin_type=True), _sender(message))
    except p.ProtocolError:
        return
    for f in dataclasses.fields(decoded):  # whatever passes has exactly the declared types
        assert type(getattr(decoded, f.name)).__name__ == f.type


def test_a_group_splits_into_the_grid_batches_that_run_it_alone():
    """First batch resumed inside its cell, last cut at the target, each seeded by its own index."""
    parts = GROUP.parts(lambda run_seed, k: run_seed + k)
    assert parts == [
        p.Batch(batch_id=3, first_iteration=350, iterations=50, batch_start=300, seed=2**63 + 3, scratch=False),
        p.Batch(batch_id=4, first_iteration=400, iterations=100, batch_start=400, seed=2**63 + 4, scratch=False),
        p.Batch(batch_id=5, first_iteration=500, iterations=100, batch_start=500, seed=2**63 + 5, scratch=False),
        p.Batch(batch_id=6, first_iteration=600, iterations=70, batch_start=600, seed=2**63 + 6, scratch=False),
    ]
    assert sum(b.iterations for b in parts) == GROUP.iterations
    whole = p.Group(batch_id=0, batches=1, first_iteration=0, iterations=100, batch_size=100, run_seed=1)
    assert whole.parts(lambda run_seed, k: 9) == [p.Batch(0, 0, 100, 0, 9, False)]
