"""Events: JSON lines with run id and timestamp in events.jsonl; console or JSON on stderr; progress on terminals."""
import io
import json
import re

import pytest

from supervisor.events import EventLog
from supervisor.status import RateMeter, format_duration, progress_line


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
    log.emit("batch_done", batch=3)  # per-batch events stay in the file; the progress line shows them
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
