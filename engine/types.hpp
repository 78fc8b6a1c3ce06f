// lc15 engine — basic types.
//
// Ids are dense 32-bit indices (RoutingKit style) with one named invalid value; 64-bit OSM ids
// stop at the io/ boundary (the engine only keeps them as opaque "source ids" for reporting).
// Distances are integer centimetres: exact to add, compare and reproduce on any thread count.
// A walk across a whole city is < 10^7 cm, far below the 2^31 headroom asserted by the search.
#pragma once

#include <cstdint>
#include <limits>

namespace lc15 {

using VertexId = std::uint32_t;     ///< index into the walking graph's vertices
using ArcId = std::uint32_t;        ///< index of a directed arc in the CSR arrays
using EdgeId = std::uint32_t;       ///< index of an undirected street edge (two arcs)
using FacilityId = std::uint32_t;   ///< index into a category's facility list
using HomeId = std::uint32_t;       ///< index into the homes (where people live)
using StopId = std::uint32_t;       ///< index into the bus stops
using CommunityId = std::uint32_t;  ///< index into the communities

inline constexpr std::uint32_t kInvalidId = std::numeric_limits<std::uint32_t>::max();

/// Distance in centimetres.
using Distance = std::uint32_t;
inline constexpr Distance kInfDistance = std::numeric_limits<Distance>::max();
/// Largest distance a search may reach; leaves headroom so that d + arc never overflows.
inline constexpr Distance kMaxSearchDistance = (Distance{1} << 31) - 1;

inline constexpr Distance metres_to_cm(double m) { return static_cast<Distance>(m * 100.0 + 0.5); }
inline constexpr double cm_to_metres(Distance d) { return static_cast<double>(d) / 100.0; }

/// Per-edge flags. A search or snapper can be told to skip edges carrying some of them.
enum EdgeFlag : std::uint8_t {
    kEdgeSteps = 1u << 0,       ///< highway=steps or step_count: not barrier-free
    kEdgePrivate = 1u << 1,     ///< access=private (e.g. gated residential compound)
    kEdgeBarrier = 1u << 2,     ///< other obstacle for wheelchairs (kerb, rough surface)
    kEdgeArtificial = 1u << 3,  ///< added by a scenario (footbridge, opened gate)
    kEdgeClosed = 1u << 4,      ///< closed by a scenario
    /// A home's way to its compound's gates, or a gate's to the street (engine/compounds.hpp):
    /// walked, never snapped onto.
    kEdgeCompound = 1u << 5,
};

}  // namespace lc15
