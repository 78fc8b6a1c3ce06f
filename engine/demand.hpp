// lc15 engine — who a category serves (its demand group) and the places it needs.
//
//   DemandRule kg{"aged_3_6", 0.0231, 1000, "census", 270, "assumed: 9 classes x 30"};
//   if (kg.enabled()) { ... engine/capacity.hpp measures places against kg ... }
//
// A light header (no Eigen) for the rule sets in io/config.hpp; the computation is in
// engine/capacity.hpp. Semantics: demand of a home = population x share; a facility whose
// capacity no source gives has default_capacity places (flagged assumed in the outputs), or
// none when the default is NaN. Thread safety: plain values.
#pragma once

#include <limits>
#include <string>

namespace lc15 {

/// Who a category serves and how many places it needs. A category without a demand group
/// (group empty) has no place figures.
struct DemandRule {
    std::string group;              ///< "aged_3_6", "aged_60_plus", "everyone", ...
    double share = 0;               ///< of each home's population, 0..1
    double places_per_1000 = 1000;  ///< places needed per 1,000 persons of the group
    std::string source;             ///< where the share and the target come from
    /// Places of a facility whose capacity no source gives (NaN: none; such facilities then
    /// count 0 places and are reported).
    double default_capacity = std::numeric_limits<double>::quiet_NaN();
    std::string capacity_source;  ///< the clause of the default, or why it is assumed
    bool enabled() const { return !group.empty(); }
};

enum class Decay { kNone, kGaussian };

}  // namespace lc15
