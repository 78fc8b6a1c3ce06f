#include <gtest/gtest.h>

#include "engine/components.hpp"
#include "engine/graph.hpp"
#include "engine/snap.hpp"

namespace lc15 {
namespace {

constexpr double kMetreLat = 1.0 / (kEarthRadiusM * kPi / 180.0);

LonLat north_of(LonLat p, double metres) { return {p.lon, p.lat + metres * kMetreLat}; }

VertexId by_key(const WalkGraph& g, std::uint64_t key) {
    for (VertexId v = 0; v < g.num_vertices(); ++v)
        if (g.vertex_key(v) == key) return v;
    return kInvalidId;
}

TEST(GraphBuilder, VerticesOnlyAtJunctionsAndEnds) {
    // Way A: 1-2-3-4 straight north, 100 m per step; way B: 3-5 crosses at node 3.
    const LonLat o{122.2, 40.6};
    GraphBuilder b;
    std::vector<WayNode> a{
        {1, o}, {2, north_of(o, 100)}, {3, north_of(o, 200)}, {4, north_of(o, 300)}};
    std::vector<WayNode> c{{3, north_of(o, 200)}, {5, {o.lon + 0.001, north_of(o, 200).lat}}};
    b.add_way(10, a, 0);
    b.add_way(11, c, kEdgeSteps);
    const WalkGraph g = std::move(b).build();
    EXPECT_EQ(g.num_vertices(), 4u);  // 1, 3, 4, 5; node 2 is a shape point
    EXPECT_EQ(by_key(g, 2), kInvalidId);
    EXPECT_EQ(g.num_edges(), 3u);
    EXPECT_EQ(g.num_arcs(), 6u);
    // The 1-3 edge is 200 m long and keeps node 2 in its shape.
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_source_id(e) == 10 && g.edge_shape(e).size() == 3) {
            EXPECT_NEAR(cm_to_metres(g.edge_length(e)), 200.0, 0.02);
            EXPECT_EQ(g.edge_shape_offsets(e).back(), g.edge_length(e));
        }
        if (g.edge_source_id(e) == 11) {
            EXPECT_EQ(g.edge_flags(e), kEdgeSteps);
        }
    }
    const Components comp = connected_components(g);
    EXPECT_EQ(comp.count(), 1u);
    const Components no_steps = connected_components(g, kEdgeSteps);
    EXPECT_EQ(no_steps.count(), 2u);
    EXPECT_EQ(no_steps.size[0], 3u);
}

TEST(Snapper, SnapsToNearestPointOnSegmentNotVertex) {
    const LonLat o{122.2, 40.6};
    GraphBuilder b;
    std::vector<WayNode> a{{1, o}, {2, north_of(o, 300)}};
    b.add_way(1, a, 0);
    const WalkGraph g = std::move(b).build();
    Snapper s(g);
    // A point 20 m east of the way, 120 m north of node 1.
    const double metre_lon = kMetreLat / std::cos(deg2rad(o.lat));
    const LonLat p{o.lon + 20 * metre_lon, north_of(o, 120).lat};
    const SnapResult r = s.snap(p, 50.0);
    ASSERT_TRUE(r.ok());
    const bool tail_is_1 = g.vertex_key(g.edge_tail(r.edge)) == 1;
    const Distance from1 = tail_is_1 ? r.off_tail : r.off_head;
    EXPECT_NEAR(cm_to_metres(from1), 120.0, 0.05);
    EXPECT_NEAR(cm_to_metres(r.access), 20.0, 0.05);
    EXPECT_EQ(r.off_tail + r.off_head, g.edge_length(r.edge));
    EXPECT_FALSE(s.snap(p, 10.0).ok()) << "beyond the limit it is reported, not snapped";
    EXPECT_NEAR(s.nearest_metres(p), 20.0, 0.05);
}

TEST(GraphBuilder, FromGraphRoundTripsAndAddsFlags) {
    const LonLat o{122.2, 40.6};
    GraphBuilder b;
    std::vector<WayNode> a{{1, o}, {2, north_of(o, 100)}, {3, north_of(o, 200)}};
    b.add_way(7, a, 0);
    const WalkGraph g = std::move(b).build();
    std::vector<std::uint8_t> extra(g.num_edges(), kEdgeClosed);
    const WalkGraph h = GraphBuilder::from_graph(g, extra).build();
    ASSERT_EQ(h.num_vertices(), g.num_vertices());
    ASSERT_EQ(h.num_edges(), g.num_edges());
    EXPECT_EQ(h.edge_length(0), g.edge_length(0));
    EXPECT_EQ(h.edge_flags(0), kEdgeClosed);
    EXPECT_EQ(h.edge_shape(0).size(), 3u);
}

}  // namespace
}  // namespace lc15
