"""Threads: eight workers convert and export the same sources (NumPy arrays, torch tensors, bytearrays,
ndb arrays) while others replace, release and try to resize them. Nothing may crash and every value read
must be the value written; a resize of an exported bytearray must be refused, never performed."""
import random
import threading

import numpy as np
import pytest
import torch

import ndbridge as ndb

WORKERS = 8
ITERATIONS = 300


def make_source(kind, seed):
    """A source whose element i holds seed + i, so a reader can check every value it sees."""
    values = np.arange(64, dtype=np.int64) + seed
    if kind == "numpy":
        return values.reshape(8, 8)[:, ::-1].copy()[:, ::-1]
    if kind == "torch":
        return torch.from_numpy(values.copy()).reshape(8, 8)
    if kind == "bytearray":
        return bytearray(values.astype(np.uint8).tobytes())
    return ndb.asarray(values.copy()).reshape((8, 8))


def expected_values(kind, seed):
    values = np.arange(64, dtype=np.int64) + seed
    return values.astype(np.uint8) if kind == "bytearray" else values.reshape(8, 8)


class Shared:
    """Slots of sources that converters read and that replacers swap out and drop."""

    def __init__(self):
        self.lock = threading.Lock()
        self.slots = [(kind, k, make_source(kind, k)) for k, kind in enumerate(["numpy", "torch", "bytearray", "ndb"] * 2)]

    def pick(self, rng):
        with self.lock:
            return self.slots[rng.randrange(len(self.slots))]

    def replace(self, rng):
        with self.lock:
            i = rng.randrange(len(self.slots))
            kind, _, _ = self.slots[i]
            seed = rng.randrange(1000)
            self.slots[i] = (kind, seed, make_source(kind, seed))


def convert_and_check(rng, kind, seed, source):
    expected = expected_values(kind, seed)
    x = ndb.asarray(source)
    assert np.array_equal(np.asarray(x).reshape(expected.shape), expected)
    step = rng.random()
    if step < 0.25 and kind != "bytearray":
        t = torch.from_dlpack(x)
        assert torch.equal(t, torch.from_numpy(expected))
    elif step < 0.5:
        y = ndb.asarray(x, dtype="float64", copy=True)
        assert np.array_equal(np.asarray(y).reshape(expected.shape), expected.astype(np.float64))
    elif step < 0.75:
        assert np.array_equal(np.from_dlpack(x).reshape(expected.shape), expected) if not x.readonly else True
    else:
        capsule = x.__dlpack__(max_version=(1, 0))
        del capsule
    return x


def test_eight_threads_convert_export_while_others_release_and_resize():
    shared = Shared()
    failures = []
    resize_refused = [0]

    def converter(seed):
        rng = random.Random(seed)
        try:
            held = []
            for _ in range(ITERATIONS):
                kind, value_seed, source = shared.pick(rng)
                held.append(convert_and_check(rng, kind, value_seed, source))
                if len(held) > 4:
                    held.pop(rng.randrange(len(held)))
        except BaseException as e:  # reported below with the thread's seed
            failures.append((seed, repr(e)))

    def releaser(seed):
        rng = random.Random(seed)
        try:
            for _ in range(ITERATIONS):
                shared.replace(rng)
                kind, _, source = shared.pick(rng)
                if kind == "bytearray":
                    try:
                        source.extend(b"\0")  # only allowed when nothing views it; then undone
                        del source[-1]
                    except BufferError:
                        resize_refused[0] += 1
        except BaseException as e:
            failures.append((seed, repr(e)))

    threads = [threading.Thread(target=converter, args=(k,)) for k in range(WORKERS)]
    threads += [threading.Thread(target=releaser, args=(100 + k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]


def test_bytearray_resize_under_a_live_view_is_refused_on_any_thread():
    data = bytearray(range(32))
    x = ndb.asarray(data)
    refused = []

    def resize():
        try:
            data.extend(b"more")
        except BufferError:
            refused.append(True)

    workers = [threading.Thread(target=resize) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(refused) == WORKERS
    assert x.tolist() == list(range(32))
    del x
    data.extend(b"more")
    assert len(data) == 36


@pytest.mark.parametrize("source_kind", ["numpy", "torch"])
def test_views_dropped_on_many_threads_release_the_source_once(source_kind):
    source = make_source(source_kind, 7)
    base = ndb.asarray(source)
    views = [base[k % 8] for k in range(WORKERS * 16)]
    del base
    barrier = threading.Barrier(WORKERS)

    def drop(chunk):
        barrier.wait()
        for v in chunk:
            assert v.shape == (8,)
        chunk.clear()

    chunks = [views[k::WORKERS] for k in range(WORKERS)]
    del views
    workers = [threading.Thread(target=drop, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if source_kind == "torch":
        # Every DLPack export torch made for the views has been deleted: only our reference remains.
        assert source._use_count() == 1
    assert np.array_equal(np.asarray(ndb.asarray(source)), expected_values(source_kind, 7))
