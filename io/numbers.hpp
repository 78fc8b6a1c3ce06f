// lc15 io — one checked reader for every number read from an input.
//
//   const double snap = check_number(v, Range::closed(1, 5000, "m"), "city.toml:12:1",
//                                    "max_snap_m");            // v, or throws InputError
//   const double pop = parse_number(cell, Range::closed(0, 1e8), "pop.csv:14", "population");
//   std::optional<double> lv = try_parse_number(tag, Range::closed(0, 200), &why);  // warn
//
// Semantics: a number is accepted only when it is finite (no NaN, no ±inf — what pandas and
// spreadsheets write for a missing value) and inside its stated range; anything else is an
// InputError that names the place, the name, the value and the range, and says how to fix it.
// A negative value where only non-negative ones are allowed is called "negative", a value
// that is not a number at all "not a number". parse_number reads the whole text (spaces
// around it allowed, a leading '+' too) with std::from_chars, so "12abc" and "" are refused
// and the result does not depend on the locale.
//
// Cost: a few comparisons; parsing is from_chars. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lc15::io {

/// An interval a number must lie in; an open end excludes its bound.
struct Range {
    double lo = 0, hi = 0;
    bool lo_open = false, hi_open = false;
    std::string unit;  ///< printed after the bounds ("m", "min"); may be empty

    static Range closed(double lo, double hi, std::string unit = {}) {
        return {lo, hi, false, false, std::move(unit)};
    }
    /// (lo, hi]: e.g. a radius that must be positive.
    static Range above(double lo, double hi, std::string unit = {}) {
        return {lo, hi, true, false, std::move(unit)};
    }
    bool contains(double v) const;
    /// "[0, 100]", "(0, 5000] m".
    std::string text() const;
};

/// A number as the messages about numbers show it: up to 10 significant digits ("10", "7.5",
/// "1e+12"), "nan", "inf", "-inf".
std::string number_text(double v);

/// Returns `v` when finite and in `r`; else throws InputError(where, "'<name>' = <v> is ...",
/// fix) — `fix` defaults to "give <name> as a number in <range>".
double check_number(double v, const Range& r, const std::string& where, const std::string& name,
                    const std::string& fix = {});

/// Parses all of `text` as a number and checks it like check_number ("not a number" when it
/// does not parse).
double parse_number(std::string_view text, const Range& r, const std::string& where,
                    const std::string& name, const std::string& fix = {});

/// The same without throwing: nullopt, with the reason in *why ("is negative", "is nan, not a
/// finite number", "is not a number", "is out of range"), followed by the range, when given.
std::optional<double> try_parse_number(std::string_view text, const Range& r,
                                       std::string* why = nullptr);

/// A whole number in [lo, hi] from a double (TOML integers and floats alike): refuses
/// fractions, NaN and values out of range (e.g. 1e12 for an int) naming the range.
int check_int(double v, int lo, int hi, const std::string& where, const std::string& name,
              const std::string& fix = {});

}  // namespace lc15::io
