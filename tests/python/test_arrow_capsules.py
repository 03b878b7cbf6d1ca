"""Arrow capsules from a producer these tests control (ctypes): release callbacks counted on every path,
hostile schemas and arrays refused with typed errors before anything is read; and polars read through
__arrow_c_stream__ in a process where pyarrow is never imported."""

import ctypes
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ndbridge as ndb


class ArrowSchema(ctypes.Structure):
    pass


class ArrowArray(ctypes.Structure):
    pass


SCHEMA_RELEASE = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))
ARRAY_RELEASE = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArray))
ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", SCHEMA_RELEASE),
    ("private_data", ctypes.c_void_p),
]
ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowArray))),
    ("dictionary", ctypes.POINTER(ArrowArray)),
    ("release", ARRAY_RELEASE),
    ("private_data", ctypes.c_void_p),
]

# A prototype of our own: ctypes.pythonapi.PyCapsule_New is one object shared with other test modules,
# which set its argtypes to theirs.
capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)(
    ("PyCapsule_New", ctypes.pythonapi)
)


class Producer:
    """One float64 array (or whatever the fields say) behind __arrow_c_array__, counting releases."""

    def __init__(self, values, fmt=b"g", validity=None, **fields):
        self.values = np.ascontiguousarray(values)
        self.validity = validity
        self.releases = {"schema": 0, "array": 0}
        self.buffer_table = (ctypes.c_void_p * 2)(
            None if validity is None else validity.ctypes.data, self.values.ctypes.data
        )

        def release_schema(p):
            self.releases["schema"] += 1
            p.contents.release = SCHEMA_RELEASE()

        def release_array(p):
            self.releases["array"] += 1
            p.contents.release = ARRAY_RELEASE()

        self.callbacks = (SCHEMA_RELEASE(release_schema), ARRAY_RELEASE(release_array))
        self.schema = ArrowSchema(format=fmt, name=b"col", release=self.callbacks[0])
        self.array = ArrowArray(length=len(self.values), null_count=0, n_buffers=2, buffers=self.buffer_table)
        self.array.release = self.callbacks[1]
        for key, value in fields.items():
            setattr(self.array, key, value)

    def __arrow_c_array__(self, requested_schema=None):
        return (
            capsule_new(ctypes.addressof(self.schema), b"arrow_schema", None),
            capsule_new(ctypes.addressof(self.array), b"arrow_array", None),
        )


def test_a_valid_capsule_is_viewed_and_released_once_with_the_view():
    p = Producer(np.arange(4.0))
    out = ndb.asarray(p)
    assert out.data_ptr == p.values.ctypes.data
    assert p.releases == {"schema": 0, "array": 0}  # moved, held by the view
    assert p.array.release is None or not p.array.release  # the producer's own struct is left released
    np.testing.assert_array_equal(np.asarray(out), np.arange(4.0))
    del out
    assert p.releases == {"schema": 1, "array": 1}


def test_a_copy_releases_everything_before_returning():
    p = Producer(np.arange(4.0))
    out = ndb.asarray(p, dtype="float32")
    assert p.releases == {"schema": 1, "array": 1}
    np.testing.assert_array_equal(np.asarray(out), np.arange(4.0, dtype=np.float32))


def test_nulls_from_a_validity_bitmap():
    p = Producer(np.arange(4.0), validity=np.array([0b1011], dtype=np.uint8), null_count=1)
    np.testing.assert_array_equal(np.asarray(ndb.asarray(p)), [0.0, 1.0, np.nan, 3.0])
    assert p.releases == {"schema": 1, "array": 1}


HOSTILE = [
    ("negative length", {"length": -1}, ValueError, "length -1"),
    ("negative offset", {"offset": -2}, ValueError, "offset -2"),
    ("offset past int64", {"offset": 2**63 - 2}, OverflowError, "overflow"),
    ("null_count above length", {"null_count": 10}, ValueError, "null_count 10"),
    ("nulls without a bitmap", {"null_count": 1}, ValueError, "validity bitmap is null"),
    ("one buffer", {"n_buffers": 1}, ValueError, "n_buffers is 1"),
    ("null buffer table", {"buffers": ctypes.POINTER(ctypes.c_void_p)()}, ValueError, "buffers is null"),
    ("children on a primitive", {"n_children": 2}, ValueError, "n_children"),
]


@pytest.mark.parametrize("what, fields, error, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_arrays_are_refused_and_released_once(what, fields, error, message):
    p = Producer(np.arange(4.0), **fields)
    with pytest.raises(error, match=message):
        ndb.asarray(p)
    assert p.releases == {"schema": 1, "array": 1}


@pytest.mark.parametrize("fmt", [b"", b"q", b"tsx:", b"w:0", b"d:1", b"+w:", b"+s"])
def test_hostile_formats_are_refused_and_released_once(fmt):
    p = Producer(np.arange(4.0), fmt=fmt)
    with pytest.raises(ValueError, match="Arrow"):
        ndb.asarray(p)
    assert p.releases == {"schema": 1, "array": 1}


def test_a_null_data_buffer_is_refused():
    p = Producer(np.arange(4.0))
    p.buffer_table[1] = None
    with pytest.raises(ValueError, match="buffer 1 is null"):
        ndb.asarray(p)
    assert p.releases == {"schema": 1, "array": 1}


def test_an_already_released_array_is_refused():
    p = Producer(np.arange(4.0))
    p.array.release = ARRAY_RELEASE()
    with pytest.raises(ValueError, match="released"):
        ndb.asarray(p)
    assert p.releases["schema"] == 1


def test_capsules_of_the_wrong_name_are_type_errors():
    class Wrong:
        def __arrow_c_array__(self, requested_schema=None):
            return (capsule_new(1, b"arrow_array", None), capsule_new(1, b"arrow_schema", None))

    with pytest.raises(TypeError, match="arrow_schema"):
        ndb.asarray(Wrong())

    class NotAPair:
        def __arrow_c_array__(self, requested_schema=None):
            return 5

    with pytest.raises(TypeError, match="pair"):
        ndb.asarray(NotAPair())


def test_a_method_set_on_the_instance_is_honoured_and_errors_inside_a_method_propagate():
    pa = pytest.importorskip("pyarrow")
    source = pa.array([1.5, 2.5, 4.0])

    class Holder:
        pass

    holder = Holder()  # the type has no Arrow method: only this instance has one
    holder.__arrow_c_array__ = source.__arrow_c_array__
    assert np.asarray(ndb.asarray(holder)).tolist() == [1.5, 2.5, 4.0]
    assert np.asarray(ndb.from_dataframe(holder, dtype="float32")).tolist() == [1.5, 2.5, 4.0]

    class Failing:
        def __arrow_c_array__(self, requested_schema=None):
            raise AttributeError("the producer's own failure")

        def __arrow_c_stream__(self, requested_schema=None):
            raise AssertionError("the stream must not be asked when the array method exists")

    with pytest.raises(AttributeError, match="the producer's own failure"):
        ndb.asarray(Failing())


def test_polars_is_read_without_pyarrow_being_imported():
    pytest.importorskip("polars")
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import polars as pl
        import ndbridge as ndb
        df = pl.DataFrame({"a": [1.0, None, 3.0], "b": [1, 2, 3], "t": [True, False, True]})
        out = np.asarray(ndb.asarray(df, dtype="float64"))
        assert out.shape == (3, 3), out.shape
        assert np.isnan(out[1, 0]) and out[2, 1] == 3 and out[1, 2] == 0
        s = np.asarray(ndb.asarray(pl.Series([1.5, 2.5])))
        assert s.tolist() == [1.5, 2.5]
        assert "pyarrow" not in sys.modules, "pyarrow was imported"
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


class DictionaryProducer(Producer):
    """int8 indices into a dictionary of `size` float64 values, both from ctypes, releases counted."""

    def __init__(self, indices, size, validity=None, null_count=0):
        super().__init__(np.asarray(indices, dtype=np.int8), fmt=b"c", validity=validity, null_count=null_count)
        self.dictionary_values = np.arange(float(size))
        self.dictionary_buffers = (ctypes.c_void_p * 2)(None, self.dictionary_values.ctypes.data)

        def release_dictionary_schema(p):
            self.releases["dictionary schema"] += 1
            p.contents.release = SCHEMA_RELEASE()

        def release_dictionary_array(p):
            self.releases["dictionary array"] += 1
            p.contents.release = ARRAY_RELEASE()

        self.releases.update({"dictionary schema": 0, "dictionary array": 0})
        self.dictionary_callbacks = (SCHEMA_RELEASE(release_dictionary_schema), ARRAY_RELEASE(release_dictionary_array))
        self.dictionary_schema = ArrowSchema(format=b"g", name=b"", release=self.dictionary_callbacks[0])
        self.dictionary_array = ArrowArray(length=size, null_count=0, n_buffers=2, buffers=self.dictionary_buffers)
        self.dictionary_array.release = self.dictionary_callbacks[1]
        # The producer's release of the parent releases its dictionary, as the specification asks.
        parent_schema_release, parent_array_release = self.callbacks

        def release_schema(p):
            parent_schema_release(p)
            self.dictionary_schema.release(ctypes.pointer(self.dictionary_schema))

        def release_array(p):
            parent_array_release(p)
            self.dictionary_array.release(ctypes.pointer(self.dictionary_array))

        self.callbacks = (SCHEMA_RELEASE(release_schema), ARRAY_RELEASE(release_array))
        self.schema.release, self.array.release = self.callbacks
        self.schema.dictionary = ctypes.pointer(self.dictionary_schema)
        self.array.dictionary = ctypes.pointer(self.dictionary_array)


def test_dictionary_indices_in_range_read_as_codes():
    p = DictionaryProducer([0, 2, 1, 2], size=3)
    np.testing.assert_array_equal(np.asarray(ndb.asarray(p)), [0, 2, 1, 2])
    assert p.releases == {"schema": 1, "array": 1, "dictionary schema": 1, "dictionary array": 1}


@pytest.mark.parametrize("bad", [3, 100, -1, -128])
def test_a_dictionary_index_outside_the_dictionary_is_refused_naming_it(bad):
    p = DictionaryProducer([0, 1, bad, 2], size=3)
    with pytest.raises(ValueError, match=rf"column 'col': dictionary index {bad} at element 2 is outside the "
                                         r"dictionary's 3 values \(indices 0\.\.2\)"):
        ndb.asarray(p)
    assert p.releases == {"schema": 1, "array": 1, "dictionary schema": 1, "dictionary array": 1}
    p = DictionaryProducer([0, 1, bad, 2], size=3)
    with pytest.raises(ValueError, match=f"dictionary index {bad}"):
        ndb.from_dataframe(p, nulls="mask")


def test_a_missing_entry_may_hold_any_index_and_an_empty_dictionary_takes_only_missing_entries():
    # Element 1 is missing (bit 1 clear): its stored index is never a value, so it is not checked.
    p = DictionaryProducer([0, 99, 1], size=2, validity=np.array([0b101], dtype=np.uint8), null_count=1)
    values, mask = ndb.from_dataframe(p, nulls="mask")
    np.testing.assert_array_equal(np.asarray(mask), [False, True, False])
    assert np.asarray(values)[[0, 2]].tolist() == [0, 1]
    p = DictionaryProducer([5, 5], size=0, validity=np.array([0b00], dtype=np.uint8), null_count=2)
    _, mask = ndb.from_dataframe(p, nulls="mask")
    assert np.asarray(mask).tolist() == [True, True]
    p = DictionaryProducer([0], size=0)
    with pytest.raises(ValueError, match="dictionary index 0 at element 0 is outside the dictionary's 0 values"):
        ndb.asarray(p)
