"""Who may connect: authorized keys (re-read when the directory changes), cool-downs, bounded refusal logs."""
import zmq
from fakeclock import FakeClock

from supervisor import auth
from worker import keys as k


def _authenticator(keys_dir, clock):
    refused = []
    context = zmq.Context()
    a = auth.KeyAuthenticator(context, keys_dir, auth.CoolDown(clock), lambda **f: refused.append(f), clock)
    return a, refused, context


def test_keys_are_admitted_once_authorized_without_a_restart(tmp_path):
    clock = FakeClock(0.0)
    k.new_key_pair(tmp_path / "keys", k.SERVER_NAME)
    public_path, _ = k.new_key_pair(tmp_path / "host", "alice")
    key = k.load_public_key(public_path)
    a, refused, context = _authenticator(tmp_path / "keys", clock)
    try:
        assert a.callback("*", key) is False
        assert refused[0]["peer"] == key.decode() and "not in" in refused[0]["reason"]
        k.authorize(tmp_path / "keys", public_path)
        assert a.callback("*", key) is True
        (tmp_path / "keys" / "authorized" / "alice.key").unlink()
        assert a.callback("*", key) is False
    finally:
        context.term()


def test_refusals_of_one_key_are_logged_once_per_interval(tmp_path):
    clock = FakeClock(0.0)
    k.new_key_pair(tmp_path / "keys", k.SERVER_NAME)
    key = k.load_public_key(k.new_key_pair(tmp_path / "host", "mallory")[0])
    a, refused, context = _authenticator(tmp_path / "keys", clock)
    try:
        for _ in range(50):
            assert a.callback("*", key) is False
        assert len(refused) == 1
        clock.now += auth.REFUSAL_LOG_INTERVAL + 1
        a.callback("*", key)
        assert len(refused) == 2 and refused[1]["repeats_since_last_report"] == 49
    finally:
        context.term()


def test_a_cooling_down_key_is_denied_until_the_time_is_up(tmp_path):
    clock = FakeClock(0.0)
    k.new_key_pair(tmp_path / "keys", k.SERVER_NAME)
    public_path, _ = k.new_key_pair(tmp_path / "host", "bob")
    k.authorize(tmp_path / "keys", public_path)
    key = k.load_public_key(public_path)
    a, refused, context = _authenticator(tmp_path / "keys", clock)
    try:
        a.cooldown.ban(key.decode(), 30)
        assert a.callback("*", key) is False and "cooling down" in refused[0]["reason"]
        clock.now += 31
        assert a.callback("*", key) is True
    finally:
        context.term()


def test_a_damaged_key_file_does_not_change_who_is_admitted(tmp_path):
    clock = FakeClock(0.0)
    k.new_key_pair(tmp_path / "keys", k.SERVER_NAME)
    public_path, _ = k.new_key_pair(tmp_path / "host", "bob")
    k.authorize(tmp_path / "keys", public_path)
    key = k.load_public_key(public_path)
    a, refused, context = _authenticator(tmp_path / "keys", clock)
    try:
        assert a.callback("*", key) is True
        (tmp_path / "keys" / "authorized" / "broken.key").write_text('public-key = "short"\n')
        assert a.callback("*", key) is True
        assert "expected 40" in a.authorized.problem
    finally:
        context.term()


def test_check_keys_dir_names_what_is_missing(tmp_path):
    assert any("holdem-keys new" in problem for problem in auth.check_keys_dir(tmp_path))
    k.new_key_pair(tmp_path, k.SERVER_NAME)
    assert auth.check_keys_dir(tmp_path) == []
