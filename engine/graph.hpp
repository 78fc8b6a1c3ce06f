// lc15 engine — the walking graph.
//
// Streets are undirected edges between junctions (vertices only where ways meet or end); the
// shape between two junctions is kept for snapping and maps. The search reads a frozen CSR:
// arcs of vertex v are [first_out[v], first_out[v+1]), each with head, length (cm), flags and
// the undirected edge it belongs to. Memory: 13 bytes per arc + 4 per vertex (+ shapes).
//
//   GraphBuilder b;
//   b.add_way(way_id, {{node_id, {lon, lat}}, ...}, kEdgeSteps);  // any number of ways
//   WalkGraph g = std::move(b).build();
//   for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) use(g.head(a), g.arc_length(a));
//
// WalkGraph is immutable after build and safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/geo.hpp"
#include "engine/types.hpp"

namespace lc15 {

class WalkGraph {
  public:
    WalkGraph() = default;

    std::uint32_t num_vertices() const { return static_cast<std::uint32_t>(coords_.size()); }
    std::uint32_t num_arcs() const { return static_cast<std::uint32_t>(head_.size()); }
    std::uint32_t num_edges() const { return static_cast<std::uint32_t>(edge_tail_.size()); }

    // --- CSR (directed arcs; every edge appears once from each end) ---
    ArcId first_out(VertexId v) const { return first_out_[v]; }
    VertexId head(ArcId a) const { return head_[a]; }
    Distance arc_length(ArcId a) const { return arc_length_[a]; }
    std::uint8_t arc_flags(ArcId a) const { return arc_flags_[a]; }
    EdgeId arc_edge(ArcId a) const { return arc_edge_[a]; }
    /// Every flag some arc carries (the OR of all arcs' flags): a search whose forbidden flags
    /// miss all of these need not look at any arc's flags.
    std::uint8_t arc_flags_present() const { return arc_flags_present_; }

    // --- vertices ---
    LonLat coord(VertexId v) const { return coords_[v]; }
    /// Opaque key of the vertex in the source data (an OSM node id, or a scenario's own key).
    std::uint64_t vertex_key(VertexId v) const { return vertex_key_[v]; }

    // --- undirected edges ---
    VertexId edge_tail(EdgeId e) const { return edge_tail_[e]; }
    VertexId edge_head(EdgeId e) const { return edge_head_[e]; }
    Distance edge_length(EdgeId e) const { return edge_length_[e]; }
    std::uint8_t edge_flags(EdgeId e) const { return edge_flags_[e]; }
    /// Opaque id of the source object (an OSM way id; scenario links carry their own).
    std::int64_t edge_source_id(EdgeId e) const { return edge_source_[e]; }
    /// Shape points from tail to head, both ends included.
    std::span<const LonLat> edge_shape(EdgeId e) const {
        return {shape_.data() + shape_first_[e], shape_first_[e + 1] - shape_first_[e]};
    }
    /// Cumulative length (cm) at each shape point, from the tail; back() == edge_length(e).
    std::span<const Distance> edge_shape_offsets(EdgeId e) const {
        return {shape_offset_.data() + shape_first_[e], shape_first_[e + 1] - shape_first_[e]};
    }

    /// Bytes held by the search core (CSR arrays) and by everything.
    std::size_t core_bytes() const;
    std::size_t total_bytes() const;

  private:
    friend class GraphBuilder;
    std::vector<ArcId> first_out_;
    std::vector<VertexId> head_;
    std::vector<Distance> arc_length_;
    std::vector<std::uint8_t> arc_flags_;
    std::uint8_t arc_flags_present_ = 0;
    std::vector<EdgeId> arc_edge_;
    std::vector<LonLat> coords_;
    std::vector<std::uint64_t> vertex_key_;
    std::vector<VertexId> edge_tail_, edge_head_;
    std::vector<Distance> edge_length_;
    std::vector<std::uint8_t> edge_flags_;
    std::vector<std::int64_t> edge_source_;
    std::vector<std::uint32_t> shape_first_;
    std::vector<LonLat> shape_;
    std::vector<Distance> shape_offset_;
};

/// One node of an input way: an opaque key (nodes with equal keys are the same place) and
/// its position.
struct WayNode {
    std::uint64_t key;
    LonLat pos;
};

/// Collects ways, finds junctions, splits ways into edges and freezes the CSR.
/// Cost: O(total nodes log) for junction detection; one pass for CSR.
class GraphBuilder {
  public:
    /// Adds a walkable way. Consecutive duplicate nodes are ignored; a way of fewer than two
    /// distinct nodes is ignored (returns false).
    bool add_way(std::int64_t source_id, std::span<const WayNode> nodes, std::uint8_t flags);
    std::size_t num_ways() const { return way_first_.size() - 1; }

    /// Builds the graph. Vertex ids are assigned in order of first appearance, then sorted
    /// along a space-filling curve so that neighbours in space are close in memory.
    WalkGraph build() &&;

    /// A builder holding every edge of g as a way (with its flags, shape and source id), so a
    /// scenario can add ways or change flags and build a modified copy. Vertex keys are kept;
    /// interior shape points get keys with the top bit set, which OSM node ids never have.
    static GraphBuilder from_graph(const WalkGraph& g,
                                   std::span<const std::uint8_t> extra_edge_flags = {});

  private:
    std::vector<std::uint32_t> way_first_{0};
    std::vector<WayNode> nodes_;
    std::vector<std::int64_t> way_source_;
    std::vector<std::uint8_t> way_flags_;
};

}  // namespace lc15
