"""Who may connect to the remote endpoint: CURVE keys checked by ZAP, plus a cool-down for bad peers.

The remote ROUTER is a CURVE server (CurveZMQ, ZeroMQ RFC 26); every
connection's handshake is checked by a ZAP handler (RFC 27) running on the
supervisor's asyncio loop (pyzmq's ``zmq.auth.asyncio.AsyncioAuthenticator``).
It admits a client only if its public key is one of ``KEYS/authorized/*.key``
(re-read when the directory changes, so ``holdem-keys authorize`` takes
effect without a restart) and is not cooling down.

A peer is named by its public key (ZeroMQ puts it in every message's
``User-Id`` property after a CURVE handshake) or, on an ``--insecure``
endpoint, by its address.  A peer that keeps sending bad messages is cut off
for a while (:class:`CoolDown`): its messages are dropped unread and, with
CURVE, its new handshakes are denied.  ZeroMQ cannot close one peer's
connection on a ROUTER socket, so this is how it is "disconnected".

Every refusal is reported through ``on_refused`` (the supervisor logs it as
``remote_refused``), at most once per key per :data:`REFUSAL_LOG_INTERVAL`:
a client's transport reconnects every fraction of a second, and a refused key
must not flood the log.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import zmq
import zmq.auth.asyncio

from worker.keys import KeyFileError, authorized_dir, authorized_keys

REFUSAL_LOG_INTERVAL = 60.0  # seconds between two log lines about the same refused key

Clock = Callable[[], float]


class CoolDown:
    """Peers ignored until a time, after too many bad messages."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.until: dict[str, float] = {}

    def ban(self, peer: str, seconds: float) -> None:
        self.until[peer] = self.clock() + seconds

    def banned(self, peer: str) -> bool:
        until = self.until.get(peer)
        if until is None:
            return False
        if self.clock() >= until:
            del self.until[peer]
            return False
        return True

    def remaining(self, peer: str) -> float:
        return max(0.0, self.until.get(peer, 0.0) - self.clock())


class AuthorizedKeys:
    """The public keys in ``KEYS/authorized/``, re-read whenever the directory's mtime changes."""

    def __init__(self, keys_dir: str | os.PathLike) -> None:
        self.keys_dir = Path(keys_dir)
        self.directory = authorized_dir(keys_dir)
        self._stamp: tuple | None = None
        self.keys: dict[bytes, str] = {}
        self.problem = ""  # why the last reload failed, if it did

    def _current_stamp(self) -> tuple | None:
        try:
            st = self.directory.stat()
        except FileNotFoundError:
            return None
        entries = sorted((p.name, p.stat().st_mtime_ns) for p in self.directory.glob("*.key"))
        return st.st_mtime_ns, tuple(entries)

    def refresh(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self.keys = authorized_keys(self.keys_dir)
            self.problem = ""
        except KeyFileError as exc:
            # keep the keys that were good; a damaged file must not lock everyone out, nor let anyone in
            self.problem = str(exc)

    def name_of(self, key: bytes) -> str | None:
        self.refresh()
        return self.keys.get(key)


class KeyAuthenticator(zmq.auth.asyncio.AsyncioAuthenticator):
    """ZAP handler: admits authorized keys that are not cooling down; reports refusals."""

    def __init__(self, context: zmq.Context, keys_dir: str | os.PathLike, cooldown: CoolDown,
                 on_refused: Callable[..., None], clock: Clock = time.monotonic) -> None:
        super().__init__(context)
        self.authorized = AuthorizedKeys(keys_dir)
        self.cooldown = cooldown
        self.on_refused = on_refused
        self.clock = clock
        self._address = ""
        self._last_logged: dict[bytes, tuple[float, int]] = {}

    def start(self) -> None:
        super().start()
        self.configure_curve_callback(domain="*", credentials_provider=self)

    async def handle_zap_message(self, msg: list[bytes]) -> None:
        # the base class passes the callback only the key; keep the address for the report
        self._address = msg[3].decode("utf-8", "replace") if len(msg) > 3 else ""
        await super().handle_zap_message(msg)

    def callback(self, domain: str, key: bytes) -> bool:
        """Called by the base class with the client's Z85 public key; True admits it."""
        peer = key.decode("ascii", "replace")
        name = self.authorized.name_of(key)
        if name is None:
            reason = f"key not in {self.authorized.directory}"
            if self.authorized.problem:
                reason += f" ({self.authorized.problem})"
        elif self.cooldown.banned(peer):
            reason = f"cooling down after bad messages ({self.cooldown.remaining(peer):.0f} s left)"
        else:
            return True
        self._report(key, peer, name, reason)
        return False

    def _report(self, key: bytes, peer: str, name: str | None, reason: str) -> None:
        now = self.clock()
        last, suppressed = self._last_logged.get(key, (None, 0))
        if last is not None and now - last < REFUSAL_LOG_INTERVAL:
            self._last_logged[key] = (last, suppressed + 1)
            return
        self._last_logged[key] = (now, 0)
        self.on_refused(peer=peer, key_file=name, address=self._address, reason=reason,
                        repeats_since_last_report=suppressed)


def check_keys_dir(keys_dir: str | os.PathLike) -> list[str]:
    """Problems that make ``--keys DIR`` unusable (empty when it is fine); warnings are not problems."""
    from worker.keys import server_key_pair

    problems = []
    try:
        server_key_pair(keys_dir)
    except KeyFileError as exc:
        problems.append(str(exc))
    try:
        authorized_keys(keys_dir)
    except KeyFileError as exc:
        problems.append(str(exc))
    return problems
