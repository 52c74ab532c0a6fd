"""Atomic read-modify-write on array words, for compiled code that several threads run at once.

Numba has no CPU atomics, so :func:`fetch_or` emits LLVM's ``atomicrmw or``
(sequentially consistent: on x86 a ``lock or``, a full fence).  The
first-write logs of :mod:`holdem.mccfr.blocks` use it so that exactly one
thread claims an entry's written bit, and so logs it once: with plain
stores, two threads setting bits of one word could lose one bit, log the
entry twice with different bases, and a host could keep a change it never
sent (LLVM Language Reference, "atomicrmw Instruction" and "Memory Model for
Concurrent Operations").
"""
from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def fetch_or(typingctx, array, index, value):
    """``old = array[index]; array[index] = old | value; return old``, as one atomic step (uint64 words)."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.uint64):
        return None
    if not isinstance(index, types.Integer) or not isinstance(value, types.Integer):
        return None
    sig = types.uint64(array, index, value)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data, at, bits = args
        at = context.cast(builder, at, signature.args[1], types.intp)
        bits = context.cast(builder, bits, signature.args[2], types.uint64)
        view = context.make_array(array_type)(context, builder, data)
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [at], wraparound=False)
        return builder.atomic_rmw("or", pointer, bits, "seq_cst")

    return sig, codegen
