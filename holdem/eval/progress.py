"""A one-line progress bar on stderr (redrawn in place, at most a few times a second)."""
from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
REFRESH_SECONDS = 0.2


class ProgressBar:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, enabled: bool = True):
        self.total = max(1, int(total))
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.began = time.monotonic()
        self._last = -float("inf")

    def update(self, done: int, note: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < REFRESH_SECONDS:
            return
        self._last = now
        frac = min(1.0, done / self.total)
        fill = int(round(frac * BAR_WIDTH))
        rate = done / (now - self.began) if now > self.began else 0.0
        eta = (self.total - done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:5.0f}s" if eta != float("inf") else "    ?"
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (BAR_WIDTH - fill)}] {done}/{self.total} "
                          f"{rate:6.1f}/s ETA {eta_text} {note}   ")
        self.stream.flush()

    def finish(self, done: int, note: str = "") -> None:
        if not self.enabled:
            return
        self.update(done, note, force=True)
        self.stream.write("\n")
        self.stream.flush()
