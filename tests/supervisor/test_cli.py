"""Command lines: holdem-supervise and the legacy train_blueprint shim; bad input exits 2 with a clear message."""

import pytest

import holdem.cli.train_blueprint as legacy
import supervisor.cli as cli
from supervisor.run import RunOptions


def capture_options(monkeypatch, module):
    seen = {}

    def fake_run(options):
        seen["options"] = options
        return 0

    monkeypatch.setattr(module, "run", fake_run)
    return seen


def test_supervise_arguments_become_run_options(monkeypatch, tmp_path):
    seen = capture_options(monkeypatch, cli)
    assert cli.main(["--config", "leduc", "--workers", "3", "--iters", "500", "--logdir", str(tmp_path),
                     "--batch-size", "50", "--snapshot-interval", "5", "--resume", "--seed", "7",
                     "--log-format", "json", "--tensorboard"]) == 0
    assert seen["options"] == RunOptions(config_path="leduc", logdir=tmp_path, workers=3, iterations=500,
                                         batch_size=50, snapshot_interval=5.0, tensorboard=True,
                                         resume_from=tmp_path, seed=7, log_format="json")


def test_workers_default_to_the_cpu_count(monkeypatch, tmp_path):
    seen = capture_options(monkeypatch, cli)
    cli.main(["--config", "leduc", "--logdir", str(tmp_path)])
    assert seen["options"].workers == cli.default_workers() >= 1


def test_legacy_command_runs_the_same_supervisor(monkeypatch, tmp_path):
    seen = capture_options(monkeypatch, legacy)
    other = tmp_path / "old"
    assert legacy.main(["--config", "leduc", "--logdir", str(tmp_path), "--num-workers", "1", "--batch-size", "100",
                        "--time-budget", "60", "--snapshot-interval", "30", "--tensorboard", "--iters", "1000",
                        "--resume-from", str(other)]) == 0
    assert seen["options"] == RunOptions(config_path="leduc", logdir=tmp_path, workers=1, iterations=1000,
                                         time_budget=60.0, batch_size=100, snapshot_interval=30.0,
                                         tensorboard=True, resume_from=other)
    legacy.main(["--config", "leduc", "--logdir", str(tmp_path), "--num-workers", "0"])
    assert seen["options"].workers == cli.default_workers()


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--iters", "0"], "--iters must be at least 1"),
    (["--iters", "5", "--time-budget", "5"], "not allowed with argument"),
    (["--buckets", "/nonexistent/b.npz"], "no such file"),
])
def test_bad_arguments_exit_2(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--config", "leduc", "--logdir", str(tmp_path), *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_supervisor_section_is_named_without_a_traceback(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("game: {kind: leduc}\nsupervisor: {heartbeat: 1.0}\n")
    assert cli.main(["--config", str(config), "--logdir", str(tmp_path / "run"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml: supervisor.heartbeat: unknown key (did you mean 'heartbeat_interval'?)" in err
    assert "Traceback" not in err


def test_out_of_range_supervisor_value(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("game: {kind: leduc}\nsupervisor: {liveness: 0}\n")
    assert cli.main(["--config", str(config), "--logdir", str(tmp_path / "run"), "--workers", "1"]) == 2
    assert "supervisor.liveness: must be positive" in capsys.readouterr().err


def test_missing_config_file(tmp_path, capsys):
    assert cli.main(["--config", str(tmp_path / "nope.yaml"), "--logdir", str(tmp_path / "run")]) == 2
    assert "no such config file" in capsys.readouterr().err
