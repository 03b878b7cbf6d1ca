// The checks behind ndbridge::view<T, N>: done once per view, out of line, each message naming what the
// array has and what the view wants.
#include "ndbridge/view.h"

#include "ndbridge/error.h"

namespace ndbridge::detail {

void check_view(const Array& a, DType want, int rank, bool writable, bool contiguous) {
    const auto what = [&] {
        return detail::concat("ndbridge::view<", writable ? "" : "const ", name(want), ", ", rank,
                              contiguous ? ", c_contig>" : ">");
    };
    if (a.dtype() != want)
        fail(ErrorKind::type, what(), ": the array has dtype ", describe(a.dtype()), ", the view wants ", name(want));
    if (a.ndim() != rank)
        fail(ErrorKind::value, what(), ": the array has rank ", a.ndim(), " (shape ", shape_string(a.shape()),
             "), the view wants rank ", rank);
    if (!a.device().host_accessible())
        fail(ErrorKind::type, what(), ": the array is on ", to_string(a.device()), ", which the host cannot read");
    if (writable && a.readonly())
        fail(ErrorKind::value, what(), ": the array is read-only and a writable view is refused; ask for view<const ",
             name(want), ", ", rank, ">");
    const std::int64_t itemsize = want.itemsize();
    bool whole_strides = true;
    for (std::size_t k = 0; k < a.strides().size(); ++k)  // an axis of extent 1 is never stepped along
        whole_strides = whole_strides && (a.shape()[k] <= 1 || a.strides()[k] % itemsize == 0);
    if (!whole_strides || !a.flags().aligned)
        fail(ErrorKind::value, what(), ": the array's data (strides ", shape_string(a.strides()),
             " bytes) is not aligned to whole ", itemsize, "-byte elements; copy it first (Array::copy)");
    if (contiguous && !a.is_c_contiguous())
        fail(ErrorKind::value, what(), ": the array is not C-contiguous (shape ", shape_string(a.shape()), ", strides ",
             shape_string(a.strides()), " bytes); copy it first (Array::copy(MemoryOrder::C))");
}

}  // namespace ndbridge::detail
