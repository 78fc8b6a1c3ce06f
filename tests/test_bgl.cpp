// BGL's Dijkstra run through engine/bgl.hpp on lc15's own CSR agrees with lc15's search.
#include <gtest/gtest.h>

#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>
#include <random>

#include "engine/bgl.hpp"
#include "engine/search.hpp"

namespace lc15 {
namespace {

TEST(BglAdaptor, DijkstraOnWalkGraphMatchesMultiSourceDijkstra) {
    std::mt19937_64 rng(7);
    GraphBuilder b;
    const int n = 300;
    std::vector<LonLat> pos(n);
    std::uniform_real_distribution<double> u(0.0, 0.02);
    for (auto& p : pos) p = {122.2 + u(rng), 40.6 + u(rng)};
    for (int i = 0; i < 3 * n; ++i) {
        const int a = static_cast<int>(rng() % n), c = static_cast<int>(rng() % n);
        std::vector<WayNode> w{{std::uint64_t(a) + 1, pos[a]}, {std::uint64_t(c) + 1, pos[c]}};
        b.add_way(i, w, 0);
    }
    const WalkGraph g = std::move(b).build();
    MultiSourceDijkstra ours(g);
    for (VertexId s : {VertexId{0}, g.num_vertices() / 2, g.num_vertices() - 1}) {
        std::vector<Distance> d(g.num_vertices(), kInfDistance);
        boost::dijkstra_shortest_paths_no_color_map(
            g, s,
            boost::weight_map(arc_length_map(g))
                .distance_map(boost::make_iterator_property_map(d.begin(),
                                                                boost::get(boost::vertex_index, g)))
                .distance_inf(kInfDistance));
        const std::vector<SearchSource> src{{s, 0, 0}};
        ours.run(src, kMaxSearchDistance, [](VertexId, Distance, std::uint32_t) {});
        for (VertexId v = 0; v < g.num_vertices(); ++v)
            ASSERT_EQ(d[v], ours.distance(v)) << "vertex " << v;
    }
}

}  // namespace
}  // namespace lc15
