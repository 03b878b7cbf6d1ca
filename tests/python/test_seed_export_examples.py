"""Seed 002 (NumPy / PyTorch / pandas interoperability): every example that goes PyTorch -> NumPy, or hands a
NumPy array on to PyTorch, rewritten with ndbridge's export side (``asarray(..., like=...)``, ``Array.numpy``,
``Array.to``). docs/interop.md shows each one next to the seed's code."""
import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb


def ptr_numpy(a):
    return a.__array_interface__["data"][0]


def ptr_torch(t):
    return t.untyped_storage().data_ptr()


# ---- PyTorch -> NumPy ----------------------------------------------------------------------------------

def test_seed_002_tensor_numpy_shares():
    """arr = t.numpy()  # SHARES memory"""
    t = torch.tensor([1.0, 2.0, 3.0])
    arr = ndb.asarray(t, like="numpy")
    also = ndb.asarray(t).numpy()
    assert ptr_numpy(arr) == ptr_numpy(also) == ptr_torch(t)
    t[0] = 99.0
    assert arr.tolist() == [99.0, 2.0, 3.0] and also[0] == 99.0
    arr[1] = -7.0
    assert t[1].item() == -7.0


def test_seed_002_flowchart_cpu_no_gradients_share():
    """On CPU, no gradients? → tensor.numpy()               [SHARE]"""
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    arr = ndb.asarray(t, like=np)
    assert isinstance(arr, np.ndarray) and ptr_numpy(arr) == ptr_torch(t) and arr.flags.writeable


def test_seed_002_flowchart_gradients_need_no_detach_and_share():
    """GPU or has gradients? → tensor.detach().cpu().numpy() [COPY]"""
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    arr = ndb.asarray(t, like="numpy")  # no .detach(): ndbridge shares the data, autograd stays with torch
    assert ptr_numpy(arr) == ptr_torch(t) and arr.tolist() == [1.0, 2.0]
    assert t.requires_grad  # the tensor itself is untouched


def test_seed_002_gradient_tensor_detach_numpy():
    """arr = t_grad.detach().numpy()"""
    t_grad = torch.tensor([1.0, 2.0], requires_grad=True)
    y = t_grad * 3  # a non-leaf with history shares the same way
    assert ptr_numpy(ndb.asarray(t_grad, like=np)) == ptr_torch(t_grad)
    assert ptr_numpy(ndb.asarray(y, like=np)) == ptr_torch(y)


def test_seed_002_universal_detach_cpu_numpy():
    """arr = t.detach().cpu().numpy()"""
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    arr = ndb.asarray(t, like="numpy", device="cpu")  # a CPU tensor stays shared; another device is copied
    assert ptr_numpy(arr) == ptr_torch(t)


def test_seed_002_summary_detach_cpu_numpy_copy_when_asked():
    """| `tensor.detach().cpu().numpy()` | Copy | GPU tensor or has grad |"""
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    arr = ndb.asarray(t, like="numpy", copy=True)
    assert ptr_numpy(arr) != ptr_torch(t) and arr.tolist() == [1.0, 2.0]
    arr[0] = 5.0
    assert t[0].item() == 1.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_seed_002_gpu_tensor_cpu_numpy():
    """arr = t_gpu.cpu().numpy()"""
    t_gpu = torch.tensor([1.0, 2.0], device="cuda")
    arr = ndb.asarray(t_gpu, like="numpy", device="cpu")
    assert arr.tolist() == [1.0, 2.0]


def test_seed_002_gpu_tensor_numpy_is_an_error_without_a_device_move():
    """# t_gpu.numpy()  # RuntimeError!"""
    # No GPU here: a __cuda_array_interface__ stands in for a device tensor (as in test_seed_examples.py).
    a = np.arange(3.0)

    class DeviceArray:
        @property
        def __cuda_array_interface__(self):
            return dict(a.__array_interface__, version=3, stream=None)

    with pytest.raises(TypeError, match="cuda:0"):
        ndb.asarray(DeviceArray(), like="numpy")  # NumPy reads host memory only, as tensor.numpy() says
    with pytest.raises(TypeError, match="cuda:0"):
        np.asarray(ndb.asarray(DeviceArray()))
    with pytest.raises(ValueError, match="cuda:0"):
        ndb.asarray(DeviceArray(), like="numpy", device="cpu")  # only the producer can move it


def test_seed_002_clone_for_independence():
    """- **Independence after sharing**: Use `.clone()` on the tensor to get an independent copy."""
    t = torch.tensor([1.0, 2.0])
    arr = ndb.asarray(t, like=np, copy=True)
    t[0] = 50.0
    assert arr[0] == 1.0


def test_seed_002_bfloat16_tensor_to_numpy():
    """| `tensor.numpy()` | Share | CPU tensor, no grad |  (bfloat16: tensor.numpy() raises, ndbridge shares)"""
    import ml_dtypes

    t = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    with pytest.raises(TypeError):
        t.numpy()
    arr = ndb.asarray(t, like=np)
    assert arr.dtype == np.dtype(ml_dtypes.bfloat16) and ptr_numpy(arr) == ptr_torch(t)


# ---- Tensor -> DataFrame -------------------------------------------------------------------------------

def test_seed_002_dataframe_from_tensor_numpy():
    """df = pd.DataFrame(tensor.numpy(), columns=columns)"""
    tensor = torch.randn(5, 3)
    columns = ["feature_a", "feature_b", "feature_c"]
    df = pd.DataFrame(ndb.asarray(tensor, like=np), columns=columns)  # pandas >= 3 copies by default
    np.testing.assert_array_equal(df.to_numpy(), tensor.numpy())
    shared = pd.DataFrame(ndb.asarray(tensor, like=np), columns=columns, copy=False)
    assert np.shares_memory(shared.to_numpy(), tensor.numpy())
    tensor[0, 0] = 123.0
    assert shared.iloc[0, 0] == 123.0


def test_seed_002_dataframe_from_gradient_tensor():
    """# df = pd.DataFrame(tensor.detach().cpu().numpy(), columns=columns)"""
    tensor = torch.randn(5, 3, requires_grad=True)
    columns = ["feature_a", "feature_b", "feature_c"]
    df = pd.DataFrame(ndb.asarray(tensor, like=np), columns=columns, copy=False)
    assert list(df.columns) == columns
    assert np.shares_memory(df.to_numpy(), tensor.detach().numpy())


def test_seed_002_summary_dataframe_from_tensor_share_or_copy():
    """| `pd.DataFrame(tensor.numpy())` | Share/Copy | Tensor → DataFrame |"""
    tensor = torch.arange(6, dtype=torch.float64).reshape(3, 2)
    copied = pd.DataFrame(ndb.asarray(tensor, like=np))
    shared = pd.DataFrame(ndb.asarray(tensor, like=np), copy=False)
    assert not np.shares_memory(copied.to_numpy(), tensor.numpy())
    assert np.shares_memory(shared.to_numpy(), tensor.numpy())


# ---- NumPy -> PyTorch and back (like='torch') ------------------------------------------------------------

def test_seed_002_from_numpy_mutations_propagate_both_ways_with_like_torch():
    """t = torch.from_numpy(arr)  # Mutations propagate both ways"""
    arr = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    t = ndb.asarray(arr, like="torch")
    arr[0] = 99.0
    assert t[0].item() == 99.0
    t[1] = -7.0
    assert arr.tolist() == [99.0, -7.0, 3.0]
    assert ptr_numpy(ndb.asarray(t, like=np)) == ptr_numpy(arr)  # and back again


def test_seed_002_verifying_shared_memory_with_like_torch():
    """print(f"Same memory: {ptr_numpy(arr) == ptr_torch(t)}")  # True"""
    arr = np.array([1, 2, 3], dtype=np.float32)
    assert ptr_numpy(arr) == ptr_torch(ndb.asarray(arr, like=torch))


def test_seed_002_fortran_array_shares_with_like_torch():
    """t_f = torch.from_numpy(arr_f)   # SHARE — but non-contiguous"""
    arr_f = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    t_f = ndb.asarray(arr_f, like="torch")
    assert ptr_torch(t_f) == ptr_numpy(arr_f) and t_f.stride() == (1, 2) and not t_f.is_contiguous()


def test_seed_002_read_only_fallback_copy_with_like_torch():
    """t = torch.from_numpy(np.array(ro, copy=True))  # COPY"""
    ro = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    ro.setflags(write=False)
    t = ndb.asarray(ro, like="torch")  # PyTorch has no read-only tensors: copied by the rule
    assert ptr_torch(t) != ptr_numpy(ro) and t.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ndb.CopyError, match="read-only"):
        ndb.asarray(ro, like="torch", copy=False)


def test_seed_002_negative_strides_copy_with_like_torch():
    """t = torch.as_tensor(reversed_view)  # COPY (no sharing)"""
    arr = np.arange(5, dtype=np.float32)
    t = ndb.asarray(arr[::-1], like="torch")
    assert t.tolist() == [4.0, 3.0, 2.0, 1.0, 0.0] and ptr_torch(t) != ptr_numpy(arr)
    assert ndb.asarray(arr[::-1], like=np).base is not None  # NumPy keeps sharing


def test_seed_002_as_tensor_dtype_with_like_torch():
    """t_converted = torch.as_tensor(arr, dtype=torch.float32)"""
    arr = np.array([1.0, 2.0, 3.0], dtype=np.float64)
    t = ndb.asarray(arr, "float32", like="torch")
    assert t.dtype == torch.float32 and ptr_torch(t) != ptr_numpy(arr)


def test_seed_002_tensor_copy_with_like_torch():
    """t = torch.tensor(arr)"""
    arr = np.array([10, 20, 30], dtype=np.int64)
    t = ndb.asarray(arr, like="torch", copy=True)
    arr[0] = 123
    assert t.tolist() == [10, 20, 30]


def test_seed_002_strided_view_shares_with_like_torch():
    """t_view = torch.from_numpy(view)         # SHARE with view (and base)"""
    base = np.arange(10, dtype=np.float32)
    view = base[::2]
    t_view = ndb.asarray(view, like="torch")
    view[0] = 999.0
    assert base[0] == 999.0 and t_view[0].item() == 999.0


def test_seed_002_complex_with_like_torch():
    """t_cplx = torch.from_numpy(cplx)"""
    cplx = np.array([1 + 2j, 3 + 4j], dtype=np.complex128)
    t = ndb.asarray(cplx, like="torch")
    assert t.dtype == torch.complex128 and ptr_torch(t) == ptr_numpy(cplx)


def test_seed_002_dataframe_to_tensor_with_like_torch():
    """tensor = torch.tensor(df.values)"""
    df = pd.DataFrame({"feature_1": [1.0, 2.0, 3.0, 4.0], "feature_2": [5.0, 6.0, 7.0, 8.0],
                       "feature_3": [9.0, 10.0, 11.0, 12.0]})
    tensor = ndb.asarray(df.to_numpy(), like="torch")  # pandas' CoW hands out a read-only view: copied
    assert tensor.shape == (4, 3) and tensor.dtype == torch.float64
    assert tensor[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]
