// Arrow through the PyCapsule interface, both ways, without importing pyarrow: producers' capsules
// (__arrow_c_stream__, __arrow_c_array__) read by the core's validated import into arrays and frames,
// and ndb.Array exported as Arrow (__arrow_c_array__, __arrow_c_schema__), zero-copy where Arrow's layout
// is the array's.
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "ndbridge/copy.h"

namespace ndbridge::python {
namespace {

// The struct a capsule of the agreed name points to; Error(type) naming the producer and what it gave
// otherwise (the message is made only then: this runs on every zero-copy conversion).
template <class Struct>
Struct* capsule_struct(nb::handle capsule, const char* name, nb::handle obj, const char* method) {
    if (!PyCapsule_IsValid(capsule.ptr(), name))
        fail(ErrorKind::type, py_type_name(obj), ".", method, "() did not return a PyCapsule named '", name, "' but ",
             short_repr(capsule));
    auto* p = static_cast<Struct*>(PyCapsule_GetPointer(capsule.ptr(), name));
    if (p == nullptr) throw nb::python_error();
    return p;
}

// obj.name(), the method looked up without binding it (this is on every zero-copy conversion).
nb::object call_method(nb::handle obj, PyObject* name) {
    PyObject* args[1] = {obj.ptr()};
    PyObject* result = PyObject_VectorcallMethod(name, args, 1, nullptr);
    if (result == nullptr) throw nb::python_error();
    return nb::steal(result);
}

ArrowTable import_from(nb::handle obj) {
    static PyObject* const array_method = interned("__arrow_c_array__");
    static PyObject* const stream_method = interned("__arrow_c_stream__");
    // The type is asked first: finding the method there binds nothing. An attribute set on the instance
    // only is honoured too, as the probe and Python's hasattr would.
    const bool has_array = PyObject_HasAttr(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr())), array_method) == 1 ||
                           PyObject_HasAttr(obj.ptr(), array_method) == 1;
    if (has_array) {
        nb::object pair = call_method(obj, array_method);
        if (!PyTuple_Check(pair.ptr()) || PyTuple_GET_SIZE(pair.ptr()) != 2)
            fail(ErrorKind::type, py_type_name(obj), ".__arrow_c_array__() returned ", short_repr(pair),
                 ", not a (schema, array) pair of capsules");
        nb::handle schema_capsule = PyTuple_GET_ITEM(pair.ptr(), 0);
        nb::handle array_capsule = PyTuple_GET_ITEM(pair.ptr(), 1);
        auto* schema = capsule_struct<ArrowSchema>(schema_capsule, "arrow_schema", obj, "__arrow_c_array__");
        auto* array = capsule_struct<ArrowArray>(array_capsule, "arrow_array", obj, "__arrow_c_array__");
        return import_arrow_array(schema, array);
    }
    nb::object capsule = call_method(obj, stream_method);
    return import_arrow_stream(
        capsule_struct<ArrowArrayStream>(capsule, "arrow_array_stream", obj, "__arrow_c_stream__"));
}

// ---- conversion of Arrow data to one array ----

[[noreturn]] void arrow_copy_forbidden(const ArrowFrame& frame, const std::string& why) {
    fail(ErrorKind::copy, "Arrow ", frame.columns.size() == 1 ? "column '" + frame.columns[0].name + "'" : "table", " ",
         why, ", so it must be copied; copy=False forbids that");
}

DType result_dtype(const ArrowFrame& frame, const ConversionRequest& req) {
    if (req.dtype) return *req.dtype;
    std::optional<DType> dtype;
    for (const ArrowColumn& c : frame.columns) {
        const DType d = arrow_column_dtype(c);
        dtype = dtype ? promote_types(*dtype, d) : d;
    }
    return dtype.value_or(DType(ScalarType::float64));
}

}  // namespace

std::vector<ColumnSource> ArrowFrame::sources(std::span<const std::size_t> chosen) {
    std::vector<ColumnSource> out;
    out.reserve(chosen.size() * table->chunks.size());
    for (std::size_t k = 0; k < chosen.size(); ++k)
        append_arrow_column_sources(*table, chosen[k], static_cast<std::int64_t>(k), out, scratch);
    return out;
}

namespace {

ArrowFrame frame_of(std::shared_ptr<ArrowTable> table) {
    ArrowFrame frame;
    frame.table = std::move(table);
    frame.columns = arrow_columns(*frame.table);
    frame.rows = arrow_row_count(*frame.table);
    frame.tabular = arrow_is_table(*frame.table);
    return frame;
}

}  // namespace

ArrowFrame read_arrow_frame(nb::handle obj, const char* function) {
    return named(function, [&] { return frame_of(std::make_shared<ArrowTable>(import_from(obj))); });
}

nb::object convert_arrow(nb::handle obj, const ConversionRequest& req, Target target, bool requires_grad) {
    auto table = std::make_shared<ArrowTable>(import_from(obj));  // the entry point names itself in errors
    if (req.device && !req.device->is_cpu())
        fail(ErrorKind::value, "Arrow data is read on the host; device ", to_string(*req.device),
             " is not reachable from here");
    const TargetTraits& traits = traits_of(target);
    if (!arrow_is_table(*table)) {
        // The zero-copy case needs nothing of the columns' descriptions: they are made only for a copy.
        if (std::optional<Array> view = arrow_column_view(*table, 0, Owner(table))) {
            // One null-free chunk read as stored: the share-or-copy rule decides, as for any view.
            const CopyCause cause = copy_cause(*view, req, traits);
            if (cause == CopyCause::none) return hand_to(target, std::move(*view), obj, nullptr, requires_grad);
            const std::int64_t bytes = view->size() * req.dtype.value_or(view->dtype()).itemsize();
            Array copy = copying(bytes, [&] { return copy_for(*view, req, traits, cause); });
            return hand_to(target, std::move(copy), obj, nullptr, requires_grad);
        }
    }
    ArrowFrame frame = frame_of(std::move(table));
    const DType dtype = result_dtype(frame, req);
    if (req.copy == CopyMode::never) {
        const std::string why =
            frame.tabular ? std::string("is a table of columns")
            : frame.table->chunks.size() != 1
                ? std::string("is in several chunks")
                : "is " + frame.columns[0].format.description + " with missing values or not stored as " + name(dtype);
        arrow_copy_forbidden(frame, why);
    }
    std::vector<std::size_t> all(frame.columns.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const std::vector<ColumnSource> sources = frame.sources(all);
    const auto columns = static_cast<std::int64_t>(all.size());
    const MemoryOrder order = req.order == MemoryOrder::F ? MemoryOrder::F : MemoryOrder::C;
    const std::int64_t shape2[2] = {frame.rows, columns};
    Array out = Array::empty(dtype, shape2, order);
    copying(out.nbytes(), [&] { write_columns(sources, NullOptions{}, out); });
    if (!frame.tabular) {
        const std::int64_t shape1[1] = {frame.rows};
        out = out.reshape(shape1);
    }
    return hand_to(target, std::move(out), obj, nullptr, requires_grad);
}

// ---- export: ndb.Array as Arrow ----
namespace {

// What an export owns: the array (its owner keeps the memory alive), the buffer pointer tables, the
// format strings and, for 2-D arrays, the child struct of the fixed-size list. A consumer may move the
// child out and release it after its parent, so parent and child each hold a reference.
struct Exported {
    Array array;
    std::atomic<int> references{1};
    std::vector<std::byte> packed;  // bit-packed bools, or narrowed dates: data Arrow lays out differently
    const void* buffers[2] = {nullptr, nullptr};
    const void* list_buffers[1] = {nullptr};
    ArrowArray child{};
    ArrowArray* children[1] = {nullptr};
};

struct ExportedSchema {
    std::atomic<int> references{1};
    std::string format;
    std::string child_format;
    ArrowSchema child{};
    ArrowSchema* children[1] = {nullptr};
};

// Releasing a parent releases the children it still holds (the specification's rule), then drops the
// parent's own reference; the last reference frees everything.
template <class Struct, class Owned>
void release_exported(Struct* s) noexcept {
    if (s == nullptr || s->release == nullptr) return;
    auto* e = static_cast<Owned*>(s->private_data);
    for (std::int64_t i = 0; i < s->n_children; ++i)
        if (s->children[i]->release != nullptr) s->children[i]->release(s->children[i]);
    s->release = nullptr;
    if (e->references.fetch_sub(1, std::memory_order_acq_rel) == 1) delete e;
}
void release_array(ArrowArray* a) noexcept { release_exported<ArrowArray, Exported>(a); }
void release_schema(ArrowSchema* s) noexcept { release_exported<ArrowSchema, ExportedSchema>(s); }

// The Arrow format of an element; Error(type) naming the dtype for what Arrow has no type for.
std::string element_format(DType d) {
    if (!d.is_native() && d.itemsize() > 1)
        fail(ErrorKind::type, "__arrow_c_array__: Arrow data is little-endian; convert the ", describe(d),
             " array to native byte order first");
    switch (d.type()) {
        case ScalarType::bool_: return "b";
        case ScalarType::int8: return "c";
        case ScalarType::uint8: return "C";
        case ScalarType::int16: return "s";
        case ScalarType::uint16: return "S";
        case ScalarType::int32: return "i";
        case ScalarType::uint32: return "I";
        case ScalarType::int64: return "l";
        case ScalarType::uint64: return "L";
        case ScalarType::float16: return "e";
        case ScalarType::float32: return "f";
        case ScalarType::float64: return "g";
        case ScalarType::datetime64:
        case ScalarType::timedelta64: {
            const char* prefix = d.type() == ScalarType::datetime64 ? "ts" : "tD";
            switch (d.unit()) {
                case TimeUnit::s: return std::string(prefix) + (d.type() == ScalarType::datetime64 ? "s:" : "s");
                case TimeUnit::ms: return std::string(prefix) + (d.type() == ScalarType::datetime64 ? "m:" : "m");
                case TimeUnit::us: return std::string(prefix) + (d.type() == ScalarType::datetime64 ? "u:" : "u");
                case TimeUnit::ns: return std::string(prefix) + (d.type() == ScalarType::datetime64 ? "n:" : "n");
                default: break;
            }
            fail(ErrorKind::type, "__arrow_c_array__: Arrow times are in s, ms, us or ns; ", name(d),
                 " has no Arrow type (astype to one of those units first)");
        }
        default: break;
    }
    fail(ErrorKind::type, "__arrow_c_array__: Arrow has no type for ", name(d), " elements");
}

// The 1-D or C-contiguous 2-D host array that is exported, in its final layout.
Array exportable(const Array& self) {
    if (!self.device().is_cpu())
        fail(ErrorKind::value, "__arrow_c_array__: the array is on ", to_string(self.device()),
             "; Arrow's C data interface describes host memory");
    if (self.ndim() != 1 && self.ndim() != 2)
        fail(ErrorKind::value, "__arrow_c_array__: a ", self.ndim(),
             "-d array has no Arrow form here; 1-d arrays export as arrays, 2-d as fixed-size lists");
    (void)element_format(self.dtype());
    if (self.is_c_contiguous()) return self;
    return self.copy(MemoryOrder::C);
}

ExportedSchema* make_schema(const Array& a) {
    auto* e = new ExportedSchema;
    const std::string element = element_format(a.dtype());
    if (a.ndim() == 1) {
        e->format = element;
    } else {
        e->format = "+w:" + std::to_string(a.shape()[1]);
        e->child_format = element;
    }
    return e;
}

void fill_schema(ArrowSchema& out, ExportedSchema* e) {
    out = ArrowSchema{};
    out.format = e->format.c_str();
    out.name = "";
    out.flags = ARROW_FLAG_NULLABLE;  // Arrow's default for a field, which consumers compare types with
    out.private_data = e;
    out.release = release_schema;
    if (!e->child_format.empty()) {
        e->child = ArrowSchema{};
        e->child.format = e->child_format.c_str();
        e->child.name = "item";
        e->child.flags = ARROW_FLAG_NULLABLE;
        e->child.private_data = e;
        e->child.release = release_schema;
        e->references.fetch_add(1);
        e->children[0] = &e->child;
        out.n_children = 1;
        out.children = e->children;
    }
}

void capsule_schema_destructor(PyObject* capsule) {
    auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsule, "arrow_schema"));
    if (s == nullptr) {
        PyErr_Clear();
        return;
    }
    if (s->release != nullptr) s->release(s);
    delete s;
}

void capsule_array_destructor(PyObject* capsule) {
    auto* a = static_cast<ArrowArray*>(PyCapsule_GetPointer(capsule, "arrow_array"));
    if (a == nullptr) {
        PyErr_Clear();
        return;
    }
    if (a->release != nullptr) a->release(a);
    delete a;
}

nb::object schema_capsule(const Array& a) {
    auto schema = std::make_unique<ArrowSchema>();
    fill_schema(*schema, make_schema(a));
    PyObject* capsule = PyCapsule_New(schema.get(), "arrow_schema", capsule_schema_destructor);
    if (capsule == nullptr) {
        schema->release(schema.get());
        throw nb::python_error();
    }
    schema.release();
    return nb::steal(capsule);
}

nb::object array_capsule(const Array& a) {
    auto* e = new Exported;
    e->array = a;
    const std::int64_t n = a.size();
    if (a.dtype().type() == ScalarType::bool_) {
        // Arrow's bools are bits: packed into new memory (a copy, the one layout that differs).
        e->packed.assign(static_cast<std::size_t>((n + 7) / 8), std::byte{0});
        for (std::int64_t i = 0; i < n; ++i)
            if (a.data()[i] != std::byte{0}) e->packed[static_cast<std::size_t>(i / 8)] |= std::byte(1U << (i % 8));
        e->buffers[1] = e->packed.data();
    } else {
        e->buffers[1] = a.data();
    }
    auto array = std::make_unique<ArrowArray>();
    ArrowArray& values = a.ndim() == 1 ? *array : e->child;
    values = ArrowArray{};
    values.length = n;
    values.null_count = 0;
    values.n_buffers = 2;
    values.buffers = e->buffers;
    values.private_data = e;
    values.release = release_array;
    if (a.ndim() == 2) {
        *array = ArrowArray{};
        array->length = a.shape()[0];
        array->null_count = 0;
        array->n_buffers = 1;
        array->buffers = e->list_buffers;
        array->n_children = 1;
        e->children[0] = &e->child;
        array->children = e->children;
        array->private_data = e;
        array->release = release_array;
        e->references.fetch_add(1);
    }
    PyObject* capsule = PyCapsule_New(array.get(), "arrow_array", capsule_array_destructor);
    if (capsule == nullptr) {
        array->release(array.get());
        throw nb::python_error();
    }
    array.release();
    return nb::steal(capsule);
}

}  // namespace

void bind_arrow(nb::module_& m) {
    (void)m;
    nb::handle cls = nb::type<Array>();
    cls.attr("__arrow_c_schema__") = nb::cpp_function(
        [](const Array& self) { return named("__arrow_c_schema__", [&] { return schema_capsule(exportable(self)); }); },
        nb::scope(cls), nb::name("__arrow_c_schema__"), nb::is_method(),
        "The Arrow type of this array as an 'arrow_schema' PyCapsule (1-d: the element type; 2-d: a fixed-size "
        "list).");
    cls.attr("__arrow_c_array__") = nb::cpp_function(
        [](const Array& self, nb::handle requested_schema) {
            (void)requested_schema;  // a request producers may ignore: the array's own type is exported
            return named("__arrow_c_array__", [&] {
                const Array a = exportable(self);
                nb::object schema = schema_capsule(a);
                return nb::make_tuple(schema, array_capsule(a));
            });
        },
        nb::scope(cls), nb::name("__arrow_c_array__"), nb::is_method(), nb::arg("requested_schema") = nb::none(),
        "This array as Arrow ('arrow_schema', 'arrow_array') PyCapsules, sharing its memory (bools are packed to "
        "bits); the export keeps the memory alive.");
}

}  // namespace ndbridge::python
