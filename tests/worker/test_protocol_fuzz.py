"""The remote messages of the wire: round trips, strict rejection, decode limits, and a fuzz of the decoder."""
import dataclasses

import msgpack
import pytest
from hypothesis import given, settings, strategies as st

from worker import protocol as p

REMOTE = [
    p.Join(name="alice", host="box", pid=12, threads=4),
    p.Offer(slot=1000, run_id="r", config='{"game": {"kind": "kuhn"}}', config_hash="c" * 64, game="kuhn",
            abstraction_hash="", table_size=24, heartbeat_interval=1.0, liveness=5, sync_interval=10.0,
            private_tables_max_bytes=1 << 20),
    p.Terms(slot=1000, config_hash="c" * 64, game="kuhn", abstraction_hash="", table_size=24),
    p.Refuse(reason="no", retry=False),
    p.TablePart(slot=1000, stream=0, answers=0, part=1, parts=2, digest="d" * 64, table="strategy", start=12,
                count=12, indices=b"", values=b"\x00" * 9),
    p.Ack(slot=1000, stream=0, part=1),
    p.ChangePart(slot=1000, sync_id=3, part=0, parts=1, batches=[4, 5], table="regret", start=2, count=1,
                 indices=b"i", values=b"v", bases=b"b"),
]


def _body(message, **changes):
    body = {"type": message.TYPE, "v": p.PROTOCOL_VERSION, **dataclasses.asdict(message)}
    body.update(changes)
    return body


def _pack(body) -> bytes:
    return msgpack.packb(body, use_bin_type=True)


@pytest.mark.parametrize("message", REMOTE, ids=lambda m: m.TYPE)
def test_remote_messages_round_trip(message):
    assert p.decode(p.encode(message), message.SENDERS[0], max_bytes=p.MAX_REMOTE_MESSAGE_BYTES) == message


@pytest.mark.parametrize("body, reason", [
    (_body(REMOTE[0], name="x" * (p.MAX_NAME_CHARS + 1)), "join.name: text longer"),
    (_body(REMOTE[0], pid=0), "join.pid: expected at least 1"),
    (_body(REMOTE[4], part=2), "tables.part 2 is not below parts 2"),
    (_body(REMOTE[4], table="weights"), "tables.table"),
    (_body(REMOTE[4], digest="d" * 65), "tables.digest: text longer"),
    (_body(REMOTE[4], values="text"), "tables.values: expected bytes"),
    (_body(REMOTE[6], batches=[1, -2]), "changes.batches: expected non-negative ints"),
    (_body(REMOTE[6], batches=[1, True]), "changes.batches: expected non-negative ints"),
    (_body(REMOTE[6], batches=list(range(p.MAX_LIST_ITEMS + 1))), "more than|array"),
    (_body(REMOTE[6], sync_id=0), "changes.sync_id: expected at least 1"),
    (_body(REMOTE[6], parts=0), "changes.parts: expected at least 1"),
    (_body(REMOTE[3], retry=0), "refuse.retry: expected bool"),
    (_body(REMOTE[1], sync_interval=-1.0), "offer.sync_interval"),
])
def test_remote_strict_rejection(body, reason):
    sender = p.MESSAGE_TYPES[body["type"]].SENDERS[0]
    with pytest.raises(p.ProtocolError, match=reason):
        p.decode(_pack(body), sender, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)


def test_direction_of_remote_messages():
    with pytest.raises(p.ProtocolError, match="not a message a worker may send"):
        p.decode(p.encode(REMOTE[1]), p.FROM_WORKER)
    with pytest.raises(p.ProtocolError, match="not a message a supervisor may send"):
        p.decode(p.encode(REMOTE[6]), p.FROM_SUPERVISOR)


def test_decode_limits_bound_containers_before_they_are_built():
    with pytest.raises(p.ProtocolError, match="not a msgpack message"):
        p.decode(_pack({f"k{i}": i for i in range(p.MAX_MAP_ITEMS + 1)}), p.FROM_WORKER)
    with pytest.raises(p.ProtocolError, match="not a msgpack message"):
        p.decode(_pack([0] * (p.MAX_LIST_ITEMS + 1)), p.FROM_WORKER)
    nested = b"\x91" * 100_000 + b"\x00"  # 100,000 nested one-element arrays
    with pytest.raises(p.ProtocolError):
        p.decode(nested, p.FROM_WORKER, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)
    # the default cap is for local messages; table parts get the remote cap
    big = p.encode(dataclasses.replace(REMOTE[4], values=bytes(p.MAX_MESSAGE_BYTES)))
    with pytest.raises(p.ProtocolError, match="exceeds the cap"):
        p.decode(big, p.FROM_SUPERVISOR)
    assert p.decode(big, p.FROM_SUPERVISOR, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES).values == bytes(p.MAX_MESSAGE_BYTES)


def test_peek_and_refusals_of_any_version():
    other = _pack({"type": "join", "v": 99, "name": "x", "shiny_new_field": 1})
    assert p.peek(other) == ("join", 99)
    assert p.peek(b"\xc1") == (None, None)
    assert p.peek(_pack([1])) == (None, None)
    with pytest.raises(p.ProtocolError, match="protocol version 99"):
        p.decode(other, p.FROM_WORKER)
    future = _pack({"type": "refuse", "v": 99, "reason": "upgrade", "retry": False, "more": 1})
    assert p.refusal_reason(future) == "upgrade"
    assert p.refusal_reason(p.encode(p.Stop("x"))) is None
    assert p.refusal_reason(b"\xc1") is None


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(REMOTE), st.data())
def test_mutated_remote_messages_decode_to_valid_messages_or_are_rejected(message, data):
    body = _body(message)
    action = data.draw(st.sampled_from(["set", "drop", "add"]))
    key = data.draw(st.sampled_from(sorted(body)))
    if action == "set":
        body[key] = data.draw(_values)
    elif action == "drop":
        del body[key]
    else:
        body[data.draw(st.text(max_size=6))] = data.draw(_values)
    try:
        decoded = p.decode(_pack(body), message.SENDERS[0], max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)
    except p.ProtocolError:
        return
    for f in dataclasses.fields(decoded):  # whatever passes has exactly the declared types and ranges
        value = getattr(decoded, f.name)
        assert type(value).__name__ == f.type
        if "min" in f.metadata:
            assert value >= f.metadata["min"]


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_protocol_error(data):
    for sender in (p.FROM_WORKER, p.FROM_SUPERVISOR):
        try:
            p.decode(data, sender, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)
        except p.ProtocolError:
            pass
    p.peek(data)
    p.refusal_reason(data)
