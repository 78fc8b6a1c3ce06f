// lc15 engine — snapping points onto the walking graph.
//
// A point (home, facility, stop) joins the network at the nearest point of the nearest
// walkable segment, not at the nearest vertex: it lies along edge e at distance off_tail from
// e's tail and off_head from its head, reached from the point by a straight access leg.
//
//   Snapper snapper(graph);                       // builds a grid index over all segments
//   SnapResult s = snapper.snap({lon, lat}, 200.0);
//   if (s.ok()) { auto src = s.sources(label); }  // two SearchSources for the search
//
// Candidates are the few segments nearest by planar distance in a flat projection about
// vertex 0 (a little off far from it: 0.44 % across a country-size extract), found exactly
// (ties by segment order) in a uniform grid of square cells over the segments' bounding box:
// each segment is listed in the cells its line passes through, and a query visits rings of
// cells about the point's cell until no unvisited cell can hold anything nearer. The cell
// side follows the density of the occupied part of the extract (about two segments a cell),
// with at most four cells per segment however empty the rest of the box. The final ranking of
// the nearest few is by the true (haversine) distance in whole centimetres, each foot point
// found in a projection about the query point, ties by segment order, so the answer depends
// on neither the grid nor floating-point noise.
//
// Islands: a component of the graph that does not connect to the main network (an inner ring
// of a plaza, a parking aisle) makes every point snapped onto it unreachable. With an
// IslandRule (set_island_rule) a point is snapped onto the main network — the largest
// component and every component with at least main_component_m of street — unless its
// nearest street is an island within keep_island_m and the main network lies farther than
// far_main_m (a courtyard that really is closed off); on_island() then says so, for the
// caller to report. Without a rule (the default) the nearest segment wins, as before.
//
// Cost: building O(S + C) for S segments and C cells (C <= 4 S; plus O(V + E) components
// with a rule); a query visits the cells within about the distance of the few nearest
// segments, O(1) where the street network is even, more for a point far from every street
// (a point far outside the extract walks rings out to it). Thread safety: snap() is const and
// may be called from many threads at once; set_island_rule() may not run concurrently with
// anything.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/graph.hpp"
#include "engine/search.hpp"

namespace lc15 {

struct SnapResult {
    EdgeId edge = kInvalidId;
    Distance off_tail = 0;  ///< along the edge from its tail to the snapped point (cm)
    Distance off_head = 0;  ///< along the edge from the snapped point to its head (cm)
    Distance access = 0;    ///< straight-line from the point to the snapped point (cm)
    LonLat on_edge{};       ///< the snapped point
    bool ok() const { return edge != kInvalidId; }

    /// The two ways into the graph; `with_access` adds the access leg to both offsets.
    std::array<SearchSource, 2> sources(const WalkGraph& g, std::uint32_t label,
                                        bool with_access) const {
        const Distance acc = with_access ? access : 0;
        return {SearchSource{g.edge_tail(edge), off_tail + acc, label},
                SearchSource{g.edge_head(edge), off_head + acc, label}};
    }
    /// Network distance to this point, given the distances of the edge's ends from a search.
    Distance distance_from(const WalkGraph& g, const MultiSourceDijkstra& s,
                           bool with_access) const {
        const Distance dt = s.distance(g.edge_tail(edge)), dh = s.distance(g.edge_head(edge));
        Distance best = kInfDistance;
        if (dt != kInfDistance) best = dt + off_tail;
        if (dh != kInfDistance) best = std::min<Distance>(best, dh + off_head);
        if (best == kInfDistance) return best;
        return with_access ? best + access : best;
    }
};

/// Distance along one edge between the points at these offsets from its tail.
inline Distance along_edge(Distance off_tail_a, Distance off_tail_b) {
    return off_tail_a > off_tail_b ? off_tail_a - off_tail_b : off_tail_b - off_tail_a;
}

/// Distance along the network between two points snapped onto the same edge (not via ends).
inline Distance same_edge_distance(const SnapResult& a, const SnapResult& b, bool with_access) {
    return along_edge(a.off_tail, b.off_tail) + (with_access ? a.access + b.access : 0);
}

struct IslandRule {
    double main_component_m = 1000.0;  ///< components with this much street are "main" too
    double keep_island_m = 10.0;       ///< an island this near is kept when the main is far
    double far_main_m = 50.0;          ///< ... i.e. farther than this
};

class Snapper {
  public:
    /// Indexes every segment of g whose edge carries none of `forbidden_flags` (and never a
    /// kEdgeCompound way: those lead into a compound only through its gates).
    explicit Snapper(const WalkGraph& g, std::uint8_t forbidden_flags = 0);
    ~Snapper();
    Snapper(Snapper&&) noexcept;
    Snapper& operator=(Snapper&&) noexcept;

    /// Nearest point on an allowed segment within max_metres; !ok() when there is none. With
    /// an island rule, on the main network unless the rule keeps the island (see above).
    SnapResult snap(LonLat p, double max_metres) const;
    /// As snap() without an island rule: the nearest allowed street, on an island or not.
    SnapResult snap_nearest(LonLat p, double max_metres) const;
    /// Makes snap() component-aware (computes the graph's components once).
    void set_island_rule(const IslandRule& rule);
    bool has_island_rule() const;
    const IslandRule& island_rule() const;
    /// The edge lies off the main network (false for every edge without an island rule).
    bool on_island(EdgeId e) const;
    /// Distance (m) to the nearest allowed segment regardless of any limit (inf if none).
    double nearest_metres(LonLat p) const;
    /// The first shape point of each of the k segments nearest to p by planar distance in the
    /// flat index, nearest first, ties by shape index: what snap() re-ranks (k = 8). With
    /// main_only and an island rule, only segments on the main network.
    std::vector<std::uint32_t> nearest_segments(LonLat p, unsigned k, bool main_only = false) const;
    const WalkGraph& graph() const { return *g_; }
    /// The graph it indexes now lives in `g` (moved there with its owner): the index, which
    /// holds nothing of the graph's storage, stays as it is. `g` must hold the same graph.
    void rebind(const WalkGraph& g) { g_ = &g; }

  private:
    struct Index;
    SnapResult snap(LonLat p, double max_metres, bool island_rule) const;
    const WalkGraph* g_;
    std::uint8_t forbidden_ = 0;
    std::unique_ptr<Index> index_;
};

}  // namespace lc15
