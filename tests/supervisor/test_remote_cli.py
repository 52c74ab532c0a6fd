"""Command-line checks for remote workers: no unauthenticated non-loopback bind, clear errors for keys."""
import pytest

from supervisor.cli import build_parser, check_arguments
from worker import keys as k, remote as wr
from worker.cli import build_parser as worker_parser


def _check(argv):
    parser = build_parser()
    args = parser.parse_args(["--config", "leduc", "--logdir", "x", *argv])
    check_arguments(parser, args)
    return args


@pytest.mark.parametrize("argv, message", [
    (["--bind", "tcp://0.0.0.0:5555"], "pass --keys DIR"),
    (["--bind", "tcp://*:5555", "--workers", "0"], "or --insecure"),
    (["--keys", "k"], "apply to --bind"),
    (["--workers", "0"], "0 with --bind"),
    (["--bind", "tcp://0.0.0.0:5555", "--keys", "nowhere"], "holdem-keys new"),
])
def test_supervise_refuses_unsafe_or_incomplete_remote_options(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        _check(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_insecure_and_loopback_binds_are_allowed(capsys, tmp_path):
    assert _check(["--bind", "tcp://0.0.0.0:5555", "--insecure", "--workers", "0"]).insecure
    assert "neither authenticated nor encrypted" in capsys.readouterr().err
    assert _check(["--bind", "tcp://127.0.0.1:5555"]).bind == "tcp://127.0.0.1:5555"
    k.new_key_pair(tmp_path, k.SERVER_NAME)
    assert _check(["--bind", "tcp://0.0.0.0:5555", "--keys", str(tmp_path)]).keys == tmp_path


def _worker(argv):
    return wr.run_remote(worker_parser().parse_args(["--connect", "tcp://127.0.0.1:1", *argv]))


def test_remote_worker_key_errors_are_clear(tmp_path, capsys):
    public, secret = k.new_key_pair(tmp_path, "w")
    server, _ = k.new_key_pair(tmp_path, k.SERVER_NAME)
    assert _worker([]) == 2
    assert "--server-key" in capsys.readouterr().err
    assert _worker(["--server-key", str(server), "--key", str(public)]) == 2
    assert "pass the .key_secret file" in capsys.readouterr().err
    assert _worker(["--server-key", str(tmp_path / "nope.key"), "--key", str(secret)]) == 2
    assert "no such key file" in capsys.readouterr().err
    assert _worker(["--insecure", "--key", str(secret)]) == 2
    assert "exclude each other" in capsys.readouterr().err
