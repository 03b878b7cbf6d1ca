"""ndb.dtype from every spelling (names, typestrs, character codes, NumPy dtypes and scalar types, ml_dtypes,
torch dtypes, Python types), its properties against NumPy's, equality, hashing, pickling and promotion."""
import copy
import itertools
import pickle

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb
from conftest import COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, ML_DTYPES, dtype_id

# Spellings NumPy reads the same way: ndb.dtype(s) must equal np.dtype(s) in every property NumPy has.
NUMPY_SPELLINGS = [
    # names
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64",
    "longdouble", "clongdouble", "complex64", "complex128", "datetime64", "datetime64[ns]", "datetime64[D]",
    "datetime64[Y]", "timedelta64", "timedelta64[s]", "timedelta64[us]", "S5", "U3", "S1", "U1",
    # NumPy aliases
    "bool_", "half", "single", "double", "float", "int", "complex", "intp", "uintp", "byte", "ubyte", "short",
    "ushort", "intc", "uintc", "long", "ulong", "longlong", "ulonglong", "csingle", "cdouble", "int_", "uint",
    "float128", "complex256",
    # typestrs, with and without byte order
    "<f4", ">f4", "=f4", "|b1", "<i8", ">i8", "<u2", ">u2", "|i1", "|u1", "<c8", ">c16", "<f2", ">f2", "<M8[ns]",
    ">M8[D]", "<m8[s]", "<U5", ">U5", "|S5", "S10", "f4", "f8", "i2", "u4", "c16", "b1", "M8", "m8", "M8[ms]", "<f16",
    # character codes
    "d", "f", "?", "l", "L", "e", "F", "D", "g", "G", "b", "B", "h", "H", "i", "I", "q", "Q", "p", "P", "M", "m", "c",
]


@pytest.mark.parametrize("spec", NUMPY_SPELLINGS)
def test_string_spelling_means_what_numpy_means(spec):
    d, n = ndb.dtype(spec), np.dtype(spec)
    assert d.str == n.str
    assert d.itemsize == n.itemsize
    assert d.kind == n.kind
    assert d.byteorder == n.byteorder
    assert d.isnative == n.isnative
    assert d.alignment == n.alignment
    assert d == n and d == ndb.dtype(n)


@pytest.mark.parametrize("spec", ["bool", "int8", "uint64", "float16", "float32", "float64", "complex64", "complex128",
                                  "datetime64[ns]", "timedelta64[s]", "datetime64"])
def test_name_equals_numpys_name(spec):
    assert ndb.dtype(spec).name == np.dtype(spec).name


@pytest.mark.parametrize("spec,name", [("longdouble", "longdouble"), ("g", "longdouble"), ("clongdouble", "clongdouble"),
                                       ("S5", "S5"), ("<U3", "U3"), (">i4", "int32"), ("|S1", "S1")])
def test_names_that_differ_from_numpy_are_the_spelling_users_write(spec, name):
    # Deliberate (docs/decisions.md): NumPy names these float128/complex256/bytes40/str96.
    assert ndb.dtype(spec).name == name


ALL_NUMPY_DTYPES = [np.bool_] + INT_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES + [
    np.dtype("M8[ns]"), np.dtype("m8[D]"), np.dtype("S7"), np.dtype("U2"), np.dtype(">f8"), np.dtype(">c8"),
    np.dtype(">U4"), np.dtype(">m8[ms]")]


@pytest.mark.parametrize("t", ALL_NUMPY_DTYPES, ids=lambda t: np.dtype(t).str)
def test_numpy_dtypes_and_scalar_types_convert_exactly(t):
    n = np.dtype(t)
    for spec in (n, t):
        d = ndb.dtype(spec)
        assert d.str == n.str and d.itemsize == n.itemsize and d.kind == n.kind and d.byteorder == n.byteorder
        assert d == n


@pytest.mark.parametrize("t", [np.int64, np.float32, np.uint8, np.complex128, np.longdouble, np.bool_, np.float16,
                               np.datetime64, np.timedelta64, np.intc, np.uintp, np.longlong])
def test_numpy_scalar_types_give_their_dtype(t):
    assert ndb.dtype(t) == ndb.dtype(np.dtype(t))
    assert ndb.dtype(t).str == np.dtype(t).str


def test_numpy_scalar_instances_give_their_dtype():
    assert ndb.dtype(np.float32(1)) == ndb.float32
    assert ndb.dtype(np.array([1], dtype=">i2")) == ndb.dtype(">i2")


@pytest.mark.parametrize("t", ML_DTYPES, ids=dtype_id)
def test_ml_dtypes_convert_by_name(t):
    n = np.dtype(t)
    for spec in (t, n, n.name):
        d = ndb.dtype(spec)
        assert d.name == n.name
        assert d.itemsize == n.itemsize
        assert d.kind == "V"  # ml_dtypes says 'V' (or 'f' for float8_e5m2); ndbridge always says 'V'
        assert d.str == n.name  # NumPy has no typestr for them ('<V2' loses the type): the name stands in
    assert ndb.dtype(t) == n


def test_ml_dtypes_byte_order_follows_the_itemsize():
    assert ndb.bfloat16.byteorder == "=" and ndb.bfloat16.isnative
    assert ndb.float8_e4m3fn.byteorder == "|" and ndb.float8_e5m2.byteorder == "|"


TORCH_EQUIVALENTS = [
    (torch.float32, "float32"), (torch.float64, "float64"), (torch.float16, "float16"), (torch.bfloat16, "bfloat16"),
    (torch.int8, "int8"), (torch.int16, "int16"), (torch.int32, "int32"), (torch.int64, "int64"),
    (torch.uint8, "uint8"), (torch.uint16, "uint16"), (torch.uint32, "uint32"), (torch.uint64, "uint64"),
    (torch.bool, "bool"), (torch.complex64, "complex64"), (torch.complex128, "complex128"),
    (torch.float8_e4m3fn, "float8_e4m3fn"), (torch.float8_e5m2, "float8_e5m2"),
    (torch.float, "float32"), (torch.double, "float64"), (torch.half, "float16"), (torch.int, "int32"),
    (torch.long, "int64"), (torch.short, "int16"), (torch.cfloat, "complex64"), (torch.cdouble, "complex128"),
]


@pytest.mark.parametrize("t,name", TORCH_EQUIVALENTS, ids=[str(t) for t, _ in TORCH_EQUIVALENTS])
def test_torch_dtypes_with_an_equivalent_convert(t, name):
    d = ndb.dtype(t)
    assert d.name == name and d == name
    assert d.itemsize == t.itemsize
    assert d == t


def test_torch_element_sizes_agree_with_torch():
    for t, name in TORCH_EQUIVALENTS:
        assert ndb.dtype(name).itemsize == torch.empty(0, dtype=t).element_size()


@pytest.mark.parametrize("t", [torch.complex32, torch.quint8, torch.qint8, torch.qint32, torch.quint4x2,
                               torch.float8_e4m3fnuz, torch.float8_e5m2fnuz, torch.bits8, torch.bits16],
                         ids=str)
def test_torch_dtypes_without_an_equivalent_are_a_type_error(t):
    with pytest.raises(TypeError, match=str(t).split(".")[-1]):
        ndb.dtype(t)


def test_torch_strings_use_torchs_meaning():
    # A string is read as NumPy reads it; "torch.<name>" is read as torch means it (docs/decisions.md).
    assert ndb.dtype("torch.int") == ndb.int32 and ndb.dtype("int") == ndb.int64
    assert ndb.dtype("torch.float") == ndb.float32 and ndb.dtype("float") == ndb.float64


@pytest.mark.parametrize("t,name", [(bool, "bool"), (int, "int64"), (float, "float64"), (complex, "complex128")])
def test_python_types_give_numpys_defaults(t, name):
    assert ndb.dtype(t).name == name
    assert ndb.dtype(t) == np.dtype(t)


@pytest.mark.parametrize("spec", ["float33", "", "f3", "i3", "c4", "b2", "M8[xx]", "M4", "datetime64[2s]", "S0", "U0",
                                  "foo", " float32", "float32 ", "O", "object", "V8", "T{i:x:}", "float32[ns]", ">",
                                  "<M8[ns", "M8[ns]x", "S-1", "torch.float33"])
def test_garbage_strings_are_a_type_error_naming_the_spelling(spec):
    with pytest.raises(TypeError) as info:
        ndb.dtype(spec)
    assert repr(spec.removeprefix("torch."))[1:-1] in str(info.value) or spec == ""


@pytest.mark.parametrize("spec", [3.5, object(), None, 3, [1], (1,), {"a": 1}, b"f4", str, bytes, np.void, np.object_],
                         ids=repr)
def test_objects_that_are_no_dtype_are_a_type_error(spec):
    with pytest.raises(TypeError):
        ndb.dtype(spec)


def test_numpy_dtypes_without_an_equivalent_are_a_type_error():
    for n in [np.dtype("O"), np.dtype([("a", "i4")]), np.dtype("V8"), np.dtype("M8[10s]"), np.dtype(ml_dtypes.int4)]:
        with pytest.raises(TypeError):
            ndb.dtype(n)


# ---------------------------------------------------------------------------------------------- properties

@pytest.mark.parametrize("name", ["bool", "int8", "int64", "uint32", "float16", "float32", "float64", "longdouble",
                                  "complex64", "complex128", "clongdouble", "datetime64[ns]", "timedelta64[D]", "S5",
                                  "U3"])
@pytest.mark.parametrize("order", ["<", ">"])
def test_properties_equal_numpys_in_both_byte_orders(name, order):
    # Through .str: NumPy's newbyteorder('<') on a little-endian machine reports byteorder '<', not '='.
    n = np.dtype(np.dtype(name).newbyteorder(order).str)
    d = ndb.dtype(n)
    assert (d.str, d.itemsize, d.kind, d.byteorder, d.isnative, d.alignment) == (
        n.str, n.itemsize, n.kind, n.byteorder, n.isnative, n.alignment)
    assert d.newbyteorder() == ndb.dtype(n.newbyteorder())


def test_time_unit_and_string_length_properties():
    assert ndb.dtype("datetime64[ns]").unit == "ns" and ndb.dtype("datetime64").unit == ""
    assert ndb.dtype("float32").unit == ""
    assert ndb.dtype("U7").length == 7 and ndb.dtype("S3").length == 3 and ndb.int8.length == 0


@pytest.mark.parametrize("spec,fmt", [("float32", "f"), ("float64", "d"), ("int8", "b"), ("uint8", "B"), ("bool", "?"),
                                      ("complex64", "Zf"), ("complex128", "Zd"), ("float16", "e"), ("S5", "5s"),
                                      ("U3", "3w"), (">i4", ">i"), (">f8", ">d")])
def test_pep3118_format_reads_back_through_memoryview(spec, fmt):
    assert ndb.dtype(spec).pep3118 == fmt
    n = np.zeros(2, dtype=ndb.dtype(spec).str)
    assert ndb.asarray(memoryview(n)).dtype == ndb.dtype(spec)


# ---------------------------------------------------------------------------------------------- equality, hash, pickle

def test_equality_with_every_spelling():
    assert ndb.float32 == "float32" == ndb.float32
    assert ndb.float32 == "<f4" and ndb.float32 == "f" and ndb.float32 == np.float32
    assert ndb.float32 == np.dtype("float32") and ndb.float32 == torch.float32
    assert ndb.float32 != "float64" and ndb.float32 != ">f4" and ndb.float32 != np.float64
    assert not (ndb.float32 != "float32")


@pytest.mark.parametrize("other", ["garbage", None, 3, object(), [1], "", torch.complex32])
def test_equality_with_non_dtypes_is_false_not_an_error(other):
    assert not (ndb.float32 == other)
    assert ndb.float32 != other


def test_one_byte_types_ignore_byte_order():
    # docs/decisions.md: one-byte types are always native, so '>i1' equals 'i1'.
    assert ndb.dtype(">i1") == ndb.int8 and ndb.dtype("<b1") == ndb.bool_ and ndb.dtype(">S3") == ndb.dtype("S3")
    assert ndb.int8.newbyteorder() == ndb.int8


def test_non_native_is_a_different_dtype():
    assert ndb.dtype(">i4") != ndb.int32
    assert ndb.dtype(">i4").newbyteorder() == ndb.int32


# Spellings, not ndb.dtype objects: pytest keeps parameters alive until after interpreter shutdown begins,
# and with torch imported nanobind then reports the still-alive instances as leaks.
ALL_NDB = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "bfloat16",
           "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble", "float8_e4m3fn",
           "float8_e5m2", "datetime64", "timedelta64", "datetime64[ns]", "timedelta64[s]", "S5", "U3", ">f8", ">c16",
           ">U2", ">M8[us]"]


@pytest.mark.parametrize("spec", ALL_NDB)
def test_pickle_and_copy_round_trip(spec):
    d = ndb.dtype(spec)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(d, protocol=protocol))
        assert back == d and type(back) is ndb.dtype and hash(back) == hash(d)
    assert copy.copy(d) == d and copy.deepcopy(d) == d


@pytest.mark.parametrize("spec", ALL_NDB)
def test_repr_round_trips_through_the_constructor(spec):
    d = ndb.dtype(spec)
    r = repr(d)
    assert r.startswith("dtype('") and r.endswith("')")
    assert ndb.dtype(r[len("dtype('"):-2]) == d


def test_repr_and_str():
    assert repr(ndb.float32) == "dtype('float32')" and str(ndb.float32) == "float32"
    assert repr(ndb.dtype(">i4")) == "dtype('>i4')" and str(ndb.dtype(">i4")) == ">i4"
    assert repr(ndb.dtype("datetime64[ns]")) == "dtype('datetime64[ns]')"
    assert repr(ndb.bytes_(5)) == "dtype('S5')" and repr(ndb.str_(3)) == "dtype('U3')"


def test_equal_dtypes_hash_equal_and_work_as_dict_keys():
    dtypes = [ndb.dtype(s) for s in ALL_NDB]
    table = {d: i for i, d in enumerate(dtypes)}
    assert len(table) == len(dtypes)  # all distinct
    for i, d in enumerate(dtypes):
        assert table[ndb.dtype(d.str if d.kind != "V" else d.name)] == i
    assert hash(ndb.dtype("f4")) == hash(ndb.dtype("float32")) == hash(ndb.dtype(np.float32))
    assert len({ndb.dtype(s) for s in ("int64", "i8", "<i8", "l", "q", "long", "int", "intp")}) == 1


def test_module_level_dtypes():
    assert ndb.bool_.name == "bool" and ndb.longdouble.name == "longdouble"
    assert ndb.bytes_(4) == "S4" and ndb.str_(2) == "U2"
    assert ndb.datetime64 == "M8" and ndb.timedelta64 == "m8"


# ---------------------------------------------------------------------------------------------- promotion

NUMERIC = [np.bool_] + INT_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(NUMERIC, 2)),
                         ids=[f"{np.dtype(a).name}-{np.dtype(b).name}"
                              for a, b in itertools.combinations_with_replacement(NUMERIC, 2)])
def test_promote_types_equals_numpy_on_numeric_pairs(a, b):
    expected = np.promote_types(a, b)
    assert ndb.promote_types(a, b) == expected
    assert ndb.promote_types(b, a) == expected
    assert ndb.promote_types(ndb.dtype(a), np.dtype(b).name) == expected


@pytest.mark.parametrize("a,b,expected", [
    ("bfloat16", "float16", "float32"), ("float8_e4m3fn", "float8_e5m2", "float16"), ("bfloat16", "float32", "float32"),
    ("bfloat16", "int8", "float32"), ("float8_e5m2", "float16", "float16"), ("float8_e4m3fn", "bool", "float8_e4m3fn"),
    ("bfloat16", "complex64", "complex64"), ("bfloat16", "int64", "float64"), ("float8_e4m3fn", "uint8", "float16"),
])
def test_promote_types_extends_to_ml_dtypes_by_exact_containment(a, b, expected):
    # docs/decisions.md: the smallest float holding both exactly (NumPy raises for most of these pairs).
    assert ndb.promote_types(a, b) == expected
    assert ndb.promote_types(b, a) == expected


@pytest.mark.parametrize("a,b,expected", [("M8[s]", "M8[ns]", "M8[ns]"), ("m8[D]", "m8[h]", "m8[h]"), ("S3", "S5", "S5"),
                                          ("S7", "U2", "U7"), ("U3", "U1", "U3")])
def test_promote_types_of_times_and_strings_matches_numpy(a, b, expected):
    assert ndb.promote_types(a, b) == expected == np.promote_types(a, b)


@pytest.mark.parametrize("a,b", [("M8[s]", "m8[s]"), ("M8[s]", "int64"), ("float32", "S3"), ("U3", "bool")])
def test_promote_types_without_a_common_type_is_a_type_error(a, b):
    with pytest.raises(TypeError, match="no common dtype"):
        ndb.promote_types(a, b)
