"""A software prefetch for compiled code: ask for ``array[i]``'s cache line without waiting for it.

A traversal of a big tree is a chain of memory reads, each address known
only once the previous read has arrived (a node's record gives its regret
row; the row gives the sampled child).  Where an address is known early,
asking for its line then lets the read overlap the work before it is needed
(the traverser's children are all explored, so their rows can be asked for
as soon as the node is reached).  This is LLVM's ``llvm.prefetch``
intrinsic (read, high locality, data cache), which compiles to one
instruction (``prefetcht0`` on x86) and never faults: an address whose page
is not backed is simply dropped.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_READ, _KEEP_IN_ALL_LEVELS, _DATA_CACHE = 0, 3, 1


@intrinsic
def prefetch(typingctx, array, index):
    """``prefetch(array, i)``: request the cache line of ``array[i]`` (no bounds check, no result)."""
    if not isinstance(array, types.Array) or array.ndim != 1 or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]], wraparound=False)
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fn_type = ir.FunctionType(ir.VoidType(), [byte_pointer.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fn_type, "llvm.prefetch.p0i8")
        builder.call(fn, [byte_pointer, ir.Constant(i32, _READ), ir.Constant(i32, _KEEP_IN_ALL_LEVELS),
                          ir.Constant(i32, _DATA_CACHE)])
        return context.get_dummy_value()

    return sig, codegen
