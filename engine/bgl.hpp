// lc15 engine — Boost.Graph adaptors for the walking graph.
//
//   #include "engine/bgl.hpp"
//   std::vector<Distance> d(g.num_vertices());
//   boost::dijkstra_shortest_paths_no_color_map(g, source,
//       boost::weight_map(lc15::arc_length_map(g)).distance_map(d.data()));
//
// WalkGraph models BGL's IncidenceGraph and VertexListGraph directly (no copy), so any BGL
// algorithm that needs only those (Dijkstra, BFS, connected components on the directed arcs,
// …) runs on lc15's own CSR. An edge descriptor is the pair (tail, arc): the CSR stores no
// tail per arc, and BGL asks for source(e) on every relaxation.
//
// Why lc15 keeps its own CSR and search instead of boost::compressed_sparse_row_graph and
// BGL's Dijkstra: measured in bench/bench_bgl.cpp (figures in docs/BENCHMARKS.md). The CSR
// arrays are the same size as a 32-bit compressed_sparse_row_graph's (first_out + head), with
// per-arc attributes kept in parallel vectors; the searches differ in what BGL cannot do
// without extra passes: multiple sources with offsets, an inclusive distance limit, a
// settled-vertex callback, O(1) reset between runs and the label tie-break.
// Thread safety: the adaptors only read the graph.
#pragma once

#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/transform_iterator.hpp>
#include <boost/property_map/function_property_map.hpp>

#include "engine/graph.hpp"

namespace lc15 {

struct BglArc {
    VertexId tail = kInvalidId;
    ArcId arc = kInvalidId;
    friend bool operator==(const BglArc& a, const BglArc& b) { return a.arc == b.arc; }
    friend bool operator!=(const BglArc& a, const BglArc& b) { return a.arc != b.arc; }
};

struct BglArcOf {
    VertexId tail;
    BglArc operator()(ArcId a) const { return {tail, a}; }
};

}  // namespace lc15

namespace boost {

template <>
struct graph_traits<lc15::WalkGraph> {
    using vertex_descriptor = lc15::VertexId;
    using edge_descriptor = lc15::BglArc;
    using directed_category = directed_tag;
    using edge_parallel_category = allow_parallel_edge_tag;
    struct traversal_category : incidence_graph_tag, vertex_list_graph_tag {};
    using out_edge_iterator =
        transform_iterator<lc15::BglArcOf, counting_iterator<lc15::ArcId>, lc15::BglArc>;
    using vertex_iterator = counting_iterator<lc15::VertexId>;
    using degree_size_type = std::uint32_t;
    using vertices_size_type = std::uint32_t;
    using edges_size_type = std::uint32_t;
    // Not modelled, but named so that generic code compiles.
    using in_edge_iterator = void;
    using adjacency_iterator = void;
    using edge_iterator = void;
    static vertex_descriptor null_vertex() { return lc15::kInvalidId; }
};

}  // namespace boost

namespace lc15 {

inline VertexId source(const BglArc& e, const WalkGraph&) { return e.tail; }
inline VertexId target(const BglArc& e, const WalkGraph& g) { return g.head(e.arc); }

inline std::pair<boost::graph_traits<WalkGraph>::out_edge_iterator,
                 boost::graph_traits<WalkGraph>::out_edge_iterator>
out_edges(VertexId v, const WalkGraph& g) {
    using It = boost::graph_traits<WalkGraph>::out_edge_iterator;
    return {It(boost::counting_iterator<ArcId>(g.first_out(v)), BglArcOf{v}),
            It(boost::counting_iterator<ArcId>(g.first_out(v + 1)), BglArcOf{v})};
}
inline std::uint32_t out_degree(VertexId v, const WalkGraph& g) {
    return g.first_out(v + 1) - g.first_out(v);
}

inline std::pair<boost::counting_iterator<VertexId>, boost::counting_iterator<VertexId>> vertices(
    const WalkGraph& g) {
    return {boost::counting_iterator<VertexId>(0),
            boost::counting_iterator<VertexId>(g.num_vertices())};
}
inline std::uint32_t num_vertices(const WalkGraph& g) { return g.num_vertices(); }

/// Arc length (cm) as a readable property map keyed by edge descriptor.
inline auto arc_length_map(const WalkGraph& g) {
    return boost::make_function_property_map<BglArc, Distance>(
        [&g](const BglArc& e) { return g.arc_length(e.arc); });
}

}  // namespace lc15

namespace boost {
// Vertex index: the dense id itself.
template <>
struct property_map<lc15::WalkGraph, vertex_index_t> {
    using type = typed_identity_property_map<lc15::VertexId>;
    using const_type = type;
};
inline typed_identity_property_map<lc15::VertexId> get(vertex_index_t, const lc15::WalkGraph&) {
    return {};
}
}  // namespace boost
