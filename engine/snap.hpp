// lc15 engine — snapping points onto the walking graph.
//
// A point (home, facility, stop) joins the network at the nearest point of the nearest
// walkable segment, not at the nearest vertex: it lies along edge e at distance off_tail from
// e's tail and off_head from its head, reached from the point by a straight access leg.
//
//   Snapper snapper(graph);                       // builds an R-tree over all segments
//   SnapResult s = snapper.snap({lon, lat}, 200.0);
//   if (s.ok()) { auto src = s.sources(label); }  // two SearchSources for the search
//
// Cost: building O(S log S) for S segments; a query O(log S). Thread safety: snap() is const
// and may be called from many threads at once.
#pragma once

#include <array>
#include <memory>

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

/// Distance along the network between two points snapped onto the same edge (not via ends).
inline Distance same_edge_distance(const SnapResult& a, const SnapResult& b, bool with_access) {
    const Distance along =
        a.off_tail > b.off_tail ? a.off_tail - b.off_tail : b.off_tail - a.off_tail;
    return along + (with_access ? a.access + b.access : 0);
}

class Snapper {
  public:
    /// Indexes every segment of g whose edge carries none of `forbidden_flags`.
    explicit Snapper(const WalkGraph& g, std::uint8_t forbidden_flags = 0);
    ~Snapper();
    Snapper(Snapper&&) noexcept;
    Snapper& operator=(Snapper&&) noexcept;

    /// Nearest point on an allowed segment within max_metres; !ok() when there is none.
    SnapResult snap(LonLat p, double max_metres) const;
    /// Distance (m) to the nearest allowed segment regardless of any limit (inf if none).
    double nearest_metres(LonLat p) const;
    const WalkGraph& graph() const { return *g_; }

  private:
    struct Index;
    const WalkGraph* g_;
    std::unique_ptr<Index> index_;
};

}  // namespace lc15
