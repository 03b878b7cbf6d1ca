"""The example extension (examples/cpp_extension), built against the installed ndbridge: ArrayLike
parameters take lists, NumPy arrays, torch tensors and Fortran-ordered views with ndb.asarray's
share-or-copy rules and messages; returned arrays arrive as ndb.Array, NumPy or torch, zero-copy."""
import numpy as np
import pytest

import ndbridge as ndb
import ndbridge_example as ex

torch = pytest.importorskip("torch")


def test_list_numpy_torch_and_fortran_view_give_the_same_row_sums():
    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    expected = [6.0, 15.0]
    fortran = np.asfortranarray(np.array(rows, dtype=np.float32))
    for source in (rows, np.array(rows, dtype=np.float32), torch.tensor(rows), fortran, np.array(rows)):
        result = ex.row_sums(source)
        assert isinstance(result, ndb.Array)
        assert result.tolist() == expected


def test_numpy_array_and_torch_tensor_of_the_right_dtype_are_shared():
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    t = torch.arange(12, dtype=torch.float32).reshape(4, 3)
    assert ex.data_address(a) == a.ctypes.data
    assert ex.data_address(t) == t.data_ptr()
    assert ex.data_address(ndb.asarray(a)) == a.ctypes.data
    assert ex.data_address(a.astype(np.float64)) != a.ctypes.data  # a cast is a copy


def test_fortran_ordered_view_is_read_through_its_strides_or_copied_for_c_contig():
    base = np.arange(20.0).reshape(4, 5)
    fortran_view = base.T[::2]  # neither C- nor F-contiguous, shared by the strided parameter
    assert ex.total(fortran_view) == fortran_view.sum()
    f32 = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert ex.data_address(f32) == f32.ctypes.data or not f32.flags.c_contiguous
    assert ex.row_sums(f32).tolist() == [3.0, 12.0]  # c_contig: copied to C order, values kept


def test_no_copy_writes_through_to_the_callers_memory():
    x = np.ones(5, dtype=np.float32)
    ex.scale_in_place(x, 3.0)
    assert x.tolist() == [3.0] * 5
    t = torch.ones(5)
    ex.scale_in_place(t, 2.0)
    assert t.tolist() == [2.0] * 5
    reversed_view = np.ones(4, dtype=np.float32)[::-1]  # negative strides: still shared
    ex.scale_in_place(reversed_view, 4.0)
    assert reversed_view.tolist() == [4.0] * 4


@pytest.mark.parametrize("source, words", [
    ([1.0, 2.0], "sequences can never be shared"),
    (np.ones(3), "dtype float32 was requested and the data is float64"),
])
def test_no_copy_refusals_carry_asarrays_own_messages(source, words):
    with pytest.raises(ndb.CopyError, match=words):
        ex.scale_in_place(source, 2.0)
    with pytest.raises(ndb.CopyError, match=words):
        ndb.asarray(source, dtype=ndb.float32, copy=False)


def test_read_only_input_to_a_writable_no_copy_parameter_is_a_copy_error():
    r = np.ones(3, dtype=np.float32)
    r.flags.writeable = False
    with pytest.raises(ndb.CopyError, match="read-only"):
        ex.scale_in_place(r, 2.0)
    assert ex.data_address(r) == r.ctypes.data  # a const parameter shares it


def test_shape_and_ragged_errors_name_the_values():
    with pytest.raises(ValueError, match=r"shape<-1, 3>.*has shape \(2, 2\)"):
        ex.row_sums([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="inhomogeneous"):
        ex.row_sums([[1, 2, 3], [4]])
    with pytest.raises(TypeError):
        ex.row_sums(object())


def test_returned_arrays_arrive_zero_copy_as_ndb_numpy_or_torch():
    g = ex.grid(2, 3)
    assert isinstance(g, ndb.Array) and g.tolist() == [[0, 1, 2], [3, 4, 5]]
    n = ex.grid_numpy(2, 3)
    assert isinstance(n, np.ndarray) and n.dtype == np.float32 and n[1, 2] == 5
    n[0, 0] = 7  # writable: the array owns the adopted vector
    t = ex.grid_torch(3, 2)
    assert isinstance(t, torch.Tensor) and t.shape == (3, 2) and t[2, 1].item() == 5


def test_a_cpp_type_publishing_the_exchange_api_is_read_by_ndbridge_without_a_copy():
    s = ex.make_signal([1.0, 2.0, 4.0])
    a = ndb.asarray(s)
    assert a.tolist() == [1.0, 2.0, 4.0]
    assert a.data_ptr == s.samples.data_ptr  # both view the Signal's one array
    assert ex.total(ndb.asarray(s).reshape(1, 3)) == 7.0


def test_the_example_of_docs_cpp_md_runs():
    points = np.array([[1, 2, 2], [0, 3, 4]], dtype=np.float32)
    norms = ex.scale_rows(points, [1.0, 2.0])
    assert norms.tolist() == [9.0, 100.0]
    assert points.tolist() == [[1, 2, 2], [0, 6, 8]]  # scaled in place: shared
    assert ex.scale_rows([[1, 2, 2]], [2.0]).tolist() == [36.0]


def test_the_parameters_array_shares_and_keeps_the_source_alive():
    a = np.arange(4, dtype=np.float32)
    address = a.ctypes.data
    b = ex.same_array(a)
    del a
    assert isinstance(b, ndb.Array) and b.data_ptr == address and b.tolist() == [0, 1, 2, 3]
    t = torch.arange(3, dtype=torch.float32)
    assert ex.same_array(t).data_ptr == t.data_ptr()


def test_the_exchange_api_both_ways_from_cpp():
    s = ex.signal_through_exchange_api([1.0, 2.0])
    assert type(s).__name__ == "Signal" and s.samples.tolist() == [1.0, 2.0]
    x = np.array([3.0, 4.0])
    s2 = ex.signal_through_exchange_api(x)
    assert s2.samples.data_ptr == x.ctypes.data  # zero-copy all the way
    assert ndb.asarray(s2).data_ptr == x.ctypes.data


def test_a_plain_array_parameter_takes_what_asarray_takes():
    assert ex.describe_array([[1, 2], [3, 4]]) == "int64 (2, 2)"
    assert ex.describe_array(np.zeros((3,), dtype=np.float16)) == "float16 (3,)"
    assert ex.describe_array(torch.ones(2, 5, dtype=torch.bfloat16)) == "bfloat16 (2, 5)"
    with pytest.raises(ValueError, match="inhomogeneous"):
        ex.describe_array([[1], [2, 3]])
