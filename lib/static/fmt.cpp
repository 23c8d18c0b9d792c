// fmt for `make static`: Debian ships libfmt only as a shared library, so the
// static binary compiles fmt's out-of-line part from the installed headers
// (format-inl.h defines what libfmt.so exports) and instantiates the
// templates that our objects call. Not part of libxpuperf.a.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
