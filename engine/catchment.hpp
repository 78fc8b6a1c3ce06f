// lc15 engine — bus stop catchment: the three 500 m figures, the gap list, service areas.
//
// STANDARDS.md "Bus stop coverage" asks for three figures side by side, per community and for
// the city (docs/TRANSIT.md):
//  (a) land:      share of residential land within radius_m in a straight line of a stop — the
//                 official indicator (GB 50220-95 §3.3.3, 公交都市). Computed by sampling the
//                 land on a grid of land_grid_m (default 10 m) cell centres: the error is of the
//                 order of (perimeter × cell / area), < 1 % for blocks above ~2 ha, and it is a
//                 sampling error that cancels over a city.
//  (b) straight:  share of population within radius_m in a straight line of a stop;
//  (c) walk:      share of population within radius_m walking along the network (the honest
//                 one): one multi-source bounded walk from every stop, with both access legs.
// Gaps: homes not covered by (c), grouped into square cells of gap_cell_m, with population,
// centroid, and the walking distance to the nearest stop, most people first.
//
//   std::vector<CatchmentHome> homes{{pos, snapper.snap(pos, 200), 120.0, community}, ...};
//   CatchmentResult r = compute_catchment(graph, stop_pos, stop_snaps, homes, land,
//                                         num_communities, CatchmentOptions{});
//   r.city.land_share; r.city.straight_share; r.city.walk_share; r.gaps.front();
//   ServiceArea area = walking_service_area(graph, stop_snaps, CatchmentOptions{});
//   for (const ServiceAreaTile& t : area.tiles) draw(t.area);
//
// Cost: land sampling O(land area / cell² × polygon vertices), parallel over polygons; one
// walk O(V log V); service area: O(n log n) in the reached street pieces — Clipper buffers
// the pieces near each square tile and keeps the part inside the tile, parallel over tiles; no
// city-wide union (which grew 57× for a 10× city).
// Thread safety: pure functions (oneTBB inside); results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/graph.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"

namespace lc15 {

struct CatchmentOptions {
    double radius_m = 500;             ///< inclusive
    double land_grid_m = 10;           ///< sampling cell for (a)
    bool access_legs = true;           ///< straight legs from homes and stops to the street
    std::uint8_t forbidden_flags = 0;  ///< e.g. kEdgeSteps for the barrier-free profile
    double gap_cell_m = 200;           ///< cluster size of the gap list
    double gap_search_m = 3000;        ///< walking distance to the nearest stop reported up to this
    double buffer_m = 30;              ///< half-width of the walked streets in service areas
};

struct CatchmentHome {
    LonLat pos;
    SnapResult snap;  ///< !ok(): not on the network (never covered by walking)
    double population = 0;
    CommunityId community = kInvalidId;  ///< kInvalidId: counted for the city only
};

/// Residential land (landuse=residential, a planner's 居住用地) of one community.
struct ResidentialLand {
    MultiPolygon area;
    CommunityId community = kInvalidId;
};

struct CatchmentFigures {
    double land_m2 = 0, land_covered_m2 = 0, land_share = 0;             ///< (a)
    double population = 0, straight_population = 0, straight_share = 0;  ///< (b)
    double walk_population = 0, walk_share = 0;                          ///< (c)
};

struct CatchmentGap {
    LonLat centroid;  ///< population-weighted
    double population = 0;
    std::uint32_t homes = 0;
    double walk_to_stop_m = -1;          ///< nearest stop by walking from the cell's nearest home;
                                         ///< -1 beyond gap_search_m or off the network
    CommunityId community = kInvalidId;  ///< the community holding most of its people
};

struct CatchmentResult {
    std::vector<CatchmentFigures> communities;  ///< indexed by CommunityId
    CatchmentFigures city;                      ///< everything, incl. homes of no community
    std::vector<double> straight_m;  ///< per home: straight line to the nearest stop (m, inf)
    std::vector<double>
        walk_m;  ///< per home: walk to the nearest stop (m, inf beyond gap_search_m)
    std::vector<CatchmentGap> gaps;  ///< uncovered by walking, most people first
};

/// The three figures per community and for the city, and the gap list. stop_pos and
/// stop_snaps are parallel (a stop with !ok() counts for straight lines only).
CatchmentResult compute_catchment(const WalkGraph& g, std::span<const LonLat> stop_pos,
                                  std::span<const SnapResult> stop_snaps,
                                  std::span<const CatchmentHome> homes,
                                  std::span<const ResidentialLand> land,
                                  std::uint32_t num_communities, const CatchmentOptions& options);

/// Share of the land within radius_m (straight line) of any of the points: (a) alone.
/// Returns {land m², covered m²} by grid sampling.
std::pair<double, double> land_within(const MultiPolygon& land, std::span<const LonLat> points,
                                      const CatchmentOptions& options);

/// One square tile of a walking service area and the part of the area inside it.
struct ServiceAreaTile {
    std::int32_t x = 0, y = 0;  ///< the square [x, x + 1) × [y, y + 1) × ServiceArea::tile_m
    MultiPolygon area;          ///< valid (OGC) on its own; never empty
};

/// The walking catchment cut into square tiles: tiles meet only along their edges, so the
/// tiles' areas add up to the area of the whole and a point is in the service area iff it is in
/// one tile's polygons. The pieces are not merged: a city-wide union is superlinear. Draw
/// them in one path (shared edges leave no seam); a GIS merges them with Dissolve.
struct ServiceArea {
    /// Side of the tiles (m), in a local projection whose origin is the graph's first vertex.
    static constexpr double kTileM = 500;
    /// Largest gap (m) between a round end or join and its true circle: 17 points per circle of
    /// a 30 m buffer, whose area is then 0.06 % short of the exact buffer's.
    static constexpr double kArcToleranceM = 0.5;
    std::vector<ServiceAreaTile> tiles;  ///< by y, then x; tiles the area does not enter left out
    bool empty() const { return tiles.empty(); }
};

/// One reached stretch of street, in metres of the local projection whose origin is the
/// graph's first vertex (x east, y north).
using ServiceLine = std::vector<std::pair<double, double>>;

/// The parts of streets within radius_m walking of a stop (as compute_catchment measures it),
/// as polylines: each edge's reached stretches, joined end to end at a vertex where the street
/// runs on with a turn of at most 60° (straightest first). A piece reached only at a point is a
/// 1 cm line. A closed loop ends at its first point.
std::vector<ServiceLine> walking_lines(const WalkGraph& g, std::span<const SnapResult> stop_snaps,
                                       const CatchmentOptions& options);

/// The walking catchment as polygons: the parts of streets within radius_m of a stop, each
/// buffered by buffer_m (Clipper, in centimetres of a local projection), in WGS84, as tiles.
/// Identical as a set to the union of the buffers of walking_lines(): each segment is buffered in
/// every tile whose square, grown by the buffer, meets the segment's bounding box (consecutive
/// segments as one line), and each tile keeps only what lies in its own square.
ServiceArea walking_service_area(const WalkGraph& g, std::span<const SnapResult> stop_snaps,
                                 const CatchmentOptions& options);

}  // namespace lc15
