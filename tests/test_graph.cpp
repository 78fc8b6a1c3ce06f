#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <random>
#include <vector>

#include "engine/components.hpp"
#include "engine/graph.hpp"
#include "engine/snap.hpp"
#include "io/osm_reader.hpp"

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

// The snapper's answers, found again by looking at every segment.
class BruteSnapper {
  public:
    BruteSnapper(const WalkGraph& g, std::uint8_t forbidden) : g_(g) {
        if (g.num_vertices() > 0) proj_ = LocalProjection(g.coord(0));
        std::uint32_t base = 0;
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            const auto shape = g.edge_shape(e);
            for (std::size_t i = 0; i < shape.size(); ++i) {
                shape_edge_.push_back(e);
                shape_index_.push_back(static_cast<std::uint32_t>(i));
            }
            if (!(g.edge_flags(e) & (forbidden | kEdgeCompound)))
                for (std::size_t i = 0; i + 1 < shape.size(); ++i) {
                    const auto [ax, ay] = proj_.forward(shape[i]);
                    const auto [bx, by] = proj_.forward(shape[i + 1]);
                    segs_.push_back({ax, ay, bx, by, base + static_cast<std::uint32_t>(i)});
                }
            base += static_cast<std::uint32_t>(shape.size());
        }
    }
    std::size_t size() const { return segs_.size(); }
    EdgeId edge_of(std::uint32_t shape) const { return shape_edge_[shape]; }

    /// The k segments of edges `keep` accepts nearest by planar distance, ties by shape
    /// index: {squared distance, shape index of the segment's first point}.
    template <class Keep>
    std::vector<std::pair<double, std::uint32_t>> nearest(LonLat p, unsigned k, Keep&& keep) const {
        const auto [px, py] = proj_.forward(p);
        std::vector<std::pair<double, std::uint32_t>> all;
        all.reserve(segs_.size());
        for (const Seg& s : segs_)
            if (keep(shape_edge_[s.shape])) all.emplace_back(d2(px, py, s), s.shape);
        const std::size_t n = std::min<std::size_t>(k, all.size());
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end());
        all.resize(n);
        return all;
    }
    /// Of the given segments, the one nearest by true distance (whole cm, ties by shape).
    struct Best {
        std::uint32_t shape = kInvalidId;
        Distance d = kInfDistance;
        LonLat on{};
    };
    Best best_of(LonLat p, const std::vector<std::pair<double, std::uint32_t>>& found) const {
        const LocalProjection local(p);
        Best best;
        for (const auto& [d2, s] : found) {
            const auto shape = g_.edge_shape(shape_edge_[s]);
            const std::size_t i = shape_index_[s];
            const double t = project_on_segment({0.0, 0.0}, local.forward(shape[i]),
                                                local.forward(shape[i + 1]));
            const LonLat on = interpolate(shape[i], shape[i + 1], t);
            const Distance d = metres_to_cm(haversine_m(p, on));
            if (d < best.d || (d == best.d && s < best.shape)) best = {s, d, on};
        }
        return best;
    }

  private:
    struct Seg {
        double ax, ay, bx, by;
        std::uint32_t shape;
    };
    static double d2(double px, double py, const Seg& s) {
        const double vx = s.bx - s.ax, vy = s.by - s.ay, wx = px - s.ax, wy = py - s.ay;
        const double c1 = wx * vx + wy * vy;
        if (c1 <= 0.0) return wx * wx + wy * wy;
        const double c2 = vx * vx + vy * vy;
        if (c2 <= c1) return (px - s.bx) * (px - s.bx) + (py - s.by) * (py - s.by);
        const double b = c1 / c2;
        const double fx = px - (s.ax + b * vx), fy = py - (s.ay + b * vy);
        return fx * fx + fy * fy;
    }
    const WalkGraph& g_;
    LocalProjection proj_;
    std::vector<Seg> segs_;
    std::vector<EdgeId> shape_edge_;
    std::vector<std::uint32_t> shape_index_;
};

// Query points about a graph: uniform in its box widened by half on every side, exactly on
// vertices and shape points, and far outside (tens to thousands of kilometres).
std::vector<LonLat> probe_points(const WalkGraph& g, std::size_t uniform, std::uint32_t seed) {
    double lo_lon = 1e9, hi_lon = -1e9, lo_lat = 1e9, hi_lat = -1e9;
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        lo_lon = std::min(lo_lon, g.coord(v).lon);
        hi_lon = std::max(hi_lon, g.coord(v).lon);
        lo_lat = std::min(lo_lat, g.coord(v).lat);
        hi_lat = std::max(hi_lat, g.coord(v).lat);
    }
    const double wl = hi_lon - lo_lon, hl = hi_lat - lo_lat;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> ulon(lo_lon - wl / 2, hi_lon + wl / 2);
    std::uniform_real_distribution<double> ulat(lo_lat - hl / 2, hi_lat + hl / 2);
    std::vector<LonLat> pts;
    for (std::size_t i = 0; i < uniform; ++i) pts.push_back({ulon(rng), ulat(rng)});
    for (VertexId v = 0; v < g.num_vertices(); v += 5) pts.push_back(g.coord(v));
    for (EdgeId e = 0; e < g.num_edges(); e += 23)
        for (const LonLat q : g.edge_shape(e)) pts.push_back(q);
    const LonLat mid{(lo_lon + hi_lon) / 2, (lo_lat + hi_lat) / 2};
    for (const double d : {0.3, 1.0, 5.0, 40.0})
        for (const double a : {0.0, 0.7, 1.9, 3.1, 4.4, 5.5})
            pts.push_back(
                {mid.lon + d * std::cos(a), std::clamp(mid.lat + d * std::sin(a), -80.0, 80.0)});
    pts.push_back({0.0, 0.0});
    return pts;
}

// Every query of `s` about every point, against the brute force: the k nearest segments for
// several k (exact order, ties included), nearest_metres, and snap() with and without a limit
// (with the island rule when `s` has one).
void expect_matches_brute_force(const WalkGraph& g, const Snapper& s, const BruteSnapper& brute,
                                const std::vector<LonLat>& pts, const char* what) {
    ASSERT_GT(brute.size(), 0u);
    using Found = std::vector<std::pair<double, std::uint32_t>>;
    auto shapes = [](const Found& f, std::size_t k) {
        std::vector<std::uint32_t> out;
        for (std::size_t i = 0; i < f.size() && i < k; ++i) out.push_back(f[i].second);
        return out;
    };
    auto main_only = [&](EdgeId e) { return !s.on_island(e); };
    int bad = 0;
    for (const LonLat p : pts) {
        SCOPED_TRACE(::testing::Message()
                     << what << " at " << std::setprecision(12) << p.lon << ", " << p.lat);
        const Found top = brute.nearest(p, 20, [](EdgeId) { return true; });
        for (const unsigned k : {1u, 2u, 8u, 20u}) {
            const std::vector<std::uint32_t> got = s.nearest_segments(p, k);
            EXPECT_EQ(got, shapes(top, k)) << "k = " << k;
            bad += got != shapes(top, k);
        }
        EXPECT_EQ(s.nearest_metres(p), std::sqrt(top.front().first));
        // snap(): the best by true distance of the 8 nearest, and the island rule.
        const Found top8(top.begin(), top.begin() + std::min<std::ptrdiff_t>(8, std::ssize(top)));
        const BruteSnapper::Best best = brute.best_of(p, top8);
        BruteSnapper::Best main = best;
        const bool island = s.has_island_rule() && s.on_island(brute.edge_of(best.shape));
        if (island) {
            const Found m = brute.nearest(p, 8, main_only);
            EXPECT_EQ(s.nearest_segments(p, 8, true), shapes(m, 8));
            main = brute.best_of(p, m);
        }
        for (const double max_m : {5.0, 25.0, 300.0, 1e9}) {
            BruteSnapper::Best want = best;
            if (island) {
                const IslandRule& rule = s.island_rule();
                const bool keep_island = cm_to_metres(best.d) <= rule.keep_island_m &&
                                         !(cm_to_metres(main.d) <= rule.far_main_m);
                if (main.shape != kInvalidId && !keep_island && cm_to_metres(main.d) <= max_m)
                    want = main;
            }
            const SnapResult r = s.snap(p, max_m);
            if (cm_to_metres(want.d) > max_m) {
                EXPECT_FALSE(r.ok()) << "max " << max_m;
                continue;
            }
            ASSERT_TRUE(r.ok()) << "max " << max_m;
            EXPECT_EQ(r.edge, brute.edge_of(want.shape)) << "max " << max_m;
            EXPECT_EQ(r.on_edge.lon, want.on.lon);
            EXPECT_EQ(r.on_edge.lat, want.on.lat);
            EXPECT_EQ(r.access, metres_to_cm(haversine_m(p, want.on)));
            EXPECT_EQ(r.off_tail + r.off_head, g.edge_length(r.edge));
        }
        if (bad > 20) FAIL() << "giving up after " << bad << " mismatches";
    }
}

TEST(Snapper, GridFindsExactlyTheNearestSegmentsOfARealExtract) {
    const io::OsmData d = io::read_osm(LC15_SOURCE_DIR "/data/osm/cn_zhuhai_xiangzhou.osm");
    const WalkGraph& g = d.graph;
    const std::vector<LonLat> pts = probe_points(g, 1500, 15);
    for (const std::uint8_t forbidden : {std::uint8_t{0}, std::uint8_t{kEdgeSteps}}) {
        Snapper s(g, forbidden);
        const BruteSnapper brute(g, forbidden);
        expect_matches_brute_force(g, s, brute, pts, "no rule");
        // With the island rule, points nearest to an island go through the filtered query.
        s.set_island_rule(IslandRule{});
        std::vector<LonLat> near_islands;
        for (EdgeId e = 0; e < g.num_edges(); ++e)
            if (s.on_island(e)) {
                const LonLat q = g.coord(g.edge_tail(e));
                for (const double dm : {0.0, 3.0, 20.0, 80.0})
                    near_islands.push_back({q.lon + dm * kMetreLat, q.lat - dm * kMetreLat});
            }
        ASSERT_GT(near_islands.size(), 10u) << "the extract has islands";
        expect_matches_brute_force(g, s, brute, near_islands, "island rule");
        expect_matches_brute_force(g, s, brute, pts, "island rule");
    }
}

// snap_nearest ignores the island rule: with the rule set it snaps exactly as a snapper without
// one, where snap() moves some of those points onto the main network.
TEST(Snapper, SnapNearestIsTheSnapWithoutAnIslandRule) {
    const io::OsmData d = io::read_osm(LC15_SOURCE_DIR "/data/osm/cn_zhuhai_xiangzhou.osm");
    const WalkGraph& g = d.graph;
    const Snapper plain(g);
    Snapper ruled(g);
    ruled.set_island_rule(IslandRule{});
    std::size_t moved = 0, points = 0;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (!ruled.on_island(e)) continue;
        const LonLat q = g.coord(g.edge_tail(e));
        for (const double dm : {0.0, 20.0, 80.0}) {
            const LonLat p{q.lon + dm * kMetreLat, q.lat - dm * kMetreLat};
            const SnapResult want = plain.snap(p, 300);
            const SnapResult got = ruled.snap_nearest(p, 300);
            ++points;
            EXPECT_EQ(got.edge, want.edge);
            EXPECT_EQ(got.off_tail, want.off_tail);
            EXPECT_EQ(got.access, want.access);
            moved += ruled.snap(p, 300).edge != want.edge;
        }
    }
    ASSERT_GT(points, 30u) << "the extract has islands";
    EXPECT_GT(moved, 0u) << "snap() applies the rule at some of these points";
}

TEST(Snapper, GridHandlesSparseLongAndTinyGraphs) {
    const LonLat o{113.5, 22.2};
    const double metre_lon = kMetreLat / std::cos(deg2rad(o.lat));
    auto at = [&](double east, double north) {
        return LonLat{o.lon + east * metre_lon, o.lat + north * kMetreLat};
    };
    // A town of 30 m blocks, a 10 km diagonal road out of it (one segment), and a hamlet
    // 300 km away: a box that is nearly all empty.
    GraphBuilder b;
    auto key = [](int a, int c) { return static_cast<std::uint64_t>(1000 + a * 41 + c); };
    std::int64_t way = 1;
    for (int i = 0; i <= 40; ++i) {
        std::vector<WayNode> ns, ew;
        for (int j = 0; j <= 40; ++j) {
            ns.push_back({key(i, j), at(30.0 * i, 30.0 * j)});
            ew.push_back({key(j, i), at(30.0 * j, 30.0 * i)});
        }
        b.add_way(way++, ns, 0);
        b.add_way(way++, ew, 0);
    }
    std::vector<WayNode> road{{key(40, 40), at(1200, 1200)}, {1, at(8271, 8271)}};
    b.add_way(way++, road, 0);
    std::vector<WayNode> hamlet{
        {2, at(300000, 10000)}, {3, at(300040, 10030)}, {4, at(300090, 10010)}};
    b.add_way(way++, hamlet, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper s(g);
    const BruteSnapper brute(g, 0);
    std::vector<LonLat> pts = probe_points(g, 3000, 3);
    for (int i = 0; i <= 100; ++i) {  // along the diagonal, on it and beside it
        const double t = 1240 + 70.0 * i;
        pts.push_back(at(t, t));
        pts.push_back(at(t + 15, t - 15));
        pts.push_back(at(t - 200, t + 200));
    }
    for (int i = 0; i < 200; ++i) pts.push_back(at(299900 + i * 1.3, 9950 + i * 0.7));
    for (int i = 0; i < 400; ++i) pts.push_back(at(-20 + i * 1.01, -20 + (i % 40) * 10.3));
    expect_matches_brute_force(g, s, brute, pts, "sparse");

    // Fewer segments than asked for, and none at all.
    GraphBuilder small;
    std::vector<WayNode> two{{1, at(0, 0)}, {2, at(50, 0)}, {3, at(50, 80)}};
    small.add_way(1, two, kEdgeSteps);
    const WalkGraph sg = std::move(small).build();
    const Snapper ss(sg);
    EXPECT_EQ(ss.nearest_segments(at(20, 20), 8).size(), 2u);
    expect_matches_brute_force(sg, ss, BruteSnapper(sg, 0), probe_points(sg, 200, 4), "small");
    const Snapper none(sg, kEdgeSteps);
    EXPECT_FALSE(none.snap(at(20, 20), 1e9).ok());
    EXPECT_TRUE(none.nearest_segments(at(20, 20), 8).empty());
    EXPECT_TRUE(std::isinf(none.nearest_metres(at(20, 20))));
    const WalkGraph empty = GraphBuilder{}.build();
    const Snapper e(empty);
    EXPECT_FALSE(e.snap(o, 1e9).ok());
    EXPECT_TRUE(e.nearest_segments(o, 8).empty());
    EXPECT_TRUE(std::isinf(e.nearest_metres(o)));
}

}  // namespace
}  // namespace lc15
