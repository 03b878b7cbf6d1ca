"""Faults injected at every step of the DLPack and buffer paths: producers that raise, capsules with
wrong names, tensors the import must refuse, impossible allocations, consumers that raise after the
import, capsules dropped unconsumed and deleters run on other threads. Whatever happens, every
producer's deleter runs exactly once and every source is released (counted by a ctypes-built producer,
weakrefs and sys.getrefcount). `make test-faults` runs the randomized round trips 1e5 times
(NDBRIDGE_FAULT_ROUNDS); the normal suite runs 1e4."""
import gc
import os
import random
import subprocess
import sys
import textwrap
import threading
import weakref

import numpy as np
import pytest
import torch

import ndbridge as ndb
from dlpack_ctypes import Ledger, Producer, make_capsule

ROUNDS = int(os.environ.get("NDBRIDGE_FAULT_ROUNDS", "10000"))
# AddressSanitizer's operator new aborts the process instead of throwing std::bad_alloc, so the
# impossible allocation is only asked for without it.
SANITIZED = os.environ.get("NDBRIDGE_EXPECT_SANITIZER") == "1"
EXPECTED_ERRORS = (TypeError, ValueError, BufferError, OverflowError, MemoryError, RuntimeError)


def source_array(rng):
    """A small array of a dtype the ctypes producer can describe, in a random layout."""
    dtype = rng.choice([np.float64, np.float32, np.int64, np.int32, np.uint8, np.int8, np.complex128, np.bool_])
    a = (np.arange(24) % 7).astype(dtype).reshape(rng.choice([(24,), (4, 6), (2, 3, 4)]))
    if rng.random() < 0.3:
        a = a[..., ::-1]
    if rng.random() < 0.3:
        a = a.T
    return a


def import_through(entry, producer):
    if entry == "asarray":
        return ndb.asarray(producer)
    if entry == "from_dlpack":
        return ndb.from_dlpack(producer)
    capsule = producer.__dlpack__(max_version=(1, 0) if producer.versioned else None)  # see dlpack_ctypes.destroy
    return ndb.from_dlpack(capsule)


@pytest.mark.parametrize("entry", ["asarray", "from_dlpack", "capsule"])
@pytest.mark.parametrize("versioned", [True, False], ids=["versioned", "legacy"])
@pytest.mark.parametrize("fault", Producer.FAULTS)
def test_each_fault_calls_the_deleter_exactly_once(fault, versioned, entry):
    ledger = Ledger()
    a = np.arange(12.0).reshape(3, 4)
    producer = Producer(ledger, a, fault, versioned)
    refused = fault in ("raise", "wrong_name", "bad_dtype", "bad_ndim", "huge") or (fault == "bad_version" and versioned)
    if fault == "raise" and entry == "capsule":
        with pytest.raises(RuntimeError, match="producer refuses"):
            import_through(entry, producer)
    elif refused:
        with pytest.raises(EXPECTED_ERRORS):
            import_through(entry, producer)
    else:
        x = import_through(entry, producer)
        assert ledger.calls == {1: 0}, "the deleter ran while the import is alive"
        if fault != "broadcast":  # "bad_version" has no version field to be wrong in the legacy form
            assert x.tolist() == a.tolist()
            assert x.readonly == (not versioned)
        else:
            assert x.shape[0] == 2**59
            if not SANITIZED:
                with pytest.raises((MemoryError, ValueError, OverflowError)):
                    x.copy()  # an impossible allocation: refused, nothing leaks
        del x
    gc.collect()
    ledger.assert_balanced()
    assert ledger.made == (0 if fault == "raise" else 1)


def test_capsule_dropped_unconsumed_is_deleted_once_by_its_destructor():
    ledger = Ledger()
    for versioned in (True, False):
        capsule = make_capsule(ledger, np.arange(5.0), versioned=versioned)
        del capsule
    gc.collect()
    ledger.assert_balanced()
    assert ledger.made == 2


def test_consumer_raising_after_import_releases_the_tensor():
    ledger = Ledger()
    a = np.arange(6.0)
    source = weakref.ref(a)

    def consume():
        x = ndb.asarray(Producer(ledger, a))
        assert x.shape == (6,)
        raise KeyError("consumer fails after the import")

    with pytest.raises(KeyError):
        consume()
    del a
    gc.collect()
    ledger.assert_balanced()
    assert source() is None, "the source outlived every view of it"


def test_deleter_runs_once_on_the_thread_that_drops_the_last_view():
    ledger = Ledger()
    views = [ndb.asarray(Producer(ledger, np.arange(8.0) * k)) for k in range(16)]
    main = threading.get_ident()
    workers = [threading.Thread(target=views.pop) for _ in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    gc.collect()
    ledger.assert_balanced()
    ran_on = {t for threads in ledger.threads.values() for t in threads}
    assert main not in ran_on, "a deleter ran on the main thread although workers dropped every view"


def test_export_capsules_dropped_unconsumed_release_the_source():
    a = np.arange(10.0)
    source = weakref.ref(a)
    x = ndb.asarray(a)
    del a
    capsules = [x.__dlpack__(), x.__dlpack__(max_version=(1, 0)), x.__dlpack__(max_version=(1, 0))]
    del x
    gc.collect()
    assert source() is not None, "the exported capsules must keep the source alive"
    torch_view = torch.from_dlpack(capsules.pop())
    del capsules
    gc.collect()
    assert source() is not None, "the torch tensor still views the source"
    assert torch_view.tolist() == list(np.arange(10.0))
    del torch_view
    gc.collect()
    assert source() is None


def test_buffer_sources_are_released_and_their_exports_unlocked():
    data = bytearray(range(16))
    before = sys.getrefcount(data)
    x = ndb.asarray(data)
    with pytest.raises(BufferError):
        data.extend(b"x")  # resizing under a live view is refused by the exporter
    y = x[2:6]
    del x
    with pytest.raises(BufferError):
        data.extend(b"x")
    assert y.tolist() == [2, 3, 4, 5]
    del y
    gc.collect()
    data.extend(b"x")
    assert sys.getrefcount(data) == before


def test_randomized_round_trips_balance_every_deleter():
    """ROUNDS round trips through every entry point, fault and hand-over, in random order."""
    rng = random.Random(20261127)
    ledger = Ledger()
    held, outcomes = [], {"ok": 0, "refused": 0}
    for _ in range(ROUNDS):
        a = source_array(rng)
        fault = rng.choice(Producer.FAULTS if rng.random() < 0.5 else ("none",))
        producer = Producer(ledger, a, fault, versioned=rng.random() < 0.7, readonly=rng.random() < 0.2)
        try:
            x = import_through(rng.choice(["asarray", "from_dlpack", "capsule"]), producer)
        except EXPECTED_ERRORS:
            outcomes["refused"] += 1
            continue
        outcomes["ok"] += 1
        if fault == "none":
            assert x.shape == a.shape and x.tolist() == a.tolist()
        step = rng.random()
        if step < 0.2:
            held.append(x)  # dropped later, maybe on another thread
        elif step < 0.4 and fault == "none":
            assert np.array_equal(np.asarray(x), a)
        elif step < 0.5 and fault == "none" and not x.readonly:
            assert torch.from_dlpack(x).shape == a.shape
        elif step < 0.6:
            capsule = x.__dlpack__(max_version=(1, 0)) if fault == "none" else None
            del capsule  # an export dropped unconsumed
        del x
        if len(held) > 64:
            dropper = threading.Thread(target=held.clear)
            dropper.start()
            dropper.join()
    held.clear()
    gc.collect()
    ledger.assert_balanced()
    assert outcomes["ok"] > ROUNDS // 4 and outcomes["refused"] > ROUNDS // 10, outcomes


_RESIZE_UNDER_VIEW = textwrap.dedent("""
    import torch, ndbridge as ndb
    t = torch.arange(1000.0)
    x = ndb.asarray(t)
    try:
        t.resize_(10**6)
    except RuntimeError as e:
        print("refused:", e)
        raise SystemExit(0)
    x[0] = 42.0  # writes freed memory
    raise SystemExit(3)
""")


def test_resizing_a_torch_tensor_under_a_live_view_is_refused():
    run = subprocess.run([sys.executable, "-c", _RESIZE_UNDER_VIEW], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "refused:" in run.stdout, (run.returncode, run.stderr[-500:])


@pytest.mark.parametrize("dtype", ["float64", "bool", "int8", "uint16", "float16", "bfloat16", "float8_e4m3fn"])
@pytest.mark.parametrize("make", [lambda t: t, lambda t: t[::2], lambda t: t.view(4, -1).T])
def test_every_shared_torch_storage_is_made_non_resizable(dtype, make):
    # bfloat16 and float8 have no NumPy dtype: they are pinned through a same-size integer view.
    # (A refused resize_ leaves PyTorch's tensor with the new sizes over the old storage, PyTorch's own
    # state; the tensors are not read after it, the alias is.)
    t = torch.arange(64).to(getattr(torch, dtype))
    v = make(t)
    x = ndb.asarray(v)
    assert x.data_ptr == v.data_ptr()
    expected = v.to(torch.float32).tolist()
    with pytest.raises(RuntimeError, match="not resizable"):
        v.resize_(10**6)
    assert np.asarray(ndb.asarray(x, dtype="float32")).tolist() == expected


def test_only_storages_read_in_place_are_pinned():
    # A copy reads the source in place too, with the GIL released, so it pins as well; empty tensors and
    # lazily conjugated ones (resolved into a fresh tensor first) leave the user's storage resizable.
    t = torch.arange(8.0)
    ndb.asarray(t, copy=True)
    assert not t.untyped_storage().resizable()
    e = torch.empty(0)
    ndb.asarray(e)
    e.resize_(100)
    z = torch.arange(4.0).to(torch.complex64)
    ndb.asarray(z.conj())  # a lazy conjugate is resolved into a copy: z's storage is not aliased
    assert z.untyped_storage().resizable()
    assert e.shape == (100,)


def test_pinning_is_remembered_per_tensor_and_follows_its_data():
    t = torch.arange(8.0)
    ndb.asarray(t)
    assert t._ndbridge_pinned_at == t.data_ptr()
    t.set_(torch.arange(16.0).untyped_storage())  # a new storage: pinned again on the next conversion
    assert t.untyped_storage().resizable()
    x = ndb.asarray(t)
    assert t._ndbridge_pinned_at == t.data_ptr() == x.data_ptr
    assert not t.untyped_storage().resizable()
