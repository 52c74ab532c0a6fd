"""Every command as a real process: bad input gets one line on stderr and exit 2 before any work, no traceback;
Ctrl-C exits 130 with one line; a reader that goes away early (``| head``) is not an error."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tomllib
from importlib import import_module
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_run  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
TIMEOUT = 300

SUPERVISE = ["-m", "supervisor.cli", "--config", "leduc", "--workers", "1", "--iters", "10"]
LEGACY = ["-m", "holdem.cli.train_blueprint", "--config", "leduc", "--num-workers", "1", "--iters", "10"]
TRAIN = ["-m", "holdem.cli.train", "--config", "leduc", "--iters", "10"]
TRAINERS = {"holdem-supervise": SUPERVISE, "train_blueprint": LEGACY, "holdem-train": TRAIN}


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO, **kwargs)


def assert_one_line_exit_2(done: subprocess.CompletedProcess, *needles: str) -> str:
    err = done.stderr
    assert done.returncode == 2, (done.returncode, err)
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    for needle in needles:
        assert needle in err, err
    return err


def can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def in_mount_namespace(setup: str, args: list[str]) -> subprocess.CompletedProcess:
    """Run ``args`` after ``setup`` (shell mount commands) in a private mount namespace, gone when it exits."""
    command = " ".join(f"'{a}'" for a in [PYTHON, *args])
    return subprocess.run(["unshare", "-m", "sh", "-c", f"{setup} && exec {command}"], capture_output=True,
                          text=True, timeout=TIMEOUT, cwd=REPO)


needs_mount = pytest.mark.skipif(not can_mount(), reason="needs root and unshare/mount for a read-only or full disk")


# --------------------------------------------------------------------------------------------- the log directory


@pytest.mark.parametrize("name", TRAINERS)
def test_logdir_that_is_a_file(name, tmp_path):
    path = tmp_path / "file"
    path.write_text("not a directory")
    assert_one_line_exit_2(run([*TRAINERS[name], "--logdir", str(path)]), f"--logdir {path}", "is a file")


@pytest.mark.parametrize("name", TRAINERS)
def test_logdir_under_a_file(name, tmp_path):
    (tmp_path / "file").write_text("not a directory")
    path = tmp_path / "file" / "run"
    assert_one_line_exit_2(run([*TRAINERS[name], "--logdir", str(path)]), "is a file, so nothing can be created")


@needs_mount
@pytest.mark.parametrize("name", TRAINERS)
def test_logdir_on_a_read_only_file_system(name, tmp_path):
    # root ignores permission bits, but not a read-only mount
    ro = tmp_path / "ro"
    ro.mkdir()
    setup = f"mount --bind '{ro}' '{ro}' && mount -o remount,bind,ro '{ro}'"
    done = in_mount_namespace(setup, [*TRAINERS[name], "--logdir", str(ro / "run")])
    assert_one_line_exit_2(done, "read-only", "choose a writable directory")
    assert not (ro / "run").exists()


@pytest.fixture
def locked_directory(tmp_path):
    """A directory this user may not write in: mode 0555, and immutable for root (who ignores the mode)."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(locked)]).returncode != 0:
            pytest.skip("root needs an immutable directory (chattr +i) to be refused a write")
    yield locked
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(locked)], check=True)


@pytest.mark.parametrize("name", TRAINERS)
def test_logdir_without_permission(name, locked_directory):
    for path in (locked_directory, locked_directory / "run"):
        done = run([*TRAINERS[name], "--logdir", str(path)])
        assert_one_line_exit_2(done, f"--logdir {path}", "may not write there", "change its permissions")


@needs_mount
@pytest.mark.parametrize("name", TRAINERS)
def test_logdir_on_a_full_disk(name, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    setup = f"mount -t tmpfs -o size=16k tmpfs '{full}' && (dd if=/dev/zero of='{full}/fill' bs=4k 2>/dev/null; true)"
    done = in_mount_namespace(setup, [*TRAINERS[name], "--logdir", str(full / "run")])
    assert_one_line_exit_2(done, "the disk is full", "free some space")


def test_a_bad_config_stops_before_the_logdir_is_touched(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("game: {kind: leduc}\nsupervisor: {liveness: 0}\n")
    for args in (SUPERVISE, LEGACY):
        command = [a if a != "leduc" else str(bad) for a in args]
        assert_one_line_exit_2(run([*command, "--logdir", str(tmp_path / "run")]), "supervisor.liveness")
    bad.write_text("game: {kind: leduc}\nsolver: {prune_probability: 2}\n")
    command = [a if a != "leduc" else str(bad) for a in TRAIN]
    assert_one_line_exit_2(run([*command, "--logdir", str(tmp_path / "run")]), "solver.prune_probability")
    assert_one_line_exit_2(run(["-m", "holdem.cli.tree", str(tmp_path / "missing.yaml")]), "no such config file")
    assert not (tmp_path / "run").exists()


def test_output_files_of_other_commands(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    under_a_file = tmp_path / "file" / "out.npz"
    assert_one_line_exit_2(run(["-m", "holdem.cli.buckets", "build", "--preset", "test", "--out", str(under_a_file)]),
                           "--out", "is a file, so nothing can be created")
    assert_one_line_exit_2(run(["-m", "holdem.cli.buckets", "build", "--preset", "test", "--out", str(tmp_path)]),
                           "is a directory; give a file name")
    assert_one_line_exit_2(run(["-m", "holdem.cli.eval", str(tmp_path), "--vs", "call", "--plot",
                                str(tmp_path / "file" / "plot.png")]), "--plot")
    assert_one_line_exit_2(run(["-m", "holdem.cli.policy", "export", str(tmp_path), "--format", "openspiel",
                                "--out", str(tmp_path / "file" / "p.json")]), "--out")


# ------------------------------------------------------------------------------------------ snapshot directories


@pytest.fixture(scope="module")
def corrupt_run(tmp_path_factory) -> Path:
    logdir = tmp_path_factory.mktemp("corrupt") / "run"
    done = run([*TRAIN, "--logdir", str(logdir)])
    assert done.returncode == 0, done.stderr
    for tables in logdir.glob("snapshots/*/tables.npz"):
        tables.write_bytes(b"garbage")
    return logdir


READERS = {
    "policy show": ["-m", "holdem.cli.policy", "show", "{dir}", "--preflop"],
    "policy value": ["-m", "holdem.cli.policy", "value", "{dir}"],
    "eval": ["-m", "holdem.cli.eval", "{dir}", "--vs", "call", "--no-plot"],
    "play": ["-m", "holdem.cli.play", "{dir}"],
}


@pytest.mark.parametrize("name", READERS)
def test_missing_snapshot_directory(name, tmp_path):
    for path in (tmp_path / "nowhere", tmp_path):  # absent, and a directory without a snapshot
        args = [a.format(dir=path) for a in READERS[name]]
        assert_one_line_exit_2(run(args, input=""), str(path))


@pytest.mark.parametrize("name", READERS)
def test_corrupt_snapshot(name, corrupt_run):
    args = [a.format(dir=corrupt_run) for a in READERS[name]]
    assert_one_line_exit_2(run(args, input=""), "tables.npz")


# --------------------------------------------------------------------------------------------------- flags


MODULES = {
    "holdem-tree": ["holdem.cli.tree", "leduc"],
    "holdem-train": TRAIN[1:],
    "holdem-policy": ["holdem.cli.policy", "value", "x"],
    "holdem-buckets": ["holdem.cli.buckets", "info", "x"],
    "holdem-eval": ["holdem.cli.eval", "x", "--lbr"],
    "holdem-play": ["holdem.cli.play", "x"],
    "holdem-supervise": SUPERVISE[1:],
    "holdem-worker": ["worker", "--connect", "tcp://127.0.0.1:1"],
    "holdem-keys": ["worker.keys", "list", "x"],
    "train_blueprint": LEGACY[1:],
}


@pytest.mark.parametrize("name", MODULES)
def test_unknown_flag(name, tmp_path):
    err = assert_one_line_exit_2(run(["-m", *MODULES[name], "--logdir", str(tmp_path), "--no-such-flag"]),
                                 "--no-such-flag", "--help")
    assert not err.startswith("usage:")


def test_every_console_script_is_framed():
    """Each [project.scripts] entry loads its command inside the launcher (holdem.cli.launch), and every
    command's main, the legacy module's too, runs inside holdem.cli.command's frame."""
    from holdem.cli import launch

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert set(scripts) == set(MODULES) - {"train_blueprint"} == set(launch.TARGETS)
    for script, target in scripts.items():
        module, name = target.split(":")
        assert module == "holdem.cli.launch" and callable(getattr(launch, name)), target
        main = import_module(launch.TARGETS[script]).main
        assert getattr(main, "__wrapped__", None) is not None, script
    assert getattr(import_module("holdem.cli.train_blueprint").main, "__wrapped__", None) is not None


def test_ctrl_c_while_a_command_loads_is_one_line(tmp_path, monkeypatch, capsys):
    """A KeyboardInterrupt raised by the import itself (the first second of every command)."""
    from holdem.cli import launch

    (tmp_path / "slow_to_load.py").write_text("raise KeyboardInterrupt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(launch.TARGETS, "holdem-slow", "slow_to_load")
    assert launch.run("holdem-slow") == 130
    err = capsys.readouterr().err
    assert err == "holdem-slow: interrupted\n"


# ---------------------------------------------------------------------------------------- Ctrl-C and pipes


@pytest.fixture
def holdem_test_config(tmp_path) -> Path:
    config = tmp_path / "hu_test.yaml"
    text = (REPO / "configs" / "hu_small.yaml").read_text().replace("preset: small", "preset: test")
    config.write_text(text)
    return config


@pytest.mark.parametrize("command", [["-m", "holdem.cli.train", "--iters", "10"],
                                     ["-m", "supervisor.cli", "--workers", "1", "--iters", "10"]])
def test_ctrl_c_during_the_first_use_bucket_build(command, holdem_test_config, tmp_path):
    env = dict(os.environ, HOLDEM_CACHE=str(tmp_path / "cache"))  # empty: the preset is built on first use
    proc = subprocess.Popen([PYTHON, *command, "--config", str(holdem_test_config), "--logdir", str(tmp_path / "run")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        before = []
        for line in proc.stderr:  # the build announces itself before it starts
            before.append(line)
            if "building bucket preset 'test'" in line:
                break
        else:
            pytest.fail(f"no build started: {''.join(before)}")
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        code = proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, (code, rest)
    assert "Traceback" not in rest and rest.count("\n") == 1 and rest.endswith("interrupted\n"), rest
    assert not list((tmp_path / "cache").glob("*.npz"))  # nothing half-written left in the cache


@pytest.fixture(scope="module")
def holdem_run(tmp_path_factory) -> Path:
    return trained_run(tmp_path_factory)


def test_output_into_a_closed_pipe_is_silent(holdem_run):
    # the reader is gone before the command writes a byte: every write fails with EPIPE
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([PYTHON, "-m", "holdem.cli.policy", "show", str(holdem_run), "--preflop"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, cwd=REPO)
    finally:
        os.close(write_end)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_piped_into_head(holdem_run):
    command = f"set -o pipefail; '{PYTHON}' -m holdem.cli.policy show '{holdem_run}' --preflop | head -3"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert len(done.stdout.splitlines()) == 3
