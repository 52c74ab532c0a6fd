"""Writing an ``.npz`` of big arrays: a ZIP_STORED archive laid out here, its bulk written with ``O_DIRECT``.

The layout follows the ZIP APPNOTE (6.3.10): a local file header (4.3.7) with
a zip64 extended information extra field (4.5.3) before each member, then
the central directory headers (4.3.12), the zip64 end of central directory
record and locator (4.3.14, 4.3.15) and the end of central directory record
(4.3.16).  Every member is zip64, so no size limit applies.  Each member is
``<name>.npy`` in the NPY format (1.0, or 2.0 for a header over 64 KiB;
``numpy.lib.format``), its header padded with spaces so that the array's
data starts at an ``ALIGN``-aligned file offset: a reader may map an array
straight from the file.  ``np.load``, ``zipfile`` (CRCs included) and
:mod:`holdem.mccfr.snapshot` read the result.

Every byte goes through one page-aligned buffer: a member's bytes are copied
into it, their CRC-32 taken there, and each full buffer is written at an
aligned offset with ``O_DIRECT``, which skips the page cache (a buffered
write allocates and fills a page-cache page per 4 KiB, several times the
cost of the copy and the CRC together: ``benchmarks/snapshot_cost.py``).
The copy is what makes the CRC right for arrays that change while they are
written (tables snapshotted while training goes on): it covers exactly the
bytes the disk gets, where a CRC taken over the arrays themselves and a
write from them would each see other values.  Where ``O_DIRECT`` is refused
(some file systems, systems without it) or a direct write fails, the same
buffer is written through the page cache.

Sizes are known before the data (each member gives its shape), so the local
headers carry them; CRCs are known only after, and are patched into the
local headers last, through the page cache, before the one ``fsync``.
"""
from __future__ import annotations

import fcntl
import math
import mmap
import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ALIGN = 4096  # O_DIRECT wants offsets, lengths and buffer addresses in whole logical blocks; 4096 covers them
BUFFER_BYTES = 4 << 20  # bytes per direct write: large enough that a write costs little beside its copy
_O_DIRECT = getattr(os, "O_DIRECT", 0)  # Linux; other systems write through the page cache

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # signature .. extra field length (4.3.7)
_LOCAL_ZIP64 = struct.Struct("<HHQQ")  # id 1, data size, uncompressed and compressed size (4.5.3)
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # signature .. local header offset (4.3.12)
_CENTRAL_ZIP64 = struct.Struct("<HHQQQ")  # id 1, data size, sizes, local header offset (4.5.3)
_END64 = struct.Struct("<IQHHIIQQQQ")  # zip64 end of central directory record (4.3.14)
_END64_LOCATOR = struct.Struct("<IIQI")  # (4.3.15)
_END = struct.Struct("<IHHHHIIH")  # end of central directory record (4.3.16)
_CRC_AT = 14  # offset of the CRC-32 in a local file header
_VERSION = 45  # 4.5: zip64
_MADE_BY = 3 << 8 | _VERSION  # UNIX, so the external attributes are a file mode
_DOS_DATE = 1 << 5 | 1  # 1980-01-01, the earliest a zip can say: the file is the same whenever it is written
_MODE = 0o100644 << 16
_FULL16, _FULL32 = 0xFFFF, 0xFFFFFFFF  # "see the zip64 field"


@dataclass(frozen=True)
class Member:
    """``<name>.npy``: an array of ``dtype`` and ``shape`` (C order) whose bytes are those of ``pieces``,
    back to back (C-contiguous arrays of any dtype, read as they are written)."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    pieces: Iterable[np.ndarray]


@dataclass(frozen=True)
class _Entry:
    name: bytes
    offset: int  # of the local header
    size: int
    crc: int


def write_npz(path: str | os.PathLike, members: Iterable[Member], direct: bool = True) -> int:
    """Write ``members`` to a new ``.npz`` at ``path`` and fsync it; return the bytes written with
    ``O_DIRECT`` (0 where it was refused or ``direct`` is false)."""
    fd = os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        out = _Out(fd, direct)
        entries = [_write_member(out, member) for member in members]
        central = out.offset
        for e in entries:
            out.put(_bytes(_CENTRAL.pack(0x02014B50, _MADE_BY, _VERSION, 0, 0, 0, _DOS_DATE, e.crc, _FULL32,
                                         _FULL32, len(e.name), _CENTRAL_ZIP64.size, 0, 0, 0, _MODE, _FULL32)
                           + e.name + _CENTRAL_ZIP64.pack(1, 24, e.size, e.size, e.offset)))
        end64 = out.offset
        count, size = len(entries), end64 - central
        out.put(_bytes(_END64.pack(0x06064B50, _END64.size - 12, _MADE_BY, _VERSION, 0, 0, count, count, size, central)
                       + _END64_LOCATOR.pack(0x07064B50, 0, end64, 1)
                       + _END.pack(0x06054B50, 0, 0, min(count, _FULL16), min(count, _FULL16), min(size, _FULL32),
                                   min(central, _FULL32), 0)))
        out.finish([(e.offset + _CRC_AT, struct.pack("<I", e.crc)) for e in entries])
        return out.direct_bytes
    finally:
        os.close(fd)


def _write_member(out: _Out, member: Member) -> _Entry:
    name = f"{member.name}.npy".encode("ascii")
    dtype, shape = np.dtype(member.dtype), tuple(int(n) for n in member.shape)
    offset = out.offset
    header = npy_header(dtype, shape, offset + _LOCAL.size + len(name) + _LOCAL_ZIP64.size)
    data_bytes = dtype.itemsize * math.prod(shape)
    size = len(header) + data_bytes
    out.put(_bytes(_LOCAL.pack(0x04034B50, _VERSION, 0, 0, 0, _DOS_DATE, 0, _FULL32, _FULL32, len(name),
                               _LOCAL_ZIP64.size) + name + _LOCAL_ZIP64.pack(1, 16, size, size)))
    out.begin_crc()
    out.put(_bytes(header))
    written = 0
    for piece in member.pieces:
        data = np.ascontiguousarray(piece).reshape(-1).view(np.uint8)
        out.put(data)
        written += data.size
    if written != data_bytes:
        raise ValueError(f"{member.name}: its pieces hold {written} bytes, {dtype} {shape} needs {data_bytes}")
    return _Entry(name, offset, size, out.end_crc())


def npy_header(dtype: np.dtype, shape: tuple[int, ...], at: int) -> bytes:
    """The NPY header of a C-order ``dtype[shape]`` starting at file offset ``at``, padded so that the
    data after it starts at a multiple of ``ALIGN``."""
    text = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
    for major, length in ((1, struct.Struct("<H")), (2, struct.Struct("<I"))):
        fixed = len(np.lib.format.magic(major, 0)) + length.size
        room = len(text) + 1  # the header ends with a newline
        room += -(at + fixed + room) % ALIGN
        if room < 1 << 8 * length.size:
            return (np.lib.format.magic(major, 0) + length.pack(room)
                    + (text + " " * (room - len(text) - 1) + "\n").encode("latin1"))
    raise ValueError(f"an NPY header of {len(text)} characters does not fit")


def _bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, np.uint8)


class _Out:
    """The file, written front to back through an aligned buffer."""

    def __init__(self, fd: int, direct: bool):
        self.fd = fd
        self.direct = direct and _set_direct(fd, True)
        self.buffer = mmap.mmap(-1, BUFFER_BYTES)  # a mapping starts on a page: aligned for O_DIRECT
        self.array = np.frombuffer(self.buffer, np.uint8)
        self.view = memoryview(self.buffer)
        self.base = 0  # file offset of the buffer's first byte, a multiple of ALIGN
        self.fill = 0
        self.crc = 0
        self.crc_from: int | None = None  # where in the buffer the member's bytes not yet in crc begin
        self.direct_bytes = 0

    @property
    def offset(self) -> int:
        return self.base + self.fill

    def put(self, data: np.ndarray) -> None:
        """Append ``data`` (uint8[n])."""
        done, total = 0, data.size
        while done < total:
            step = min(total - done, BUFFER_BYTES - self.fill)
            self.array[self.fill:self.fill + step] = data[done:done + step]
            self.fill += step
            done += step
            if self.fill == BUFFER_BYTES:
                self._take_crc()
                self._write(self.view, self.base)
                self.base += BUFFER_BYTES
                self.fill = 0
                if self.crc_from is not None:
                    self.crc_from = 0

    def begin_crc(self) -> None:
        self.crc, self.crc_from = 0, self.fill

    def end_crc(self) -> int:
        self._take_crc()
        self.crc_from = None
        return self.crc

    def _take_crc(self) -> None:
        # taken over the buffer, once per buffer or member: the bytes as they go to disk
        if self.crc_from is not None:
            self.crc = zlib.crc32(self.view[self.crc_from:self.fill], self.crc)
            self.crc_from = self.fill

    def finish(self, patches: list[tuple[int, bytes]]) -> None:
        """Write what the buffer holds, then ``patches`` ((offset, bytes) over what was written); fsync."""
        whole = self.fill - self.fill % ALIGN
        if whole:
            self._write(self.view[:whole], self.base)
        if self.direct:
            self.direct = _set_direct(self.fd, False)
        # the unaligned end and the patches go through the page cache, which reads back what they share a block with
        _pwrite_all(self.fd, self.view[whole:self.fill], self.base + whole)
        for offset, data in patches:
            _pwrite_all(self.fd, memoryview(data), offset)
        os.fsync(self.fd)

    def _write(self, data: memoryview, offset: int) -> None:
        if self.direct:
            try:
                _pwrite_all(self.fd, data, offset)
                self.direct_bytes += len(data)
                return
            except OSError:  # refused or failed: the page cache takes this write and the rest
                self.direct = _set_direct(self.fd, False)
        _pwrite_all(self.fd, data, offset)


def _set_direct(fd: int, on: bool) -> bool:
    """Turn ``O_DIRECT`` on or off for ``fd``; whether it is on afterwards."""
    if not _O_DIRECT:
        return False
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT if on else flags & ~_O_DIRECT)
    except OSError:
        return not on
    return on


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    done = 0
    while done < len(data):
        done += os.pwrite(fd, data[done:], offset + done)
