"""Malformed protocol data and tensors DLPack cannot carry give typed errors that name the field or the
tensor's kind and what to do, never an internal C++ exception (std::bad_cast, PyTorch's backtraces)."""
import numpy as np
import pytest
import torch

import ndbridge as ndb


class Interface:
    def __init__(self, **fields):
        self.__array_interface__ = {"version": 3, "shape": (2,), "typestr": "<f8", "data": bytearray(16), **fields}


@pytest.mark.parametrize("fields,error,text", [
    ({"typestr": 5}, TypeError, "'typestr' must be a str, not int"),
    ({"typestr": None}, TypeError, "'typestr' must be a str"),
    ({"data": ("0x10", False)}, TypeError, "address must be an int, not str"),
    ({"data": (1.5, False)}, TypeError, "address must be an int, not float"),
    ({"data": (-5, False)}, ValueError, "not a valid address"),
    ({"data": (2**70, False)}, ValueError, "not a valid address"),
    ({"data": (0, False, 1)}, ValueError, "tuple of 2"),
    ({"offset": "a"}, TypeError, "'offset' must be an int, not str"),
    ({"shape": [2]}, TypeError, "'shape' must be a tuple of ints, not list"),
    ({"shape": (2.0,)}, TypeError, "'shape' must be an int, not float"),
    ({"strides": (8, 8)}, ValueError, "'strides' has 2 entries for 1 dimensions"),
    ({"typestr": "<x9"}, TypeError, "unknown kind letter 'x'"),
    ({"data": 3}, TypeError, "neither an \\(address, read_only\\) tuple nor a buffer"),
], ids=["typestr_int", "typestr_none", "address_str", "address_float", "address_negative", "address_huge", "data_3_tuple",
        "offset_str", "shape_list", "shape_float", "strides_length", "typestr_unknown", "data_int"])
def test_malformed_array_interface_fields_are_named(fields, error, text):
    with pytest.raises(error, match=text) as info:
        ndb.asarray(Interface(**fields))
    assert str(info.value).startswith("asarray: ")
    assert "bad_cast" not in str(info.value)


def test_bytes_typestr_is_read_as_numpy_reads_it():
    x = ndb.asarray(Interface(typestr=b"<f8"))
    assert x.dtype == ndb.float64 and x.shape == (2,)


UNSUPPORTED = {
    "sparse_coo": (lambda: torch.eye(3).to_sparse(), "layout torch.sparse_coo", ".to_dense()"),
    "sparse_csr": (lambda: torch.eye(3).to_sparse_csr(), "layout torch.sparse_csr", ".to_dense()"),
    "quantized": (lambda: torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.quint8), "quantized tensor", ".dequantize()"),
    "meta": (lambda: torch.empty(3, device="meta"), "meta tensor", "real device"),
    "nested": (lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]), "nested tensor", "to_padded_tensor"),
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_tensors_dlpack_cannot_carry_are_a_type_error_that_says_what_to_do(name):
    make, what, remedy = UNSUPPORTED[name]
    with pytest.raises(TypeError) as info:
        ndb.asarray(make())
    message = str(info.value)
    assert what in message and remedy in message, message
    assert "Traceback" not in message and "frame #" not in message
