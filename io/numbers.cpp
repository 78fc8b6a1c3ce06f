#include "io/numbers.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/error.hpp"

namespace lc15::io {

std::string number_text(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

namespace {

// The reason `v` is refused, or "" when it is accepted.
std::string reason(double v, const Range& r) {
    if (std::isnan(v)) return "is nan, not a finite number";
    if (std::isinf(v)) return "is " + number_text(v) + ", not a finite number";
    if (r.contains(v)) return {};
    if (v < 0 && r.lo >= 0) return "is negative";
    return "is out of range";
}

std::optional<double> parse_all(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    if (b < e && s[b] == '+') ++b;
    if (b == e) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data() + b, s.data() + e, v);
    // from_chars reads "nan" and "inf" too: kept, so that the message can say which it was.
    if (end != s.data() + e) return std::nullopt;
    if (ec == std::errc::result_out_of_range) return std::signbit(v) ? -HUGE_VAL : HUGE_VAL;
    if (ec != std::errc()) return std::nullopt;
    return v;
}

}  // namespace

bool Range::contains(double v) const {
    if (!std::isfinite(v)) return false;
    const bool lo_ok = lo_open ? v > lo : v >= lo;
    const bool hi_ok = hi_open ? v < hi : v <= hi;
    return lo_ok && hi_ok;
}

std::string Range::text() const {
    std::string s = std::string(lo_open ? "(" : "[") + number_text(lo) + ", " + number_text(hi) +
                    (hi_open ? ")" : "]");
    if (!unit.empty()) s += " " + unit;
    return s;
}

double check_number(double v, const Range& r, const std::string& where, const std::string& name,
                    const std::string& fix) {
    const std::string why = reason(v, r);
    if (why.empty()) return v;
    throw InputError(
        where, "'" + name + "' = " + number_text(v) + " " + why + " (allowed: " + r.text() + ")",
        fix.empty() ? "give " + name + " as a number in " + r.text() : fix);
}

double parse_number(std::string_view text, const Range& r, const std::string& where,
                    const std::string& name, const std::string& fix) {
    const std::optional<double> v = parse_all(text);
    if (!v) {
        throw InputError(where,
                         "'" + name + "' = '" + std::string(text) +
                             "' is not a number (allowed: " + r.text() + ")",
                         fix.empty() ? "give " + name + " as a number in " + r.text() : fix);
    }
    return check_number(*v, r, where, name, fix);
}

std::optional<double> try_parse_number(std::string_view text, const Range& r, std::string* why) {
    const std::optional<double> v = parse_all(text);
    if (!v) {
        if (why) *why = "is not a number";
        return std::nullopt;
    }
    const std::string w = reason(*v, r);
    if (!w.empty()) {
        if (why) *why = w + " " + r.text();
        return std::nullopt;
    }
    return v;
}

int check_int(double v, int lo, int hi, const std::string& where, const std::string& name,
              const std::string& fix) {
    const Range r = Range::closed(lo, hi);
    check_number(v, r, where, name, fix);
    if (v != std::floor(v)) {
        throw InputError(where, "'" + name + "' = " + number_text(v) + " is not a whole number",
                         fix.empty() ? "give " + name + " as a whole number in " + r.text() : fix);
    }
    return static_cast<int>(v);
}

}  // namespace lc15::io
