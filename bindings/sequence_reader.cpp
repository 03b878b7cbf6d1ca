// The nested-sequence reader: lists, tuples and other sequences of scalars and array-likes, read into
// a new array (asarray of a list, and __setitem__ of one).
//
// Sequence reading, the hard part. What must be found: the shape (every level's length, equal across
// siblings, up to 64 levels), the dtype (DESIGN §4 defaults, or the requested one) and the values.
// The cases: leaves are Python scalars, NumPy scalars, strings, or array-likes (NumPy arrays, ndb.Arrays,
// DLPack producers, ...) that fill a whole sub-block; levels are lists, tuples, ranges or other
// sequences. Performance assumption: sequences are homogeneous, so the dtype of the first leaf is a
// good guess. The reader therefore
//   1. discovers the shape by descending the first element of each level (checking for self-reference),
//   2. guesses the dtype from the first leaf (or takes the requested one) and fills a new C-ordered
//      array in one pass, checking every length and every leaf against the guess,
//   3. only when a leaf does not fit the guess (a float among ints, a longer string, an int >= 2**63),
//      walks everything once to infer the dtype, then fills again.
// Ragged input reports the depth and the shape found, as NumPy does; a sequence that changes length while
// it is read (through its own __getitem__ or an element's Python code) and a list that contains itself
// are named as such, not as raggedness. Nothing partial is ever returned.
//
// Speed: the walk is the cost, so the commonest leaves are written without a general step: a level
// of Python floats into float64 or ints into int64 is one loop over the list's items, and a NumPy
// array leaf of the result's dtype and C layout is one memcpy into its block.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>

#include "common.h"
#include "ndbridge/copy.h"
#include "ndbridge/infer.h"
#include "numpy_api.h"

namespace ndbridge::python {

bool is_scalar_object(nb::handle o) {
    PyObject* p = o.ptr();
    if (PyBool_Check(p) || PyLong_Check(p) || PyFloat_Check(p) || PyComplex_Check(p) || PyUnicode_Check(p) ||
        PyBytes_Check(p))
        return true;
    return probe(o).kind == Kind::numpy_scalar;
}

namespace {

class SequenceReader {
public:
    explicit SequenceReader(const ConversionRequest& req) : req_(req) {}

    Array read(nb::handle top) {
        discover(top);
        DType dtype;
        if (req_.dtype) {
            dtype = *req_.dtype;
        } else if (first_leaf_) {
            dtype = guess(*first_leaf_);
        } else {
            dtype = req_.default_float;  // no leaf: an empty sequence (float64, or torch's default float)
        }
        if (!req_.dtype && size_of(shape_) != 0) {
            try {
                return fill_all(top, dtype, true);
            } catch (const Restart&) {
                // The guess was wrong: infer from everything, then fill with the final dtype.
                infer_ = DTypeInference{};
                index_.clear();  // the interrupted fill left its position behind
                ancestors_.clear();
                walk(top, 0, nullptr, Mode::infer);
                dtype = infer_.result(req_.default_float, req_.promotion);
            }
        }
        return fill_all(top, dtype, false);
    }

private:
    enum class Mode { fill, infer };
    struct Restart {};

    static std::int64_t size_of(const Dims& d) {
        std::int64_t n = 1;
        for (auto e : d) n *= e;
        return n;
    }

    static bool is_level(nb::handle o) {
        if (PyList_CheckExact(o.ptr()) || PyTuple_CheckExact(o.ptr())) return true;  // the common case, no lookup
        const Kind k = probe(o).kind;
        return k == Kind::sequence;
    }

    // Array-likes that may stand for a block of a sequence (a capsule is consumed by reading, so a
    // list of them cannot be read twice, and is refused).
    static bool is_leaf_array(Kind k) { return is_array_like(k) && k != Kind::capsule; }

    // An array-like leaf viewed as an ndb.Array (bytes stays a string scalar).
    std::optional<Array> leaf_array(nb::handle o) const;

    // Descends first elements: the shape of the sequence levels plus that of a first array-like leaf.
    void discover(nb::handle top) {
        nb::handle o = top;
        std::vector<PyObject*>& path = measured_;
        while (true) {
            const Kind k = probe(o).kind;
            if (k == Kind::sequence) {
                for (PyObject* seen : path)
                    if (seen == o.ptr())
                        fail(ErrorKind::value, "the sequence contains itself (after ", path.size(),
                             " levels); a self-referencing list has no array shape");
                if (static_cast<int>(shape_.size()) >= kMaxNdim)
                    fail(ErrorKind::value, "the sequence nests deeper than ", kMaxNdim, " levels");
                path.push_back(o.ptr());
                const Py_ssize_t n = PySequence_Size(o.ptr());
                if (n < 0) throw nb::python_error();
                shape_.push_back(n);
                if (n == 0) return;
                nb::object first = nb::steal(PySequence_GetItem(o.ptr(), 0));
                if (!first.is_valid()) throw nb::python_error();
                keep_.push_back(first);
                o = first;
                continue;
            }
            if (k != Kind::string && !(k == Kind::buffer && PyBytes_Check(o.ptr())) && is_leaf_array(k)) {
                std::optional<Array> a = leaf_array(o);
                if (a) {
                    for (auto e : a->shape()) shape_.push_back(e);
                    if (shape_.size() > static_cast<std::size_t>(kMaxNdim))
                        fail(ErrorKind::value, "the data has more than ", kMaxNdim, " dimensions");
                    first_leaf_dtype_ = a->dtype();
                }
            }
            first_leaf_ = nb::borrow(o);
            return;
        }
    }

    DType guess(nb::handle leaf) {
        if (first_leaf_dtype_) return first_leaf_dtype_->with_native_order();
        DTypeInference one;
        add_scalar(one, leaf);
        return one.result(req_.default_float, req_.promotion);
    }

    // Adds a scalar leaf to an inference; Error(type) for anything that is not a scalar.
    void add_scalar(DTypeInference& inf, nb::handle o) const {
        PyObject* p = o.ptr();
        // First: np.float64 and np.complex128 subclass Python float/complex but are typed: they keep their dtype.
        if (probe(o).kind == Kind::numpy_scalar) return inf.add_typed(read_numpy_scalar(o).dtype());
        if (PyBool_Check(p)) return inf.add_bool();
        if (PyLong_Check(p)) {
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
            if (overflow == 0) return inf.add_int(v);
            if (overflow > 0) {
                const unsigned long long u = PyLong_AsUnsignedLongLong(p);
                if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return inf.add_big_uint(u);
                PyErr_Clear();
            }
            fail(ErrorKind::overflow, "Python int ", short_repr(o),
                 " is outside the int64 and uint64 ranges (ndbridge holds integers in at most 64 bits)");
        }
        if (PyFloat_Check(p)) return inf.add_float();
        if (PyComplex_Check(p)) return inf.add_complex();
        if (PyUnicode_Check(p)) return inf.add_string(true, PyUnicode_GetLength(p));
        if (PyBytes_Check(p)) return inf.add_string(false, PyBytes_GET_SIZE(p));
        fail(ErrorKind::type, "cannot read ", short_repr(o), " (type ", py_type_name(o),
             ") as an array element; expected bool, int, float, complex, str, bytes, a NumPy scalar or an array-like");
    }

    Array fill_all(nb::handle top, DType dtype, bool guessing) {
        out_ = Array::empty(dtype, shape_);
        // float32 takes Python floats as they are only when it was asked for or is the default float; a
        // float32 guessed from a typed element promotes with them (float64 under NumPy's table).
        const bool f32_holds_floats = !guessing || req_.default_float == DType(ScalarType::float32);
        fast_ = dtype == DType(ScalarType::float64)                       ? Fast::f64
                : dtype == DType(ScalarType::int64)                       ? Fast::i64
                : dtype == DType(ScalarType::float32) && f32_holds_floats ? Fast::f32
                                                                          : Fast::none;
        guessing_ = guessing;
        index_.clear();
        ancestors_.clear();
        infer_ = DTypeInference{};
        walk(top, 0, out_.data(), Mode::fill);
        return out_;
    }

    [[noreturn]] void ragged(std::size_t depth) const {
        Dims found(shape_.begin(), shape_.begin() + static_cast<std::ptrdiff_t>(depth));
        fail(ErrorKind::value, "the nested sequence is ragged: inhomogeneous shape after ", depth,
             " dimensions. The detected shape was ", shape_string(found), " + inhomogeneous part");
    }

    void walk(nb::handle o, std::size_t depth, std::byte* dst, Mode mode) {
        // Fast path for the homogeneous case: a Python float into native float64, an int into native
        // int64, written directly (the general path below gives the same bytes, more slowly).
        if (depth == shape_.size() && mode == Mode::fill && fast_ != Fast::none) {
            PyObject* p = o.ptr();
            if (fast_ == Fast::f64 && PyFloat_CheckExact(p)) {
                const double v = PyFloat_AS_DOUBLE(p);
                std::memcpy(dst, &v, sizeof v);
                return;
            }
            if (fast_ == Fast::f32 && PyFloat_CheckExact(p) && fits_float32(PyFloat_AS_DOUBLE(p))) {
                const auto v = static_cast<float>(PyFloat_AS_DOUBLE(p));
                std::memcpy(dst, &v, sizeof v);
                return;
            }
            if (fast_ == Fast::i64 && PyLong_CheckExact(p)) {
                int overflow = 0;
                const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
                if (overflow == 0) {
                    const std::int64_t w = v;
                    std::memcpy(dst, &w, sizeof w);
                    return;
                }
            }
        }
        if (depth + 1 == shape_.size() && mode == Mode::fill && fast_ != Fast::none && dst != nullptr &&
            (PyList_CheckExact(o.ptr()) || PyTuple_CheckExact(o.ptr())) && fill_fast_level(o, depth, dst))
            return;
        if (depth < shape_.size() && is_level(o)) {
            nb::object fast = nb::steal(PySequence_Fast(o.ptr(), "expected a sequence"));
            if (!fast.is_valid()) throw nb::python_error();
            const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
            if (n != shape_[depth]) {
                if (changed_length(o, depth, n))
                    fail(ErrorKind::value, "a ", py_type_name(o), " changed length while being read (", shape_[depth],
                         " items when its length was taken, ", n,
                         " when it was read); the sequence must not change "
                         "during the conversion");
                ragged(depth);
            }
            const std::int64_t stride = mode == Mode::fill ? out_.strides()[depth] : 0;
            ancestors_.push_back(o.ptr());
            for (Py_ssize_t i = 0; i < n; ++i) {
                if (PySequence_Fast_GET_SIZE(fast.ptr()) != n)
                    fail(ErrorKind::value, "a ", py_type_name(o), " changed length while being read (from ", n, " to ",
                         PySequence_Fast_GET_SIZE(fast.ptr()), " items)");
                nb::object item = nb::borrow(PySequence_Fast_GET_ITEM(fast.ptr(), i));  // held: Python code may run
                index_.push_back(i);
                walk(item, depth + 1, dst == nullptr ? nullptr : dst + i * stride, mode);
                index_.pop_back();
            }
            ancestors_.pop_back();
            return;
        }
        // Not a sequence level: a scalar (depth == ndim) or an array-like filling shape[depth:].
        const bool scalar_level = depth == shape_.size();
        if (scalar_level && is_level(o)) {  // a sequence where an element belongs
            if (std::find(ancestors_.begin(), ancestors_.end(), o.ptr()) != ancestors_.end())
                fail(ErrorKind::value, "element ", shape_string(index_),
                     " is a sequence that contains it (a "
                     "self-referencing ",
                     py_type_name(o), " has no array shape)");
            ragged(depth);
        }
        if (!scalar_level && mode == Mode::fill && is_exact_ndarray(o) && copy_plain_ndarray(o, depth, dst)) return;
        if (!scalar_level || !is_scalar_object(o)) {
            std::optional<Array> a = is_scalar_object(o) ? std::nullopt : leaf_array(o);
            if (!a && !is_scalar_object(o))  // neither scalar, sequence nor array-like: None, object(), ...
                fail(ErrorKind::type, "element ", shape_string(index_), ": cannot read ", short_repr(o), " (type ",
                     py_type_name(o),
                     ") as an array element; expected bool, int, float, complex, str, bytes, a NumPy "
                     "scalar, a sequence or an array-like");
            if (!a) ragged(depth);  // a scalar where a block belongs
            const Dims rest(shape_.begin() + static_cast<std::ptrdiff_t>(depth), shape_.end());
            if (a->shape() != rest) ragged(depth);
            if (mode == Mode::infer) return infer_.add_typed(a->dtype());
            check_fits_typed(a->dtype());
            copy_into(sub_view(dst, depth), *a);
            return;
        }
        if (mode == Mode::infer) return add_scalar(infer_, o);
        try {
            store_leaf(o, dst);
        } catch (const Error& e) {
            fail(e.kind(), "element ", shape_string(index_), ": ", e.what());
        }
    }

    // The last level, when it is a list or tuple of exact Python floats (into float64) or ints that fit
    // (into int64): one loop over the items, no per-item call. Returns false when an item needs the
    // general path, which then rewrites the level with the same values.
    // float32's fast path: a double the conversion rounds into range (out-of-range values take the general
    // path, which gives NumPy's infinities without undefined behaviour). NaN compares false, so test the negation.
    static bool fits_float32(double v) { return !(std::fabs(v) > static_cast<double>(FLT_MAX)) || std::isinf(v); }

    bool fill_fast_level(nb::handle o, std::size_t depth, std::byte* dst) {
        PyObject* seq = o.ptr();
        const bool list = PyList_CheckExact(seq);
        const Py_ssize_t n = list ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
        if (n != shape_[depth]) return false;  // the general walk reports it
        PyObject** items =
            list ? reinterpret_cast<PyListObject*>(seq)->ob_item : reinterpret_cast<PyTupleObject*>(seq)->ob_item;
        // No Python code runs in these loops, so the borrowed items cannot change under them.
        if (fast_ == Fast::f64) {
            auto* d = reinterpret_cast<double*>(dst);
            for (Py_ssize_t i = 0; i < n; ++i) {
                PyObject* item = items[i];
                if (!PyFloat_CheckExact(item)) return false;
                d[i] = PyFloat_AS_DOUBLE(item);
            }
            return true;
        }
        if (fast_ == Fast::f32) {
            auto* d = reinterpret_cast<float*>(dst);
            for (Py_ssize_t i = 0; i < n; ++i) {
                PyObject* item = items[i];
                if (!PyFloat_CheckExact(item) || !fits_float32(PyFloat_AS_DOUBLE(item))) return false;
                d[i] = static_cast<float>(PyFloat_AS_DOUBLE(item));
            }
            return true;
        }
        auto* d = reinterpret_cast<std::int64_t*>(dst);
        for (Py_ssize_t i = 0; i < n; ++i) {
            PyObject* item = items[i];
            if (!PyLong_CheckExact(item)) return false;
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(item, &overflow);
            if (overflow != 0) return false;
            d[i] = v;
        }
        return true;
    }

    // A NumPy array leaf already in the result's dtype and C layout, filling the block at `depth`: one
    // memcpy. False (nothing written) for anything else, which the general path then reads.
    bool copy_plain_ndarray(nb::handle o, std::size_t depth, std::byte* dst) {
        auto* a = reinterpret_cast<PyArrayObject*>(o.ptr());
        const int nd = numpy_ndim(a);
        if (static_cast<std::size_t>(nd) != shape_.size() - depth) return false;
        if (dtype_of_numpy_descr(reinterpret_cast<PyObject*>(numpy_descr(a))) != out_.dtype()) return false;
        const npy_intp* dims = numpy_dims(a);
        const npy_intp* strides = numpy_strides(a);
        for (int k = 0; k < nd; ++k) {
            const auto axis = depth + static_cast<std::size_t>(k);
            if (dims[k] != shape_[axis]) return false;
            if (dims[k] > 1 && strides[k] != out_.strides()[axis]) return false;
        }
        std::int64_t bytes = out_.itemsize();
        for (int k = 0; k < nd; ++k) bytes *= dims[k];
        if (bytes != 0) std::memcpy(dst, numpy_data(a), static_cast<std::size_t>(bytes));
        return true;
    }

    // A length mismatch that is no raggedness: the object was measured by discover() (so its length
    // changed since), or its len() disagrees with what reading it gave (a custom sequence).
    bool changed_length(nb::handle o, std::size_t depth, Py_ssize_t n) const {
        if (depth < measured_.size() && measured_[depth] == o.ptr()) return true;
        if (PyList_Check(o.ptr()) || PyTuple_Check(o.ptr())) return false;
        const Py_ssize_t len = PySequence_Size(o.ptr());
        if (len < 0) PyErr_Clear();
        return len != n;
    }

    Array sub_view(std::byte* dst, std::size_t depth) const {
        const Dims rest(shape_.begin() + static_cast<std::ptrdiff_t>(depth), shape_.end());
        const Dims strides(out_.strides().begin() + static_cast<std::ptrdiff_t>(depth), out_.strides().end());
        return Array::wrap(dst, out_.dtype(), rest, strides, Device::cpu(), false, out_.owner());
    }

    void check_fits_typed(DType t) {
        if (!guessing_) return;
        if (promote_types(out_.dtype(), t, req_.promotion) != out_.dtype()) throw Restart{};
    }

    // Writes one scalar leaf. While guessing, a leaf that the guessed dtype cannot hold restarts the read.
    void store_leaf(nb::handle o, std::byte* dst) {
        if (probe(o).kind == Kind::numpy_scalar) {
            const Array a = read_numpy_scalar(o);
            check_fits_typed(a.dtype());
            if (out_.dtype().is_integer() && a.dtype().is_floating()) {
                // A NumPy float into integers follows the scalar rules, as in NumPy: NaN is a ValueError,
                // infinity and out-of-range values an OverflowError (an array cast would saturate).
                store_scalar(out_.dtype(), dst, load_scalar(a.dtype(), a.data()));
                return;
            }
            copy_into(sub_view(dst, shape_.size()), a);
            return;
        }
        if (guessing_ && !fits_python_scalar(o)) throw Restart{};
        store_scalar(out_.dtype(), dst, scalar_from_object(o));
    }

    // A Python scalar the guessed dtype holds as it is: the promotion with the scalar's own dtype (what
    // it gives alone) leaves the guess unchanged. Strings: the guessed length holds them.
    bool fits_python_scalar(nb::handle o) const {
        const DType d = out_.dtype();
        PyObject* p = o.ptr();
        if (PyUnicode_Check(p)) return d.kind() == DTypeKind::unicode && PyUnicode_GetLength(p) <= d.length();
        if (PyBytes_Check(p)) return d.kind() == DTypeKind::bytes && PyBytes_GET_SIZE(p) <= d.length();
        if (!d.is_numeric()) return false;
        if (PyBool_Check(p)) return true;
        if (PyFloat_Check(p) && d == req_.default_float) return true;  // the common case, without a promotion
        DTypeInference alone;
        add_scalar(alone, o);
        return promote_types(d, alone.result(req_.default_float, req_.promotion), req_.promotion) == d;
    }

    ConversionRequest req_;
    Dims shape_;
    Dims index_;                        ///< where the walk is, for messages
    std::vector<PyObject*> ancestors_;  ///< the sequences walk() is inside, for self-reference messages
    std::vector<PyObject*>
        measured_;  ///< the sequences discover() measured, one per level (kept alive by the caller and keep_)
    std::optional<nb::object> first_leaf_;
    std::optional<DType> first_leaf_dtype_;
    std::vector<nb::object> keep_;
    Array out_;
    bool guessing_ = false;
    enum class Fast : unsigned char { none, f64, i64, f32 } fast_ = Fast::none;  ///< the fast path of walk, if any
    DTypeInference infer_;
};

std::optional<Array> SequenceReader::leaf_array(nb::handle o) const {
    const Probe p = probe(o);
    if (!is_leaf_array(p.kind) || PyBytes_Check(o.ptr())) return std::nullopt;
    bool fresh = false;
    ConversionRequest plain;
    plain.default_float = req_.default_float;
    Array a = view_of(o, p, plain, fresh);
    if (!a.device().host_accessible())
        fail(ErrorKind::value, "an element of the sequence is on device ", to_string(a.device()),
             "; sequences are read on the host");
    return a;
}

}  // namespace

Array read_sequence(nb::handle obj, const ConversionRequest& req) {
    (void)take_invalid_casts();
    Array a = SequenceReader(req).read(obj);
    warn_invalid_casts();  // arrays inside the sequence cast to an integer dtype= (scalars raise instead)
    return a;
}

}  // namespace ndbridge::python
