"""Events: JSON lines with run id and timestamp in events.jsonl; console or JSON on stderr; progress on terminals."""
import io
import json
import re

import pytest

from supervisor.events import EventLog
from supervisor.status import DoneTally, RateMeter, format_duration, progress_line


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_json_lines_in_file_and_stream(tmp_path):
    stream = io.StringIO()
    log = EventLog(tmp_path, "run123", "auto", stream)
    log.emit("worker_started", slot=1, pid=42)
    log.emit("worker_silent", level="warning", slot=1, silent_for=5.2)
    log.progress("never shown when not a terminal")
    log.close()
    lines = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in lines] == ["worker_started", "worker_silent"]
    assert all(e["run_id"] == "run123" and e["timestamp"].endswith("Z") for e in lines)
    assert lines[1]["level"] == "warning" and lines[1]["silent_for"] == 5.2
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["worker_started",
                                                                                       "worker_silent"]


def test_console_rendering_and_progress_line_on_a_terminal(tmp_path):
    stream = Terminal()
    log = EventLog(tmp_path, "r", "auto", stream)
    log.progress("1,000 it")
    log.emit("worker_started", slot=3)
    log.emit("batch_done", batches=3)  # work summaries stay in the file; the progress line shows them
    log.close()
    text = stream.getvalue()
    assert text.startswith("\r\033[K1,000 it\r\033[K")  # the event line clears the progress line first
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text.split("\r\033[K")[2])
    assert "worker_started" in plain and "slot=3" in plain and "run_id=r" in plain
    assert "batch_done" not in text
    assert "batch_done" in (tmp_path / "events.jsonl").read_text()
    # --log-format json wins even on a terminal
    stream = Terminal()
    log = EventLog(tmp_path, "r", "json", stream)
    log.emit("x")
    log.close()
    assert json.loads(stream.getvalue().replace("\r\033[K", "").splitlines()[0])["event"] == "x"


def test_progress_figures():
    line = progress_line(12345, 2500.4, 2, 3, 1, 3725, "running")
    assert line == "12,345 it  2,500 it/s  workers 2/3  restarts 1  ETA 1:02:05  [running]"
    assert format_duration(None) == "?" and format_duration(59) == "0:59"
    meter = RateMeter(window=10)
    for t in range(30):
        meter.add(float(t), t * 100)
    assert meter.rate() == pytest.approx(100.0)


def test_work_is_summed_per_slot_and_interval():
    tally = DoneTally(began=100.0)
    assert tally.summary(100.5) is None  # nothing done: no event
    tally.add(1, first_batch=10, batches=5, iterations=500, nodes=7000, seconds=0.25, pid=42)
    tally.add(0, first_batch=0, batches=10, iterations=1000, nodes=9000, seconds=0.5, pid=41)
    tally.add(1, first_batch=15, batches=2, iterations=200, nodes=3000, seconds=0.125, pid=42)
    tally.add(1, first_batch=30, batches=1, iterations=100, nodes=1000, seconds=0.0625, pid=42)
    tally.add(1000, first_batch=20, batches=1, iterations=100, nodes=10, seconds=0.1, name="alice", remote=True)
    summary = tally.summary(102.5)
    assert summary["interval"] == 2.0 and summary["batches"] == 19 and summary["iterations"] == 1900
    assert summary["nodes"] == 20010 and summary["seconds"] == pytest.approx(1.0375)
    assert summary["iterations_per_s"] == 950.0
    assert summary["slots"] == [
        {"slot": 0, "pid": 41, "batches": 10, "iterations": 1000, "nodes": 9000, "seconds": 0.5,
         "batch_ranges": [[0, 9]]},
        {"slot": 1, "pid": 42, "batches": 8, "iterations": 800, "nodes": 11000, "seconds": 0.4375,
         "batch_ranges": [[10, 16], [30, 30]]},
        {"slot": 1000, "name": "alice", "remote": True, "batches": 1, "iterations": 100, "nodes": 10,
         "seconds": 0.1, "batch_ranges": [[20, 20]]},
    ]
    assert tally.summary(103.5) is None  # the next interval starts empty
    tally.add(0, first_batch=40, batches=1, iterations=100, nodes=1, seconds=0.01, pid=43)  # a new process
    assert tally.summary(104.5)["slots"][0]["pid"] == 43
