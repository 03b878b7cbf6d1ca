// An extension module written against ndbridge/nanobind.h: functions that take ArrayLike parameters
// (lists, NumPy, torch, buffers: whatever ndb.asarray accepts), return ndbridge::Array, and a small C++
// type that publishes the DLPack C exchange API. The nb::ndarray twins exist for bench/bench_cpp_ext.py.
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <ndbridge/containers.h>
#include <ndbridge/nanobind.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace nb = nanobind;
using ndbridge::ArrayLike;
using ndbridge::c_contig;
using ndbridge::no_copy;
using ndbridge::shape;

namespace {

/// Row sums of an (n, 3) float32 table, C-contiguous: a Fortran-ordered input is copied to C order.
ndbridge::Array row_sums(ArrayLike<const float, shape<-1, 3>, c_contig> x) {
    const auto v = x.view();
    std::vector<double> sums(static_cast<std::size_t>(v.extent(0)));
    for (std::int64_t i = 0; i < v.extent(0); ++i) sums[static_cast<std::size_t>(i)] = v(i, 0) + v(i, 1) + v(i, 2);
    return ndbridge::Array::adopt(std::move(sums));
}

/// Sum of any 2-d float64 input, read through strides: a Fortran-ordered view is shared, not copied.
double total(ArrayLike<const double, shape<-1, -1>> x) {
    const auto v = x.view();
    double s = 0;
    for (std::int64_t i = 0; i < v.extent(0); ++i)
        for (std::int64_t j = 0; j < v.extent(1); ++j) s += v(i, j);
    return s;
}

/// Scales the caller's own float32 memory: no_copy, so an input that would need a copy raises CopyError.
void scale_in_place(ArrayLike<float, shape<-1>, no_copy> x, float factor) {
    const auto v = x.view();
    for (std::int64_t i = 0; i < v.extent(0); ++i) v(i) *= factor;
}

/// The address the function sees, to show what was shared.
std::uintptr_t data_address(ArrayLike<const float> x) { return reinterpret_cast<std::uintptr_t>(x.data()); }

/// The parameter's Array, handed back: an ndb.Array sharing the caller's memory and keeping it alive.
ndbridge::Array same_array(ArrayLike<const float, shape<-1>> x) { return x.array(); }

/// A plain Array parameter: whatever ndb.asarray accepts, in the dtype asarray chooses.
std::string describe_array(const ndbridge::Array& a) {
    return ndbridge::name(a.dtype()) + " " + ndbridge::shape_string(a.shape());
}

/// A (rows, cols) grid of i * cols + j, as an ndb.Array, a NumPy array or a torch tensor.
ndbridge::Array grid(std::int64_t rows, std::int64_t cols) {
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<float>(k);
    return ndbridge::Array::adopt(std::move(values), ndbridge::Dims{rows, cols});
}
ndbridge::ArrayAs<ndbridge::like::numpy> grid_numpy(std::int64_t rows, std::int64_t cols) { return {grid(rows, cols)}; }
ndbridge::ArrayAs<ndbridge::like::torch> grid_torch(std::int64_t rows, std::int64_t cols) { return {grid(rows, cols)}; }

/// A C++ type holding an array, readable by ndb.asarray (and any exchange consumer) with no Python call.
struct Signal {
    ndbridge::Array samples;
    static ndbridge::Array array_of(const Signal& s) { return s.samples; }
    static Signal from_array(ndbridge::Array a) { return Signal{std::move(a)}; }
};

// The benchmark pairs: the same call through ArrayLike and through nanobind's own nb::ndarray caster.
std::int64_t size_arraylike(ArrayLike<const float, shape<-1>, c_contig> x) { return x.size(); }
std::int64_t size_ndarray(nb::ndarray<const float, nb::ndim<1>, nb::c_contig, nb::device::cpu> x) {
    return static_cast<std::int64_t>(x.size());
}

}  // namespace

#ifdef NDBRIDGE_EXAMPLE_WITH_DOC
void bind_doc_examples(nb::module_& m);  // docs/cpp.md's example, extracted by CMakeLists.txt
#endif

NB_MODULE(ndbridge_example, m) {
    m.def("row_sums", &row_sums, nb::arg("x"));
    m.def("total", &total, nb::arg("x"));
    m.def("scale_in_place", &scale_in_place, nb::arg("x"), nb::arg("factor"));
    m.def("data_address", &data_address, nb::arg("x"));
    m.def("same_array", &same_array, nb::arg("x"));
    m.def("describe_array", &describe_array, nb::arg("a"));
    m.def("grid", &grid, nb::arg("rows"), nb::arg("cols"));
    m.def("grid_numpy", &grid_numpy, nb::arg("rows"), nb::arg("cols"));
    m.def("grid_torch", &grid_torch, nb::arg("rows"), nb::arg("cols"));
    m.def("size_arraylike", &size_arraylike, nb::arg("x"));
    m.def("size_ndarray", &size_ndarray, nb::arg("x"));
#ifdef NDBRIDGE_EXAMPLE_WITH_DOC
    bind_doc_examples(m);
#endif
    nb::class_<Signal> signal(m, "Signal");
    signal.def_prop_ro("samples", [](const Signal& s) { return s.samples; });
    m.def(
        "make_signal", [](ArrayLike<const double, shape<-1>> x) { return Signal{x.array()}; }, nb::arg("x"));
    // Both sides of the exchange API from C++: the core's consumer call (to_exchange_api) into the
    // producer table below, which makes a new Signal from an Array.
    m.def(
        "signal_through_exchange_api",
        [](ArrayLike<const double, shape<-1>> x) {
            const DLPackExchangeAPI* api =
                ndbridge::detail::exchange_api_of(reinterpret_cast<PyTypeObject*>(nb::type<Signal>().ptr()));
            if (api == nullptr) throw std::runtime_error("Signal publishes no exchange API");
            return nb::steal(static_cast<PyObject*>(ndbridge::to_exchange_api(*api, x.array())));
        },
        nb::arg("x"));
    signal.attr("__dlpack_c_exchange_api__") =
        ndbridge::exchange_api_capsule<Signal, &Signal::array_of, &Signal::from_array>();
}
