// Calendar and time-unit arithmetic for datetime64/timedelta64: the length of each unit, exact ratios
// between units, proleptic-Gregorian civil dates, and the per-element unit converter the copy engine
// runs. Intermediates are 128-bit, so only the final result's range decides (outside int64: NaT).
#pragma once

#include <cstdint>

#include "ndbridge/dtype.h"

namespace ndbridge::kernels {

__extension__ typedef __int128 i128;

inline constexpr std::int64_t kNaT = INT64_MIN;

/// floor(a / b) for b != 0.
inline constexpr i128 floor_div(i128 a, i128 b) noexcept { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Length of each linear unit in attoseconds; Y and M of a timedelta use NumPy's mean year
/// (365.2425 days = 31556952 s) and month (1/12 of it). 0 for the generic unit.
inline constexpr i128 unit_length(TimeUnit u) noexcept {
    constexpr i128 atto = 1000000000000000000LL;
    switch (u) {
        case TimeUnit::Y: return i128{31556952} * atto;
        case TimeUnit::M: return i128{2629746} * atto;
        case TimeUnit::W: return i128{604800} * atto;
        case TimeUnit::D: return i128{86400} * atto;
        case TimeUnit::h: return i128{3600} * atto;
        case TimeUnit::m: return i128{60} * atto;
        case TimeUnit::s: return atto;
        case TimeUnit::ms: return atto / 1000;
        case TimeUnit::us: return atto / 1000000;
        case TimeUnit::ns: return atto / 1000000000;
        case TimeUnit::ps: return 1000000;
        case TimeUnit::fs: return 1000;
        case TimeUnit::as: return 1;
        case TimeUnit::generic: return 0;
    }
    return 0;
}

inline constexpr bool is_calendar_unit(TimeUnit u) noexcept { return u == TimeUnit::Y || u == TimeUnit::M; }

/// Days since 1970-01-01 of the first day of month `m` (1..12) of year `y`; exact for any 128-bit-safe year.
inline constexpr i128 days_from_civil(i128 y, i128 m) noexcept {
    y -= m <= 2;
    const i128 era = floor_div(y, 400);
    const i128 yoe = y - era * 400;
    const i128 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    const i128 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/// A proleptic-Gregorian date: month 1..12, day 1..31.
struct CivilDate {
    i128 year;
    int month;
    int day;
};

/// The civil date `days` days after 1970-01-01 (negative: before); exact for every int64 day count.
inline constexpr CivilDate civil_from_days(i128 days) noexcept {
    const i128 z = days + 719468;
    const i128 era = floor_div(z, 146097);
    const i128 doe = z - era * 146097;
    const i128 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const i128 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const i128 mp = (5 * doy + 2) / 153;
    const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return {yoe + era * 400 + (month <= 2), month, day};
}

/// The factor between two linear units, reduced: the products below stay far inside 128 bits.
struct Ratio {
    i128 num = 1, den = 1;
};
inline constexpr Ratio unit_ratio(TimeUnit from, TimeUnit to) noexcept {
    const i128 a = unit_length(from), b = unit_length(to);
    i128 g = a, r = b;
    while (r != 0) {
        const i128 t = g % r;
        g = r;
        r = t;
    }
    return {a / g, b / g};
}

/// floor(v * num / den); NaT when v * num would leave 2^126, which puts the result outside int64 too
/// (a large `num` comes with a small `den`: the factors of NumPy's units are coprime after reduction).
inline constexpr std::int64_t scale_to_int64(i128 v, Ratio r) noexcept {
    const i128 limit = (static_cast<i128>(1) << 126) / r.num;
    if (v > limit || -v > limit) return kNaT;
    const i128 q = floor_div(v * r.num, r.den);
    return q <= INT64_MIN || q > INT64_MAX ? kNaT : static_cast<std::int64_t>(q);
}

/// Converts counts of one time dtype to another's unit (floor division, NumPy's rule); NaT stays NaT,
/// and a result outside int64 becomes NaT. Datetimes with Y or M on either side follow the calendar.
class TimeConverter {
public:
    TimeConverter(DType from, DType to) noexcept : from_(from.unit()), to_(to.unit()) {
        identity_ = from_ == to_ || from_ == TimeUnit::generic;
        calendar_ =
            !identity_ && from.kind() == DTypeKind::datetime && (is_calendar_unit(from_) || is_calendar_unit(to_));
        if (!identity_ && !calendar_) linear_ = unit_ratio(from_, to_);
        if (calendar_) {
            from_days_ = unit_ratio(TimeUnit::D, to_);
            to_days_ = unit_ratio(from_, TimeUnit::D);
        }
    }

    /// True when counts pass through unchanged (same unit, or a generic source).
    bool identity() const noexcept { return identity_; }

    std::int64_t operator()(std::int64_t v) const noexcept {
        if (v == kNaT || identity_) return v;
        if (!calendar_) return scale_to_int64(v, linear_);
        if (is_calendar_unit(from_)) {
            const i128 months = from_ == TimeUnit::Y ? static_cast<i128>(v) * 12 : static_cast<i128>(v);
            if (is_calendar_unit(to_)) return scale_to_int64(months, to_ == TimeUnit::Y ? Ratio{1, 12} : Ratio{1, 1});
            const i128 year = floor_div(months, 12);
            return scale_to_int64(days_from_civil(1970 + year, months - 12 * year + 1), from_days_);
        }
        // Linear source to Y or M: floor to days first (|v| * 7 at most: no overflow in 128 bits).
        const CivilDate date = civil_from_days(floor_div(static_cast<i128>(v) * to_days_.num, to_days_.den));
        const i128 years = date.year - 1970;
        return scale_to_int64(to_ == TimeUnit::Y ? years : years * 12 + (date.month - 1), Ratio{1, 1});
    }

private:
    TimeUnit from_, to_;
    bool identity_ = true;
    bool calendar_ = false;
    Ratio linear_;     // from -> to, when neither is a calendar unit
    Ratio from_days_;  // D -> to (calendar source, linear target)
    Ratio to_days_;    // from -> D (linear source, calendar target)
};

}  // namespace ndbridge::kernels
