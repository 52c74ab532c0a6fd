"""What the run says: structlog events to ``DIR/events.jsonl`` and stderr, plus a progress line.

Every event is one JSON object per line in ``events.jsonl`` (for machines)
carrying ``event``, ``level``, ``timestamp`` (UTC ISO 8601) and ``run_id``.
On stderr the same events are rendered for people (structlog's console
renderer, without the per-second work summaries) when stderr is a terminal, or as the
same JSON lines otherwise or with ``--log-format json``.  On a terminal a progress line is redrawn in
place below the events.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import structlog

LOG_FORMATS = ("auto", "json", "console")
# At most one a second each (work done, discounts passed): in the file and in JSON output, but the
# console shows the progress line instead.
CONSOLE_QUIET = frozenset({"batch_done", "discount_applied"})


class _TerminalSink:
    """A structlog logger writing whole lines, clearing the progress line first."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live  # a progress line may be on screen

    def write(self, message: str) -> None:
        prefix = "\r\033[K" if self.live else ""
        self.stream.write(prefix + message + "\n")
        self.stream.flush()

    msg = debug = info = warning = error = critical = write


class EventLog:
    """Structured events of one run; ``emit(name, **figures)``."""

    def __init__(self, logdir: Path, run_id: str, log_format: str = "auto", stream: TextIO | None = None) -> None:
        if log_format not in LOG_FORMATS:
            raise ValueError(f"log format {log_format!r}: expected one of {LOG_FORMATS}")
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        logdir.mkdir(parents=True, exist_ok=True)
        self.path = logdir / "events.jsonl"
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)
        common = [
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ]
        self._to_file = structlog.wrap_logger(
            structlog.WriteLogger(self._file),
            processors=common + [structlog.processors.JSONRenderer(sort_keys=True)],
        ).bind(run_id=run_id)
        console = log_format == "console" or (log_format == "auto" and self.tty)
        self._quiet = CONSOLE_QUIET if console else frozenset()
        renderer = (structlog.dev.ConsoleRenderer(colors=self.tty) if console
                    else structlog.processors.JSONRenderer(sort_keys=True))
        self._sink = _TerminalSink(self.stream, live=self.tty)
        self._to_stderr = structlog.wrap_logger(self._sink, processors=common + [renderer]).bind(run_id=run_id)

    def emit(self, event: str, level: str = "info", **figures) -> None:
        getattr(self._to_file, level)(event, **figures)
        if event not in self._quiet:
            getattr(self._to_stderr, level)(event, **figures)

    def progress(self, line: str) -> None:
        """Redraw the progress line (terminals only)."""
        if self.tty:
            self.stream.write("\r\033[K" + line)
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._file.close()
