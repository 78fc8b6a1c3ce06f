#include "engine/graph.hpp"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace lc15 {

std::size_t WalkGraph::core_bytes() const {
    return first_out_.size() * sizeof(ArcId) + head_.size() * sizeof(VertexId) +
           arc_length_.size() * sizeof(Distance) + arc_flags_.size() +
           arc_edge_.size() * sizeof(EdgeId);
}

std::size_t WalkGraph::total_bytes() const {
    return core_bytes() + coords_.size() * sizeof(LonLat) + vertex_key_.size() * 8 +
           edge_tail_.size() * 8 + edge_length_.size() * 4 + edge_flags_.size() +
           edge_source_.size() * 8 + shape_first_.size() * 4 + shape_.size() * sizeof(LonLat) +
           shape_offset_.size() * 4;
}

bool GraphBuilder::add_way(std::int64_t source_id, std::span<const WayNode> nodes,
                           std::uint8_t flags) {
    const std::size_t start = nodes_.size();
    for (const WayNode& n : nodes) {
        if (nodes_.size() > start && nodes_.back().key == n.key) continue;
        nodes_.push_back(n);
    }
    if (nodes_.size() - start < 2) {
        nodes_.resize(start);
        return false;
    }
    way_first_.push_back(static_cast<std::uint32_t>(nodes_.size()));
    way_source_.push_back(source_id);
    way_flags_.push_back(flags);
    return true;
}

namespace {

// Interleaves the bits of two 32-bit values (Morton / Z-order code).
std::uint64_t spread(std::uint32_t x) {
    std::uint64_t v = x;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

std::uint64_t morton(LonLat p) {
    const auto qx = static_cast<std::uint32_t>((p.lon + 180.0) / 360.0 * 4294967295.0);
    const auto qy = static_cast<std::uint32_t>((p.lat + 90.0) / 180.0 * 4294967295.0);
    return spread(qx) | (spread(qy) << 1);
}

}  // namespace

WalkGraph GraphBuilder::build() && {
    WalkGraph g;
    const std::size_t num_ways = way_first_.size() - 1;

    // 1. Junctions: a node is a vertex where a way ends or where it is used more than once
    //    (by two ways, or twice by one way, as in a loop).
    std::vector<std::pair<std::uint64_t, std::uint32_t>> uses;  // (key, node index)
    uses.reserve(nodes_.size());
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) uses.emplace_back(nodes_[i].key, i);
    // Every sort here is by a total order (keys are unique), so the parallel sort gives the
    // serial one's result whatever the thread count.
    tbb::parallel_sort(uses.begin(), uses.end());
    std::vector<std::uint8_t> is_vertex(nodes_.size(), 0);
    for (std::size_t w = 0; w < num_ways; ++w) {
        is_vertex[way_first_[w]] = 1;
        is_vertex[way_first_[w + 1] - 1] = 1;
    }
    // Unique keys in sorted order; remember which unique key each node is.
    std::vector<std::uint32_t> node_unique(nodes_.size());
    std::vector<std::uint32_t> unique_first;  // first index into `uses` of each unique key
    for (std::size_t i = 0; i < uses.size(); ++i) {
        if (i == 0 || uses[i].first != uses[i - 1].first)
            unique_first.push_back(static_cast<std::uint32_t>(i));
        node_unique[uses[i].second] = static_cast<std::uint32_t>(unique_first.size() - 1);
    }
    unique_first.push_back(static_cast<std::uint32_t>(uses.size()));
    std::vector<std::uint8_t> unique_is_vertex(unique_first.size() - 1, 0);
    for (std::size_t u = 0; u + 1 < unique_first.size(); ++u) {
        if (unique_first[u + 1] - unique_first[u] > 1) unique_is_vertex[u] = 1;
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (is_vertex[i]) unique_is_vertex[node_unique[i]] = 1;
    }

    // 2. Vertex ids: sorted along a Z-order curve (ties by key) for memory locality.
    std::vector<std::uint32_t> vertex_uniques;
    for (std::uint32_t u = 0; u + 1 < unique_first.size(); ++u) {
        if (unique_is_vertex[u]) vertex_uniques.push_back(u);
    }
    auto pos_of_unique = [&](std::uint32_t u) { return nodes_[uses[unique_first[u]].second].pos; };
    auto key_of_unique = [&](std::uint32_t u) { return uses[unique_first[u]].first; };
    std::vector<std::uint64_t> code(vertex_uniques.size());
    for (std::size_t i = 0; i < vertex_uniques.size(); ++i)
        code[i] = morton(pos_of_unique(vertex_uniques[i]));
    std::vector<std::uint32_t> order(vertex_uniques.size());
    std::iota(order.begin(), order.end(), 0u);
    tbb::parallel_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (code[a] != code[b]) return code[a] < code[b];
        return key_of_unique(vertex_uniques[a]) < key_of_unique(vertex_uniques[b]);
    });
    if (order.size() >= kInvalidId) throw std::length_error("walking graph: too many vertices");
    std::vector<VertexId> unique_vertex(unique_first.size() - 1, kInvalidId);
    g.coords_.resize(order.size());
    g.vertex_key_.resize(order.size());
    for (std::uint32_t v = 0; v < order.size(); ++v) {
        const std::uint32_t u = vertex_uniques[order[v]];
        unique_vertex[u] = v;
        g.coords_[v] = pos_of_unique(u);
        g.vertex_key_[v] = key_of_unique(u);
    }

    // 3. Edges: split each way at its vertices.
    g.shape_first_.push_back(0);
    for (std::size_t w = 0; w < num_ways; ++w) {
        std::uint32_t start = way_first_[w];
        const std::uint32_t end = way_first_[w + 1];
        double len_m = 0.0;
        std::size_t shape_start = g.shape_.size();
        g.shape_.push_back(nodes_[start].pos);
        g.shape_offset_.push_back(0);
        for (std::uint32_t i = start + 1; i < end; ++i) {
            len_m += haversine_m(nodes_[i - 1].pos, nodes_[i].pos);
            g.shape_.push_back(nodes_[i].pos);
            g.shape_offset_.push_back(metres_to_cm(len_m));
            if (!unique_is_vertex[node_unique[i]]) continue;
            g.edge_tail_.push_back(unique_vertex[node_unique[start]]);
            g.edge_head_.push_back(unique_vertex[node_unique[i]]);
            g.edge_length_.push_back(std::max<Distance>(g.shape_offset_.back(), 1));
            g.edge_flags_.push_back(way_flags_[w]);
            g.edge_source_.push_back(way_source_[w]);
            g.shape_first_.push_back(static_cast<std::uint32_t>(g.shape_.size()));
            if (i + 1 < end) {  // the next edge starts at this vertex
                start = i;
                len_m = 0.0;
                shape_start = g.shape_.size();
                g.shape_.push_back(nodes_[i].pos);
                g.shape_offset_.push_back(0);
            }
        }
        (void)shape_start;
    }
    // Grown one by one: give back the room growth left (up to half of each, for the life of
    // the graph).
    g.shape_.shrink_to_fit();
    g.shape_offset_.shrink_to_fit();
    g.shape_first_.shrink_to_fit();
    g.edge_tail_.shrink_to_fit();
    g.edge_head_.shrink_to_fit();
    g.edge_length_.shrink_to_fit();
    g.edge_flags_.shrink_to_fit();
    g.edge_source_.shrink_to_fit();
    // Offsets were rounded per point; make the last equal the (at least 1 cm) edge length.
    for (EdgeId e = 0; e < g.edge_tail_.size(); ++e)
        g.shape_offset_[g.shape_first_[e + 1] - 1] = g.edge_length_[e];

    // 4. CSR: each edge gives one arc from each end (a loop gives two arcs at its vertex).
    const std::uint32_t nv = static_cast<std::uint32_t>(g.coords_.size());
    const std::size_t ne = g.edge_tail_.size();
    if (2 * ne >= kInvalidId) throw std::length_error("walking graph: too many edges");
    g.first_out_.assign(nv + 1, 0);
    for (std::size_t e = 0; e < ne; ++e) {
        ++g.first_out_[g.edge_tail_[e] + 1];
        ++g.first_out_[g.edge_head_[e] + 1];
    }
    std::partial_sum(g.first_out_.begin(), g.first_out_.end(), g.first_out_.begin());
    g.head_.resize(2 * ne);
    g.arc_length_.resize(2 * ne);
    g.arc_flags_.resize(2 * ne);
    g.arc_edge_.resize(2 * ne);
    std::vector<ArcId> fill(g.first_out_.begin(), g.first_out_.end() - 1);
    for (EdgeId e = 0; e < ne; ++e) {
        for (int side = 0; side < 2; ++side) {
            const VertexId from = side == 0 ? g.edge_tail_[e] : g.edge_head_[e];
            const VertexId to = side == 0 ? g.edge_head_[e] : g.edge_tail_[e];
            const ArcId a = fill[from]++;
            g.head_[a] = to;
            g.arc_length_[a] = g.edge_length_[e];
            g.arc_flags_[a] = g.edge_flags_[e];
            g.arc_edge_[a] = e;
        }
        g.arc_flags_present_ |= g.edge_flags_[e];
    }
    return g;
}

GraphBuilder GraphBuilder::from_graph(const WalkGraph& g,
                                      std::span<const std::uint8_t> extra_edge_flags) {
    GraphBuilder b;
    std::uint64_t synthetic = 0;
    std::vector<WayNode> nodes;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const auto shape = g.edge_shape(e);
        nodes.clear();
        for (std::size_t i = 0; i < shape.size(); ++i) {
            std::uint64_t key;
            if (i == 0)
                key = g.vertex_key(g.edge_tail(e));
            else if (i + 1 == shape.size())
                key = g.vertex_key(g.edge_head(e));
            else
                key = (std::uint64_t{1} << 63) | synthetic++;
            nodes.push_back({key, shape[i]});
        }
        std::uint8_t flags = g.edge_flags(e);
        if (e < extra_edge_flags.size()) flags |= extra_edge_flags[e];
        b.add_way(g.edge_source_id(e), nodes, flags);
    }
    return b;
}

}  // namespace lc15
