// Network indicators (engine/network_metrics.hpp) on ASCII maps with hand-counted figures,
// and what io::read_osm keeps for them (cut street ends, the road network, water, railways).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/network_metrics.hpp"
#include "io/city.hpp"
#include "io/network_figures.hpp"
#include "io/osm_reader.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/cli_run.hpp"

namespace lc15 {
namespace {

using test::AsciiMap;

// 100 m cells. Roads (#) make two 400 m x 400 m blocks; a footway stub j-k reaches the
// extract's west edge; the footway e-g is a dead end inside, in a gated compound.
const char* kTwoBlocks = R"(
  a###b###c
  #   #   #
j-k   #   #
  #   #   #
  d###e###f
      |
      g
)";

VertexId vertex_of(const WalkGraph& g, std::int64_t node_id) {
    for (VertexId v = 0; v < g.num_vertices(); ++v)
        if (g.vertex_key(v) == static_cast<std::uint64_t>(node_id)) return v;
    return kInvalidId;
}

// A rectangle from (x0, y0) to (x1, y1) in cells east / south of the map's origin.
MultiPolygon cells(const AsciiMap& m, double x0, double y0, double x1, double y1) {
    const LonLat o = m.pos('a');  // column 2, row 0
    const double m_per_deg = deg2rad(1.0) * kEarthRadiusM;
    const double kx = m_per_deg * std::cos(deg2rad(o.lat));
    auto at = [&](double x, double y) {
        return LonLat{o.lon + (x - 2) * 100.0 / kx, o.lat - y * 100.0 / m_per_deg};
    };
    return {Polygon{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1)}, {}}};
}

struct Fixture {
    AsciiMap map{kTwoBlocks, 100.0};
    io::OsmData osm;
    std::vector<std::uint8_t> road;
    NetworkInputs in;
    Fixture() {
        map.tag_way("eg", {{"access", "private"}});
        osm = map.read();
        const WalkGraph& g = osm.graph;
        road.resize(g.num_edges());
        for (EdgeId e = 0; e < g.num_edges(); ++e)
            road[e] =
                std::binary_search(osm.road_ways.begin(), osm.road_ways.end(), g.edge_source_id(e));
        in.graph = &osm.graph;
        in.road_edge = road;
        // The extract's west edge runs through j; the other sides are far away.
        const LonLat j = map.pos('j');
        in.bounds = {j.lon, j.lat - 0.05, j.lon + 0.05, j.lat + 0.05};
    }
};

TEST(NetworkMetrics, HandCountedTwoBlocks) {
    Fixture f;
    const MultiPolygon all = cells(f.map, -1, -1, 11, 7);  // 1200 m x 800 m
    const MultiPolygon west = cells(f.map, -1, -1, 5, 7);  // 600 m x 800 m
    const NetworkReport r = network_metrics(f.in, {all, west});
    ASSERT_EQ(r.communities.size(), 2u);

    const NetworkMetrics& a = r.communities[0];
    EXPECT_NEAR(a.area_km2, 0.96, 0.002);
    EXPECT_NEAR(a.walk_km, 3.2, 0.001);  // roads 2.8 km + footways j-k, e-g 0.2 km each
    EXPECT_NEAR(a.road_km, 2.8, 0.001);
    EXPECT_NEAR(a.gated_km, 0.2, 0.001);
    EXPECT_EQ(a.intersections, 3u);  // b, k, e
    EXPECT_EQ(a.dead_ends, 1u);      // g; j is the extract's edge
    EXPECT_EQ(a.extract_ends, 1u);
    EXPECT_EQ(a.blocks, 2u);
    EXPECT_NEAR(a.mean_block_ha(), 16.0, 0.05);
    EXPECT_NEAR(a.walk_density(), 3.2 / 0.96, 0.01);
    EXPECT_NEAR(a.road_density(), 2.8 / 0.96, 0.01);
    EXPECT_NEAR(a.intersection_density(), 3 / 0.96, 0.01);
    EXPECT_NEAR(a.dead_end_density(), 1 / 0.96, 0.01);
    EXPECT_NEAR(a.gated_share(), 0.0625, 0.0005);

    // The west part: a-b and d-e clipped at 500 m east of the origin (300 m each inside).
    const NetworkMetrics& w = r.communities[1];
    EXPECT_NEAR(w.area_km2, 0.48, 0.001);
    EXPECT_NEAR(w.walk_km, 1.2, 0.001);  // j-k 0.2, a-d 0.4, a-b 0.3, d-e 0.3
    EXPECT_NEAR(w.road_km, 1.0, 0.001);
    EXPECT_EQ(w.gated_km, 0.0);
    EXPECT_EQ(w.intersections, 1u);  // k
    EXPECT_EQ(w.dead_ends, 0u);
    EXPECT_EQ(w.extract_ends, 1u);  // j
    EXPECT_EQ(w.blocks, 1u);        // the west block's centroid lies inside, the east one's not
    EXPECT_NEAR(w.mean_block_ha(), 16.0, 0.05);

    // The city: sums.
    EXPECT_NEAR(r.city.walk_km, 4.4, 0.002);
    EXPECT_EQ(r.city.intersections, 4u);
    EXPECT_EQ(r.city.blocks, 3u);
}

TEST(NetworkMetrics, DeadEndAtTheExtractsEdgeIsNotCounted) {
    Fixture f;
    const WalkGraph& g = f.osm.graph;
    const VertexId gv = vertex_of(g, f.map.node_id('g')), jv = vertex_of(g, f.map.node_id('j'));
    EXPECT_EQ(dead_end_vertices(f.in), std::vector<VertexId>{gv});
    EXPECT_TRUE(at_extract_edge(f.in, jv));
    EXPECT_FALSE(at_extract_edge(f.in, gv));

    // With the bounds far away, j is a dead end too; a cut vertex is the extract's edge again.
    NetworkInputs far = f.in;
    far.bounds = {0, 0, 180, 90};
    std::vector<VertexId> both{gv, jv};
    std::sort(both.begin(), both.end());
    EXPECT_EQ(dead_end_vertices(far), both);
    const std::vector<VertexId> cut{jv};
    far.cut_vertices = cut;
    EXPECT_EQ(dead_end_vertices(far), std::vector<VertexId>{gv});
    const NetworkReport r = network_metrics(far, {cells(f.map, -1, -1, 11, 7)});
    EXPECT_EQ(r.communities[0].dead_ends, 1u);
    EXPECT_EQ(r.communities[0].extract_ends, 1u);

    // Closing e-g (a scenario's kEdgeClosed) leaves e a 3-way junction and g no end at all.
    EXPECT_EQ(vertex_degrees(g, kEdgeClosed)[vertex_of(g, f.map.node_id('e'))], 4u);
}

TEST(NetworkMetrics, LengthInsideClipsAtEveryCrossing) {
    // A U-shaped polygon: a segment through both arms is inside twice.
    const LonLat o{122.23, 40.66};
    const LocalProjection p(o);
    auto at = [&](double x, double y) { return p.inverse(x, y); };
    const MultiPolygon u{Polygon{{at(0, 0), at(300, 0), at(300, 300), at(200, 300), at(200, 100),
                                  at(100, 100), at(100, 300), at(0, 300)},
                                 {}}};
    EXPECT_NEAR(length_inside(u, at(-50, 200), at(350, 200)), 200.0, 0.2);
    EXPECT_NEAR(length_inside(u, at(-50, 50), at(350, 50)), 300.0, 0.3);
    EXPECT_NEAR(length_inside(u, at(120, 200), at(180, 200)), 0.0, 1e-9);
    // A hole removes what it holds.
    MultiPolygon holed{Polygon{{at(0, 0), at(300, 0), at(300, 300), at(0, 300)},
                               {{at(100, 100), at(200, 100), at(200, 200), at(100, 200)}}}};
    EXPECT_NEAR(length_inside(holed, at(-50, 150), at(350, 150)), 200.0, 0.2);
}

TEST(NetworkMetricsOsm, CutEndsRoadsWaterAndRailwaysAreKept) {
    AsciiMap m(R"(
p---q---r---s
t###u
v-------w
)",
               100.0);
    m.tag_way("vw", {{"highway", ""}, {"railway", "rail"}});
    m.tag_way("tu", {{"access", "private"}});
    std::string xml = m.xml();
    // Cut the extract between p and r: node q is missing, way p-q-r-s keeps r-s.
    const std::string q = "<node id=\"" + std::to_string(m.node_id('q')) + "\"";
    const std::size_t at = xml.find(q);
    ASSERT_NE(at, std::string::npos);
    xml.erase(at, xml.find('\n', at) - at + 1);
    const std::string file = ::testing::TempDir() + "/lc15_cut.osm";
    std::ofstream(file) << xml;
    const io::OsmData d = io::read_osm(file);
    std::remove(file.c_str());
    // Both nodes beside the gap (p alone is no street and leaves the graph).
    const std::vector<std::uint64_t> cut{static_cast<std::uint64_t>(m.node_id('p')),
                                         static_cast<std::uint64_t>(m.node_id('r'))};
    EXPECT_EQ(d.cut_nodes, cut);
    // The private residential road t-u is no public road; the footway p-s none at all.
    EXPECT_TRUE(d.road_ways.empty());
    bool rail = false;
    for (const auto& f : d.features)
        rail |= f.tags.count("railway") && f.tags.at("railway") == "rail";
    EXPECT_TRUE(rail);
}

TEST(NetworkMetricsOsm, PublicResidentialRoadsAreTheRoadNetwork) {
    Fixture f;
    // Five '#' ways: a-b-c, d-e-f, a-k-d, b-e, c-f.
    EXPECT_EQ(f.osm.road_ways.size(), 5u);
    EXPECT_TRUE(f.osm.cut_nodes.empty());
}

// lc15 coverage writes the figures io::network_figures computes, per community and for the
// city, in their own columns.
TEST(NetworkMetricsOutput, CoverageWritesTheIndicatorsOfEveryCommunity) {
    const std::filesystem::path cfg =
        std::filesystem::path(LC15_SOURCE_DIR) / "configs" / "zhuhai_xiangzhou.toml";
    const io::City city = io::load_city(io::load_city_config(cfg));
    const io::NetworkFigures f = io::network_figures(city);
    const auto out = test::fresh_dir("network_metrics_cov");
    const auto r =
        test::run_lc15("coverage -q --no-bus --config " + cfg.string() + " --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    std::string text = test::slurp(out / "communities.csv");
    ASSERT_EQ(text.rfind("\xEF\xBB\xBF", 0), 0u);
    std::istringstream in(text.substr(3));
    std::vector<std::vector<std::string>> rows;
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        std::vector<std::string> cells(1);
        bool q = false;
        for (char c : l) {
            if (c == '"')
                q = !q;
            else if (c == ',' && !q)
                cells.emplace_back();
            else
                cells.back() += c;
        }
        rows.push_back(cells);
    }
    ASSERT_EQ(rows.size(), city.communities.size() + 1);
    const auto& head = rows[0];
    auto col = [&](const char* n) {
        const auto it = std::find(head.begin(), head.end(), n);
        EXPECT_NE(it, head.end()) << n;
        return static_cast<std::size_t>(it - head.begin());
    };
    const std::size_t de = col("dead_ends"), sd = col("street_km_per_km2"),
                      id = col("intersections_per_km2"), gs = col("gated_share");
    std::uint32_t with_streets = 0;
    for (std::size_t i = 0; i < city.communities.size(); ++i) {
        const NetworkMetrics& m = f.report.communities[i];
        const auto& row = rows[i + 1];
        EXPECT_EQ(std::stoul(row[de]), m.dead_ends) << i;
        EXPECT_NEAR(std::stod(row[sd]), m.walk_density(), 0.005) << i;
        EXPECT_NEAR(std::stod(row[id]), m.intersection_density(), 0.05) << i;
        EXPECT_EQ(row[gs].empty(), m.walk_km == 0) << i;
        with_streets += m.walk_km > 0;
    }
    EXPECT_GT(with_streets, 3u);
    const std::string json = test::slurp(out / "summary.json");
    EXPECT_NE(json.find("\"network_indicators\""), std::string::npos);
    EXPECT_NE(json.find("\"dead_ends\": " + std::to_string(f.report.city.dead_ends)),
              std::string::npos);
}

}  // namespace
}  // namespace lc15
