"""item() and tolist() of longdouble and clongdouble arrays give NumPy's longdouble/clongdouble scalars, as
NumPy's item() and tolist() do, so no precision is lost to a Python float; any layout and byte order."""
import numpy as np
import pytest

import ndbridge as ndb

THIRD = np.longdouble(1) / np.longdouble(3)  # differs from float(1/3) in the low bits


@pytest.mark.parametrize("dtype", [np.longdouble, np.clongdouble])
def test_items_keep_every_bit_and_numpys_type(dtype):
    a = (np.arange(6, dtype=dtype) + THIRD).reshape(2, 3)
    x = ndb.asarray(a)
    assert x.tolist() == a.tolist()
    assert [type(v) for v in x.tolist()[0]] == [type(v) for v in a.tolist()[0]] == [dtype] * 3
    assert x.tolist()[1][2] == a[1, 2] and x.tolist()[1][2] != float(np.real(a[1, 2]))
    one = ndb.asarray(a[1:2, 2])
    assert type(one.item()) is dtype and one.item() == a[1, 2]


def test_strided_reversed_and_zero_d_views():
    a = np.arange(10, dtype=np.longdouble) + THIRD
    assert ndb.asarray(a[::-3]).tolist() == a[::-3].tolist()
    zero_d = ndb.asarray(np.array(THIRD))
    assert zero_d.item() == THIRD and type(zero_d.item()) is np.longdouble
