"""Dask collections through ndbridge, in three ways (docs/dask.md says which fits when): materialize into one
array (``ndb.asarray(x)``, which calls ``_materialize`` here), convert lazily block by block (``asarray``), or
iterate over converted blocks (``iter_blocks``). Every block is computed on Dask's own active scheduler.
"""
import collections
import concurrent.futures
import itertools
import math
import os
import sys
import uuid
import weakref
from typing import Any, Iterator

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np
from dask.array.dispatch import concatenate_lookup
from dask.base import get_scheduler

from . import _core

__all__ = ["asarray", "iter_blocks"]

# Schedulers whose tasks run in this process: a task can write its block straight into the output.
_IN_PROCESS_SCHEDULERS = (dask.threaded.get, dask.local.get_sync)


# ---------------------------------------------------------------------------------------------- what runs where


def _client_of(collection):
    """The distributed Client that would run ``collection`` now (None: the default one), or None."""
    get = get_scheduler(collections=None if collection is None else [collection])
    distributed = sys.modules.get("distributed")
    owner = getattr(get, "__self__", None)
    if distributed is not None and isinstance(owner, distributed.Client):
        return owner
    return None


def _runs_in_process(collection):
    return get_scheduler(collections=[collection]) in _IN_PROCESS_SCHEDULERS


def _convert_block(block, dtype, like):
    """A block converted where it was computed (a worker, when there are workers): only these bytes travel."""
    return _core.asarray(block, dtype, like=like)


def _write_block(out, region, block):
    # ndb.Array.__setitem__: the copy engine's one pass (cast and layout change fused), without the GIL.
    out[region] = block


def _dtype_spelling(dtype):
    """A picklable spelling of an ndb.dtype that names it exactly (byte order included)."""
    return None if dtype is None else dtype.str


def _is_frame(x):
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(x, (dd.DataFrame, dd.Series))


def _lazy_target(like, function):
    """like= of the lazy forms: the library of the blocks, NumPy or PyTorch."""
    name = like if isinstance(like, str) else getattr(like, "__name__", None)
    if like is None or name == "numpy":
        return "numpy"
    if name == "torch":
        _register_torch_chunks()
        return "torch"
    raise ValueError(f"ndbridge.dask.{function}: like= must be None, 'numpy' or 'torch' (the blocks' library), "
                     f"not {like!r}")


_clients_with_torch_blocks: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _register_torch_chunks():
    """Lets Dask hold torch tensors as blocks (here) and join them (compute() of a lazy like='torch' array),
    also on a distributed Client's workers, present and future, where the joining may run."""
    import torch
    from dask.array.chunk_types import register_chunk_type

    register_chunk_type(torch.Tensor)
    client = _client_of(None)
    if client is not None and client not in _clients_with_torch_blocks:
        client.register_plugin(__getattr__("_TorchBlocksOnWorkers")(), name="ndbridge-torch-blocks")
        _clients_with_torch_blocks.add(client)


@concatenate_lookup.register_lazy("torch")
def _register_torch_concatenate():
    import torch

    @concatenate_lookup.register(torch.Tensor)
    def _concatenate_tensors(tensors, axis=0):
        return torch.cat(list(tensors), dim=axis)


def __getattr__(name):
    # The worker plugin's class is made on first use, so that importing this module does not import
    # distributed; pickle finds it here by name on both sides.
    if name != "_TorchBlocksOnWorkers":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in globals():
        return globals()[name]
    from distributed import WorkerPlugin

    class _TorchBlocksOnWorkers(WorkerPlugin):
        def setup(self, worker):
            import ndbridge.dask  # noqa: F401  (registers the torch join above on the worker)

    _TorchBlocksOnWorkers.__module__ = __name__
    globals()[name] = _TorchBlocksOnWorkers
    return _TorchBlocksOnWorkers


def _result_dtype(x, dtype, function):
    source = x.dtype
    if dtype is None and source == np.dtype(object):
        raise TypeError(f"{function}: the Dask collection has dtype object (Python objects, not values); "
                        "give dtype= to say what its values are")
    return _core.dtype(source if dtype is None else dtype)


def _with_note(error, text):
    error.add_note(text)
    return error


# ---------------------------------------------------------------------------------------------- block geometry


def _has_unknown_chunks(chunks):
    return any(math.isnan(c) for c in itertools.chain.from_iterable(chunks))


def _known_chunks(x):
    """x.chunks, with unknown sizes measured by one pass over the blocks on the active scheduler (only
    the shapes travel back). Unlike x.compute_chunk_sizes(), x itself is left as it was."""
    if not _has_unknown_chunks(x.chunks):
        return x.chunks
    blocks = x.to_delayed().ravel().tolist()
    shapes = dask.compute(*[dask.delayed(np.shape, pure=True)(b) for b in blocks])
    grid = np.empty(x.numblocks, dtype=object)
    for index, shape in zip(np.ndindex(*x.numblocks), shapes):
        grid[index] = shape
    chunks = []
    for axis, count in enumerate(x.numblocks):
        first = [0] * x.ndim
        sizes = []
        for i in range(count):
            first[axis] = i
            sizes.append(int(grid[tuple(first)][axis]))
        chunks.append(tuple(sizes))
    return tuple(chunks)


def _regions(chunks):
    """Each block's slice of the whole, in the C order of the block grid (the order of to_delayed().ravel())."""
    bounds = [np.cumsum((0,) + tuple(c)).tolist() for c in chunks]
    for index in np.ndindex(*[len(c) for c in chunks]):
        yield tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, index))


# ---------------------------------------------------------------------------------------------- materialize


def _materialize(x, dtype, order):
    """ndb.asarray's handler for Dask collections: one new ndb.Array (C or F order), filled block by block."""
    if isinstance(x, da.Array):
        return _materialize_array(x, dtype, order)
    if _is_frame(x):
        return _materialize_frame(x, dtype, order)
    raise TypeError(f"asarray: a {type(x).__module__}.{type(x).__name__} is a Dask collection but neither an array "
                    "nor a frame; compute it first, or make it an array with dask.array.from_delayed")


def _materialize_array(x, dtype, order):
    dtype = _result_dtype(x, dtype, "asarray")
    chunks = _known_chunks(x)
    out = _core._empty(tuple(sum(c) for c in chunks), dtype, order)
    if out.size != 0:
        # In this process the blocks go straight into the output (the write casts); elsewhere they are
        # converted where they are computed, so only the converted bytes travel.
        _fill(x, (out,), list(_regions(chunks)), x.to_delayed().ravel().tolist(), _write_block_into, _converted_block,
              (_dtype_spelling(dtype),), "asarray")
    return out


def _converted_block(block, dtype):
    return (_convert_block(block, dtype, "numpy"),)


def _write_block_into(outs, region, block, dtype):
    _write_block(outs[0], region, block)  # the write casts to the output's dtype


def _write_results(outs, region, results):
    for out, result in zip(outs, results):
        _write_block(out, region, result)


class _Writer:
    """The task that writes one source into its region of the outputs, by ``write(outs, region, source,
    *args)``. One object, so that Dask does not walk the outputs, the region and the options as possible
    collections for every block."""

    def __init__(self, outs, region, write, args):
        self.outs, self.region, self.write, self.args = outs, region, write, args

    def __call__(self, source):
        self.write(self.outs, self.region, source, *self.args)


# The outputs being filled through a distributed Client, by a token that the tasks carry instead of them:
# a task that runs in this process (a worker thread of an in-process cluster) finds them here and writes
# in place; anywhere else (a worker process, even one forked from this one) it does not, and its result
# travels back.
_OUTPUTS_FILLED: dict[str, tuple[int, tuple]] = {}


class _WriterOrConverter:
    """A distributed task: writes its source into its region when the outputs are in its process (then
    returns None), else returns ``remote_convert(source, *args)`` to be written where they are."""

    def __init__(self, token, region, local_write, remote_convert, args):
        self.token, self.region, self.args = token, region, args
        self.local_write, self.remote_convert = local_write, remote_convert

    def __call__(self, source):
        held = _OUTPUTS_FILLED.get(self.token)
        if held is not None and held[0] == os.getpid():
            self.local_write(held[1], self.region, source, *self.args)
            return None
        return self.remote_convert(source, *self.args)


def _describe(collection):
    """A one-line name of a collection for messages (a frame's repr is a table)."""
    if isinstance(collection, da.Array):
        return repr(collection)
    return f"a Dask {type(collection).__name__} of {collection.npartitions} partitions"


def _fill(collection, outs, regions, sources, local_write, remote_convert, args, function):
    """Computes every source (a block, a partition) on the active scheduler and writes it into ``region`` of
    each output. Schedulers in this process share the outputs' memory: each task writes its own source by
    ``local_write(outs, region, source, *args)``, nothing is joined. Elsewhere the results travel, as
    ``remote_convert(source, *args)`` makes them (a tuple, one array per output). A distributed Client:
    results converted on the workers, written one by one as they arrive (the outputs plus the results in
    flight), except that workers in this process write in place. Other schedulers (processes): all converted
    results come back at once, then are written."""
    try:
        if _runs_in_process(collection):
            dask.compute(*[dask.delayed(_Writer(outs, r, local_write, args), pure=False)(s)
                           for r, s in zip(regions, sources)])
            return
        client = _client_of(collection)
        if client is None:
            converted = [dask.delayed(remote_convert, pure=True)(s, *args) for s in sources]
            results = list(dask.compute(*converted))
            for i, region in enumerate(regions):
                _write_results(outs, region, results[i])
                results[i] = None
            return
        from distributed import as_completed

        token = uuid.uuid4().hex
        tasks = [dask.delayed(_WriterOrConverter(token, r, local_write, remote_convert, args), pure=False)(s)
                 for r, s in zip(regions, sources)]
        _OUTPUTS_FILLED[token] = (os.getpid(), outs)
        try:
            futures = client.compute(tasks)
            position = {f.key: i for i, f in enumerate(futures)}
            try:
                for future, result in as_completed(futures, with_results=True):
                    if result is not None:
                        _write_results(outs, regions[position[future.key]], result)
                    del result
            finally:
                client.cancel(futures)
        finally:
            del _OUTPUTS_FILLED[token]
    except Exception as error:
        raise _with_note(error, f"ndbridge.{function}: computing the {len(sources)} parts of "
                         f"{_describe(collection)} failed; no result was made") from None


# ---------------------------------------------------------------------------------------------- frames


class _FrameOptions:
    """ndb.from_dataframe's options for every partition, with the result dtype fixed once (from the frame's
    meta) so that every partition gives the same dtype whatever values it holds. Picklable."""

    def __init__(self, dtype, columns, nulls, categorical, datetime_unit):
        self.dtype, self.columns, self.nulls = dtype, columns, nulls
        self.categorical, self.datetime_unit = categorical, datetime_unit

    def convert(self, partition):
        """(values, mask or None) of one pandas partition as C-ordered NumPy arrays, by the frames path."""
        from . import from_dataframe

        result = from_dataframe(partition, self.dtype, columns=self.columns, order="C", nulls=self.nulls,
                                categorical=self.categorical, datetime_unit=self.datetime_unit, like="numpy")
        return result if self.nulls == "mask" else (result, None)

    def write_into(self, partition, outs, region):
        """One pandas partition written by the frames path straight into ``region`` of the outputs (values,
        and the mask under nulls="mask"), with no array of the partition's size made on the way."""
        from ._frames import _write_into

        mask = outs[1][region] if len(outs) > 1 else None
        _write_into(partition, outs[0][region], mask, self.dtype, self.columns, self.nulls, self.categorical,
                    self.datetime_unit)


def _frame_plan(df, dtype, columns, nulls, categorical, datetime_unit):
    """(options, result dtype, width or None for a Series): the frames path run on the frame's meta, an
    empty pandas frame of the same columns, so bad options fail before anything is computed."""
    options = _FrameOptions(None if dtype is None else _dtype_spelling(_core.dtype(dtype)), columns, nulls,
                            categorical, datetime_unit)
    empty, _ = options.convert(df._meta)
    options.dtype = _dtype_spelling(_core.dtype(empty.dtype))
    return options, _core.dtype(empty.dtype), (None if empty.ndim == 1 else empty.shape[1])


def _partition_lengths(partitions):
    """Each partition's row count, computed once on the active scheduler (only the counts travel)."""
    return [int(n) for n in dask.compute(*[dask.delayed(len, pure=True)(p) for p in partitions])]


def _converted_partition(partition, options):
    return options.convert(partition)


def _write_partition_into(outs, region, partition, options):
    options.write_into(partition, outs, region)


def _write_converted_partition(outs, region, partition, options):
    _write_results(outs, region, options.convert(partition))


def _from_dask_dataframe(df, dtype, columns, order, nulls, categorical, datetime_unit, copy, like, in_place=True):
    """ndb.from_dataframe of a Dask DataFrame or Series: one output (and mask) allocated once, each partition
    converted by the frames path into its rows: straight into them on schedulers that share this process's
    memory; else (and with ``in_place=False``, the path the tests and the benchmark compare with) into a
    new array that is then copied there."""
    if copy is False:
        raise _core.CopyError(f"from_dataframe: a {type(df).__name__} is a lazy Dask collection: its values exist "
                              "only once computed, so they are always copied; copy=False forbids that")
    if not isinstance(order, str) or order.upper() not in ("C", "F", "K", "A"):
        raise ValueError(f"from_dataframe: order must be 'K', 'A', 'C' or 'F', not {order!r}")
    options, result_dtype, width = _frame_plan(df, dtype, columns, nulls, categorical, datetime_unit)
    partitions = df.to_delayed()  # once: each call optimizes the whole graph again
    lengths = _partition_lengths(partitions)
    shape = (sum(lengths),) if width is None else (sum(lengths), width)
    layout = "F" if order.upper() == "F" else "C"
    outs = (_core._empty(shape, result_dtype, layout),)
    if nulls == "mask":
        outs += (_core._empty(shape, _core.dtype("bool"), layout),)
    bounds = np.cumsum([0] + lengths).tolist()
    regions = [(slice(a, b),) for a, b in zip(bounds, bounds[1:])]
    if outs[0].size != 0:
        local_write = _write_partition_into if in_place else _write_converted_partition
        _fill(df, outs, regions, partitions, local_write, _converted_partition, (options,), "from_dataframe")
    if like is not None:
        outs = tuple(_core.asarray(o, like=like) for o in outs)
    return outs if nulls == "mask" else outs[0]


def _materialize_frame(df, dtype, order):
    return _from_dask_dataframe(df, dtype, None, order, None, "codes", None, None, None)


# ---------------------------------------------------------------------------------------------- lazy


def asarray(x: Any, dtype: Any = None, *, like: Any = None, nulls: Any = None) -> da.Array:
    """A lazy Dask array whose blocks are ``x``'s blocks converted by ndbridge (``dtype=``; NumPy arrays, or
    torch tensors with ``like="torch"``). Nothing is computed now; ``meta`` is given, so Dask runs no
    conversion on placeholder data. A Dask DataFrame gives one block per partition (``nulls=`` as in
    ``ndb.from_dataframe``)."""
    target = _lazy_target(like, "asarray")
    if _is_frame(x):
        return _lazy_frame(x, dtype, target, nulls)
    if not isinstance(x, da.Array):
        raise TypeError(f"ndbridge.dask.asarray: expected a Dask array or DataFrame, got {type(x).__name__}")
    if nulls is not None:
        raise ValueError("ndbridge.dask.asarray: nulls= applies to Dask DataFrames; a Dask array has no missing "
                         f"values to replace (got nulls={nulls!r})")
    dtype = _result_dtype(x, dtype, "ndbridge.dask.asarray")
    meta = _convert_block(np.empty((0,) * x.ndim, dtype=x.dtype), _dtype_spelling(dtype), target)
    return da.map_blocks(_convert_block, x, _dtype_spelling(dtype), target, meta=meta,
                         name="ndbridge-asarray-" + dask.base.tokenize(x, _dtype_spelling(dtype), target))


def _lazy_frame(df, dtype, target, nulls):
    if isinstance(nulls, str) and nulls == "mask":
        raise ValueError("ndbridge.dask.asarray: nulls='mask' makes two arrays (values, mask), and a lazy array "
                         "has one kind of block; use ndb.from_dataframe(df, nulls='mask') or another nulls=")
    options, _, width = _frame_plan(df, dtype, None, nulls, "codes", None)
    shape = (math.nan,) if width is None else (math.nan, width)
    numpy_meta = np.empty((0,) * len(shape), dtype=np.dtype(options.dtype))
    parts = [da.from_delayed(dask.delayed(_lazy_partition, pure=True)(p, options, "numpy"), shape, meta=numpy_meta)
             for p in df.to_delayed()]
    joined = da.concatenate(parts, axis=0)  # Dask joins NumPy metas only; torch blocks come after, per block
    if target == "numpy":
        return joined
    return joined.map_blocks(_convert_block, None, target, meta=_convert_block(numpy_meta, None, target))


def _lazy_partition(partition, options, target):
    return _core.asarray(options.convert(partition)[0], like=target)


# ---------------------------------------------------------------------------------------------- iterate


def iter_blocks(x: Any, *, like: Any = "torch", prefetch: int = 1) -> Iterator[Any]:
    """Every block of ``x`` once, in the C order of its block grid (partitions in order for a DataFrame), as
    ``like``'s arrays; the next ``prefetch`` blocks are computed while the current one is used, so only
    those are held besides it."""
    if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
        raise ValueError(f"ndbridge.dask.iter_blocks: prefetch must be an int >= 0, not {prefetch!r}")
    if _is_frame(x):
        blocks = _frame_blocks(x)
    elif isinstance(x, da.Array):
        blocks = [dask.delayed(_convert_block, pure=True)(b, None, "numpy") for b in x.to_delayed().ravel()]
    else:
        raise TypeError(f"ndbridge.dask.iter_blocks: expected a Dask array or DataFrame, got {type(x).__name__}")
    return _iterate(x, blocks, like, prefetch)


def _frame_blocks(df):
    options, _, _ = _frame_plan(df, None, None, None, "codes", None)
    return [dask.delayed(_lazy_partition, pure=True)(p, options, "numpy") for p in df.to_delayed()]


def _iterate(x, blocks, like, prefetch):
    _core.asarray(np.empty(0), like=like)  # checks like= now, not at the first block
    client = _client_of(x)
    if client is not None:
        start, result, stop = client.compute, (lambda f: f.result()), client.cancel
    elif prefetch == 0:
        start, result, stop = (lambda d: d), (lambda d: dask.compute(d)[0]), (lambda pending: None)
    else:
        # One thread computes ahead, on whatever scheduler is active (its own pool for the threaded one).
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ndbridge-prefetch")
        start = lambda d: executor.submit(lambda: dask.compute(d)[0])  # noqa: E731
        result = lambda f: f.result()  # noqa: E731

        def stop(pending):
            executor.shutdown(wait=True, cancel_futures=True)

    return _blocks_in_order(blocks, like, prefetch, start, result, stop)


def _blocks_in_order(blocks, like, prefetch, start, result, stop):
    pending = collections.deque()
    upcoming = iter(enumerate(blocks))
    try:
        for i, block in itertools.islice(upcoming, prefetch + 1):
            pending.append((i, start(block)))
        while pending:
            i, handle = pending.popleft()
            try:
                value = result(handle)
            except Exception as error:
                raise _with_note(error, f"ndbridge.dask.iter_blocks: block {i} of {len(blocks)} failed") from None
            for j, block in itertools.islice(upcoming, 1):
                pending.append((j, start(block)))
            yield _core.asarray(value, like=like)
            del value
    finally:
        stop([h for _, h in pending])
