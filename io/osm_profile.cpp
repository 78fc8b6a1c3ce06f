#include "io/osm_profile.hpp"

#include <numeric>

#include "engine/types.hpp"

namespace lc15::io {
namespace {

enum class Rule : std::uint8_t { kWalk, kNeedsFoot, kNever, kConstruction };

struct HighwayRule {
    std::string_view value;
    Rule rule;
    WayReason reason_if_refused;
};

// The highway table. Sorted by nothing in particular: 27 entries, a linear scan is cheap.
constexpr std::array<HighwayRule, 27> kHighways{{
    {"footway", Rule::kWalk, WayReason::kWalkable},
    {"path", Rule::kWalk, WayReason::kWalkable},
    {"pedestrian", Rule::kWalk, WayReason::kWalkable},
    {"steps", Rule::kWalk, WayReason::kWalkable},
    {"living_street", Rule::kWalk, WayReason::kWalkable},
    {"residential", Rule::kWalk, WayReason::kWalkable},
    {"service", Rule::kWalk, WayReason::kWalkable},
    {"unclassified", Rule::kWalk, WayReason::kWalkable},
    {"tertiary", Rule::kWalk, WayReason::kWalkable},
    {"tertiary_link", Rule::kWalk, WayReason::kWalkable},
    {"secondary", Rule::kWalk, WayReason::kWalkable},
    {"secondary_link", Rule::kWalk, WayReason::kWalkable},
    {"primary", Rule::kWalk, WayReason::kWalkable},
    {"primary_link", Rule::kWalk, WayReason::kWalkable},
    {"track", Rule::kWalk, WayReason::kWalkable},
    {"cycleway", Rule::kWalk, WayReason::kWalkable},
    {"corridor", Rule::kWalk, WayReason::kWalkable},
    {"bridleway", Rule::kNeedsFoot, WayReason::kBridlewayWithoutFoot},
    {"trunk", Rule::kNeedsFoot, WayReason::kTrunkWithoutFoot},
    {"trunk_link", Rule::kNeedsFoot, WayReason::kTrunkWithoutFoot},
    {"motorway", Rule::kNever, WayReason::kMotorway},
    {"motorway_link", Rule::kNever, WayReason::kMotorway},
    {"construction", Rule::kConstruction, WayReason::kConstruction},
    {"proposed", Rule::kConstruction, WayReason::kConstruction},
    {"raceway", Rule::kNever, WayReason::kOtherHighway},
    {"bus_guideway", Rule::kNever, WayReason::kOtherHighway},
    {"busway", Rule::kNever, WayReason::kOtherHighway},
}};

bool foot_allowed(std::string_view foot) {
    return foot == "yes" || foot == "designated" || foot == "permissive";
}

}  // namespace

const char* reason_name(WayReason r) {
    switch (r) {
        case WayReason::kWalkable:
            return "walkable";
        case WayReason::kNotHighway:
            return "not a highway";
        case WayReason::kMotorway:
            return "motorway";
        case WayReason::kTrunkWithoutFoot:
            return "trunk without foot=yes";
        case WayReason::kBridlewayWithoutFoot:
            return "bridleway without foot=yes";
        case WayReason::kFootNo:
            return "foot=no";
        case WayReason::kAccessNo:
            return "access=no";
        case WayReason::kConstruction:
            return "construction/proposed";
        case WayReason::kPrivateExcluded:
            return "access=private (excluded by profile)";
        case WayReason::kOtherHighway:
            return "highway=other";
    }
    return "?";
}

WayVerdict classify_way(const WayTags& t, const WalkingProfile& profile) {
    WayVerdict v;
    if (t.highway.empty()) return v;  // kNotHighway
    const HighwayRule* rule = nullptr;
    for (const HighwayRule& r : kHighways) {
        if (r.value == t.highway) {
            rule = &r;
            break;
        }
    }
    auto refuse = [&](WayReason why) {
        v.walkable = false;
        v.reason = why;
        return v;
    };
    if (rule == nullptr) return refuse(WayReason::kOtherHighway);
    if (rule->rule == Rule::kNever || rule->rule == Rule::kConstruction) {
        return refuse(rule->reason_if_refused);
    }
    if (!t.construction.empty() && t.construction != "no") return refuse(WayReason::kConstruction);
    if (t.foot == "no") return refuse(WayReason::kFootNo);
    const bool foot_ok = foot_allowed(t.foot);
    if (rule->rule == Rule::kNeedsFoot && !foot_ok) return refuse(rule->reason_if_refused);
    if (t.access == "no" && !foot_ok) return refuse(WayReason::kAccessNo);
    const bool is_private = t.foot == "private" || (t.access == "private" && !foot_ok);
    if (is_private) {
        if (!profile.private_walkable) return refuse(WayReason::kPrivateExcluded);
        v.flags |= kEdgePrivate;
    }
    if (t.highway == "steps") v.flags |= kEdgeSteps;
    v.walkable = true;
    v.reason = WayReason::kWalkable;
    return v;
}

std::uint64_t ProfileReport::excluded_total() const {
    return std::accumulate(excluded.begin(), excluded.end(), std::uint64_t{0});
}

void ProfileReport::add(const WayVerdict& v, double length_m) {
    if (v.walkable) {
        ++walkable_ways;
        walkable_km += length_m / 1000.0;
        if (v.flags & kEdgeSteps) ++steps_ways;
        if (v.flags & kEdgePrivate) ++private_ways;
        return;
    }
    if (v.reason == WayReason::kNotHighway) return;
    ++excluded[static_cast<std::size_t>(v.reason)];
    if (v.reason == WayReason::kPrivateExcluded) ++private_excluded;
}

}  // namespace lc15::io
