"""Progress of long builds: a bar with ETA per stage on a terminal, silence elsewhere.

Builders report through the small :class:`Progress` protocol (start a stage,
advance it, finish it), so they stay free of terminal handling; the CLI
passes a :class:`ProgressBar` on stderr, tests pass nothing.
"""
from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

_BAR_WIDTH = 28
_REDRAW_SECONDS = 0.2  # at most five redraws a second


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """``stage [#####.....]  45%  12/27  00:13 elapsed  ETA 00:16`` redrawn in place.

    Draws only when ``stream`` is a terminal (or ``force``), so logs and pipes
    stay clean.
    """

    def __init__(self, stream: TextIO | None = None, force: bool = False, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.stage = ""
        self.total = 0
        self.done = 0
        self.t0 = 0.0
        self.last_draw = float("-inf")

    def start(self, stage: str, total: int) -> None:
        self.stage, self.total, self.done = stage, max(int(total), 1), 0
        self.t0 = self.clock()
        self.last_draw = float("-inf")
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._draw(force=self.done == self.total)

    def finish(self) -> None:
        self.done = self.total
        self._draw(force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        elapsed = self.clock() - self.t0
        frac = self.done / self.total
        filled = int(frac * _BAR_WIDTH)
        eta = _clock(elapsed / frac - elapsed) if 0 < frac < 1 else ("--:--" if frac == 0 else "00:00")
        return (
            f"{self.stage:<22} [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {100 * frac:3.0f}%  "
            f"{self.done}/{self.total}  {_clock(elapsed)} elapsed  ETA {eta}"
        )

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self.last_draw < _REDRAW_SECONDS:
            return
        self.last_draw = now
        self.stream.write("\r" + self.line())
        self.stream.flush()
