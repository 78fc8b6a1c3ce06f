// lc15 io — the walking profile: which OSM ways a pedestrian may use.
//
// Walkability is a pure, table-driven function of a way's tags: a static table gives each
// highway=* value its rule (walk, walk only with foot=yes/designated/permissive, never,
// under construction), then foot=, access= and construction= refine it. Every verdict carries
// a reason, so `lc15 inspect` can count exclusions by reason.
//
//   WayTags t{.highway = "steps"};
//   WayVerdict v = classify_way(t, WalkingProfile{});   // v.walkable, v.flags == kEdgeSteps
//   ProfileReport r; r.add(v, length_m);
//
// Rules (tested tag by tag in tests/test_osm_profile.cpp):
//   walk:        footway path pedestrian steps living_street residential service unclassified
//                tertiary(_link) secondary(_link) primary(_link) track cycleway corridor
//   foot needed: bridleway trunk trunk_link (foot=yes|designated|permissive)
//   never:       motorway motorway_link; highway=construction|proposed (and construction=*)
//   any way:     foot=no excludes; access=no excludes unless foot allows; access=private (or
//                foot=private) is walkable by default and flagged kEdgePrivate, or excluded when
//                WalkingProfile::private_walkable is false; highway=steps is flagged kEdgeSteps.
//   Values not in the table (raceway, bus_guideway, ...) are excluded as "highway=other".
// Cost: a handful of string comparisons. Pure function; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lc15::io {

/// The tags the profile looks at (empty when absent).
struct WayTags {
    std::string_view highway{};
    std::string_view foot{};
    std::string_view access{};
    std::string_view construction{};
    std::string_view area{};
};

/// Why a way is (not) walkable.
enum class WayReason : std::uint8_t {
    kWalkable = 0,
    kNotHighway,            ///< no highway=* tag: not a street at all (not counted as excluded)
    kMotorway,              ///< highway=motorway(_link)
    kTrunkWithoutFoot,      ///< highway=trunk(_link) without foot=yes/designated
    kBridlewayWithoutFoot,  ///< highway=bridleway without foot=yes/designated
    kFootNo,                ///< foot=no
    kAccessNo,              ///< access=no without foot=yes/designated
    kConstruction,          ///< highway=construction|proposed, or construction=*
    kPrivateExcluded,       ///< access=private while the profile excludes private roads
    kOtherHighway,          ///< a highway value pedestrians do not use (raceway, bus_guideway...)
};
inline constexpr std::size_t kNumWayReasons = 10;

/// Short stable name of a reason ("foot=no", "motorway", ...), for reports.
const char* reason_name(WayReason r);

struct WalkingProfile {
    /// access=private ways (gated residential compounds) are walkable and flagged kEdgePrivate;
    /// set false to drop them from the graph.
    bool private_walkable = true;
};

struct WayVerdict {
    bool walkable = false;
    std::uint8_t flags = 0;  ///< EdgeFlag bits (kEdgeSteps, kEdgePrivate)
    WayReason reason = WayReason::kNotHighway;
};

/// The verdict on one way. Pure.
WayVerdict classify_way(const WayTags& tags, const WalkingProfile& profile);

/// Counts over all ways of an extract.
struct ProfileReport {
    std::uint64_t walkable_ways = 0;
    double walkable_km = 0.0;
    std::uint64_t steps_ways = 0;
    std::uint64_t private_ways = 0;      ///< walkable ways flagged kEdgePrivate
    std::uint64_t private_excluded = 0;  ///< access=private ways dropped by the profile
    std::array<std::uint64_t, kNumWayReasons> excluded{};  ///< highway ways, by reason
    std::uint64_t excluded_total() const;
    /// Adds one way's verdict; length_m counts only for walkable ways.
    void add(const WayVerdict& v, double length_m);
};

}  // namespace lc15::io
