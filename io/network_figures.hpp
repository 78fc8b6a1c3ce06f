// lc15 io — the network indicators of a loaded city (engine/network_metrics.hpp fed from OSM).
//
//   NetworkFigures f = network_figures(city);
//   f.report.communities[i].walk_density();      // per community, like CoverageReport
//   f.report.city;                               // all communities together
//
// The one place the coverage outputs, the maps and the planner's page take these figures
// from, so that none computes them twice. The road network is OsmData::road_ways, the
// extract's edge OsmData::cut_nodes and the city's bounds (the config's bbox, else the
// walking graph's), the polygons the city's communities.
// Cost: that of network_metrics (Monaco: a few ms). Thread safety: pure.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/network_metrics.hpp"
#include "io/city.hpp"

namespace lc15::io {

struct NetworkFigures {
    std::vector<std::uint8_t> road_edge;  ///< per edge of city.osm.graph
    std::vector<VertexId> cut_vertices;   ///< sorted
    std::array<double, 4> bounds{};
    NetworkReport report;
    /// Inputs for the engine's functions (borrows from this object and the city's graph).
    NetworkInputs inputs(const WalkGraph& g) const;
};

/// The network inputs of the city (road edges, cut vertices, bounds) without the report.
NetworkFigures network_inputs(const City& city);
/// The inputs and the report per community.
NetworkFigures network_figures(const City& city);

}  // namespace lc15::io
