"""holdem-keys: pyzmq-compatible key files, a 0600 secret, no overwrite, only public keys authorized."""
import os
import stat

import pytest
import zmq
import zmq.auth

from worker import keys


def test_new_pair_is_read_by_pyzmq_and_secret_is_private(tmp_path):
    public_path, secret_path = keys.new_key_pair(tmp_path / "k", "alice")
    assert stat.S_IMODE(os.stat(secret_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "k").st_mode) == 0o700
    public, none = zmq.auth.load_certificate(public_path)
    assert none is None
    public2, secret = zmq.auth.load_certificate(secret_path)
    assert public2 == public and zmq.curve_public(secret) == public
    assert keys.load_key_pair(secret_path) == (public, secret)
    assert keys.load_public_key(public_path) == public
    assert keys.secret_mode_warning(secret_path) is None
    assert list(zmq.auth.load_certificates(tmp_path / "k")) == [public]


def test_two_pairs_differ_and_nothing_is_overwritten(tmp_path):
    a, _ = keys.new_key_pair(tmp_path, "a")
    b, _ = keys.new_key_pair(tmp_path, "b")
    assert keys.load_public_key(a) != keys.load_public_key(b)
    before = a.read_bytes()
    with pytest.raises(keys.KeyFileError, match="already exists"):
        keys.new_key_pair(tmp_path, "a")
    assert a.read_bytes() == before


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "x" * 65])
def test_bad_names_refused(tmp_path, name):
    with pytest.raises(keys.KeyFileError, match="key name"):
        keys.new_key_pair(tmp_path, name)


def test_public_file_is_not_a_key_pair(tmp_path):
    public_path, _ = keys.new_key_pair(tmp_path, "w")
    with pytest.raises(keys.KeyFileError, match="pass the .key_secret file"):
        keys.load_key_pair(public_path)


def test_damaged_and_missing_files(tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text('curve\n    public-key = "tooshort"\n')
    with pytest.raises(keys.KeyFileError, match="expected 40"):
        keys.load_public_key(bad)
    with pytest.raises(keys.KeyFileError, match="no such key file"):
        keys.load_public_key(tmp_path / "nope.key")
    mismatched = tmp_path / "m.key_secret"
    p1, s1 = zmq.curve_keypair()
    p2, _ = zmq.curve_keypair()
    mismatched.write_text(f'curve\n    public-key = "{p2.decode()}"\n    secret-key = "{s1.decode()}"\n')
    with pytest.raises(keys.KeyFileError, match="does not belong"):
        keys.load_key_pair(mismatched)


def test_readable_secret_is_warned_about(tmp_path):
    _, secret_path = keys.new_key_pair(tmp_path, "w")
    os.chmod(secret_path, 0o644)
    assert "chmod 600" in keys.secret_mode_warning(secret_path)


def test_authorize_copies_only_public_keys(tmp_path):
    server_dir = tmp_path / "server"
    keys.new_key_pair(server_dir, keys.SERVER_NAME)
    public_path, secret_path = keys.new_key_pair(tmp_path / "host", "alice")
    with pytest.raises(keys.KeyFileError, match="SECRET"):
        keys.authorize(server_dir, secret_path)
    assert keys.authorized_keys(server_dir) == {}
    target = keys.authorize(server_dir, public_path)
    assert target == server_dir / "authorized" / "alice.key"
    assert keys.authorized_keys(server_dir) == {keys.load_public_key(public_path): "alice.key"}
    assert b"secret" not in target.read_bytes()
    with pytest.raises(keys.KeyFileError, match="already authorized"):
        keys.authorize(server_dir, public_path, name="alice2")
    # pyzmq's authenticator reads the same directory
    assert set(zmq.auth.load_certificates(keys.authorized_dir(server_dir))) == {keys.load_public_key(public_path)}


def test_server_key_pair_missing_says_how_to_make_it(tmp_path):
    with pytest.raises(keys.KeyFileError, match="holdem-keys new"):
        keys.server_key_pair(tmp_path)


def test_cli(tmp_path, capsys):
    assert keys.main(["new", str(tmp_path / "k"), "server"]) == 0
    assert keys.main(["new", str(tmp_path / "h"), "bob"]) == 0
    assert keys.main(["authorize", str(tmp_path / "k"), str(tmp_path / "h" / "bob.key")]) == 0
    capsys.readouterr()
    assert keys.main(["list", str(tmp_path / "k")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bob.key\t") and keys.load_public_key(tmp_path / "h" / "bob.key").decode() in out
    assert keys.main(["new", str(tmp_path / "k"), "server"]) == 2
    assert "already exists" in capsys.readouterr().err
