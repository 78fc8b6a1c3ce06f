// lc15 engine — the network indicators of a plan, per community: street density (walking
// network and roads open to vehicles), intersection density, dead ends, block size and the
// share of walkable length inside gated compounds (docs/METHOD.md, "Network indicators").
//
//   NetworkInputs in;
//   in.graph = &graph;
//   in.road_edge = road;            // per edge: 1 = open to motor vehicles (io knows the tags)
//   in.cut_vertices = cut;          // vertices where the extract cut a street
//   in.bounds = {minlon, minlat, maxlon, maxlat};
//   NetworkReport r = network_metrics(in, community_polygons);
//   r.communities[i].walk_density();   // km of walkable street per km² of community i
//   std::vector<VertexId> ends = dead_end_vertices(in);   // what `lc15 deadends` opens
//
// Semantics:
//  * Lengths are clipped to each community polygon exactly (segment by segment, in the local
//    plane; haversine lengths); the walking figure counts every walkable edge, the road figure
//    only edges marked in road_edge, the gated length edges flagged kEdgePrivate.
//  * The degree of a vertex is its number of edge ends (a loop counts twice), over edges not
//    carrying ignored_flags. Intersections: degree >= 3. Dead ends: degree 1, except where the
//    extract ends — a cut vertex, or one within edge_margin_m of the extract's bounds. Each is
//    counted in every community whose polygon holds the vertex.
//  * Blocks are the bounded faces of the road network taken as a plane graph (edges ordered
//    by angle round each vertex, faces traced with the face on the left, area by the shoelace
//    formula on the edge shapes); a block belongs to the communities holding its centroid. Roads
//    that cross without a shared node (bridges) make faces overlap: the figure is a plane one.
//  * City figures are the sums over the communities (areas, lengths, counts, blocks): the
//    communities are taken not to overlap.
// Cost: O(segments x ring vertices of the communities whose box a segment meets) for the
// lengths, O(E log deg) for the faces. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/graph.hpp"
#include "engine/polygon.hpp"

namespace lc15 {

struct NetworkInputs {
    const WalkGraph* graph = nullptr;
    /// Per edge, nonzero when the street is open to motor vehicles; empty = no road network.
    std::span<const std::uint8_t> road_edge;
    /// Vertices where the extract cut a street (any order, repeats allowed).
    std::span<const VertexId> cut_vertices;
    /// The extract: min lon, min lat, max lon, max lat.
    std::array<double, 4> bounds{-180, -90, 180, 90};
    /// A degree-1 vertex closer than this to the bounds is the extract's edge, not a dead end.
    double edge_margin_m = 30.0;
    /// Edges carrying any of these flags are not counted (closed by a scenario; a compound's
    /// home and gate ways, which are no streets).
    std::uint8_t ignored_flags = kEdgeClosed | kEdgeCompound;
};

struct NetworkMetrics {
    double area_km2 = 0;
    double walk_km = 0;               ///< walkable street inside the area
    double road_km = 0;               ///< of which open to motor vehicles
    double gated_km = 0;              ///< of which flagged kEdgePrivate (gated compounds)
    std::uint32_t intersections = 0;  ///< vertices of degree >= 3
    std::uint32_t dead_ends = 0;      ///< vertices of degree 1 that are not the extract's edge
    std::uint32_t extract_ends = 0;   ///< vertices of degree 1 at the extract's edge
    std::uint32_t blocks = 0;         ///< road-network faces whose centroid lies inside
    double block_area_km2 = 0;        ///< their total area

    double walk_density() const { return area_km2 > 0 ? walk_km / area_km2 : 0; }
    double road_density() const { return area_km2 > 0 ? road_km / area_km2 : 0; }
    double intersection_density() const { return area_km2 > 0 ? intersections / area_km2 : 0; }
    double dead_end_density() const { return area_km2 > 0 ? dead_ends / area_km2 : 0; }
    /// Mean block in hectares; -1 when no block lies inside.
    double mean_block_ha() const { return blocks > 0 ? block_area_km2 * 100.0 / blocks : -1; }
    /// Gated share of the walkable length; 0 without streets.
    double gated_share() const { return walk_km > 0 ? gated_km / walk_km : 0; }
};

struct NetworkReport {
    std::vector<NetworkMetrics> communities;  ///< indexed like the polygons
    NetworkMetrics city;                      ///< sums over the communities
};

/// Degree of every vertex over edges without ignored_flags (a loop counts twice).
std::vector<std::uint32_t> vertex_degrees(const WalkGraph& g, std::uint8_t ignored_flags);

/// Whether vertex v is the extract's edge (a cut vertex or within edge_margin_m of bounds).
bool at_extract_edge(const NetworkInputs& in, VertexId v);

/// Every dead end of the graph (degree 1, not the extract's edge), ascending.
std::vector<VertexId> dead_end_vertices(const NetworkInputs& in);

/// The indicators per community polygon and for all of them together.
NetworkReport network_metrics(const NetworkInputs& in, const std::vector<MultiPolygon>& areas);

/// Length (m) of segment a-b inside the polygon (exact in the local plane).
double length_inside(const MultiPolygon& mp, LonLat a, LonLat b);

}  // namespace lc15
