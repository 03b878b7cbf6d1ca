"""dtype=str / bytes / "U" / "S" / np.str_ without a length: the length comes from the text data, as in
NumPy; an array of that text type is shared as it is; numbers are refused (no number-to-text conversion)."""
import numpy as np
import pytest

import ndbridge as ndb

SPECS = [str, bytes, "U", "S", "<U0", "|S0", "str", "bytes", np.str_, np.bytes_, np.dtype(str), np.dtype(bytes)]
DATA = [["ab", "cde"], [b"ab", b"cde"], [["a"], ["bcdef"]], "hello", np.str_("hey"),
        np.array(["ab", "cde"]), np.array([b"ab", b"xyz1"]), np.array(["x", "yz"])[::-1]]


@pytest.mark.parametrize("spec", SPECS, ids=repr)
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_length_comes_from_the_data_as_in_numpy(data, spec):
    expected = np.asarray(data, dtype=spec)
    got = ndb.asarray(data, dtype=spec)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    assert np.array_equal(np.asarray(got), expected)


def test_text_arrays_of_that_type_are_shared_and_converted_ones_copied():
    a = np.array(["ab", "cde"])
    same = ndb.asarray(a, dtype=str)
    assert same.data_ptr == a.__array_interface__["data"][0]
    a[0] = "zz"
    assert same.tolist() == ["zz", "cde"]
    with pytest.raises(ndb.CopyError):
        ndb.asarray(a, dtype=bytes, copy=False)  # U3 -> S3 is a conversion
    assert ndb.asarray(a, dtype="S").tolist() == [b"zz", b"cde"]


@pytest.mark.parametrize("data", [[1, 22], np.arange(3), 2.5, np.float32(1)], ids=repr)
def test_numbers_with_an_unsized_string_dtype_are_a_type_error_naming_the_data(data):
    with pytest.raises(TypeError, match=r"dtype=str without a length .* the data is (int64|float64|float32)"):
        ndb.asarray(data, dtype=str)


def test_a_bytes_object_is_a_uint8_buffer_not_text():
    # DESIGN §3: bytes is a read-only uint8 buffer (NumPy reads b"hi" as one S2 scalar instead).
    with pytest.raises(TypeError, match="the data is uint8"):
        ndb.asarray(b"hi", dtype=str)
