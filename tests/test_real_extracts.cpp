// Real OSM extracts end to end: each reads, counts fall in plausible ranges, the main network
// dominates, and bus stops lie on (or are reported off) the walking network.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "engine/components.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"
#include "io/osm_reader.hpp"

namespace lc15 {
namespace {

/// Each extract is read once for the whole suite.
const io::OsmData& extract(const std::string& name) {
    static std::map<std::string, std::unique_ptr<io::OsmData>> cache;
    auto& slot = cache[name];
    if (!slot) {
        slot = std::make_unique<io::OsmData>(
            io::read_osm(std::filesystem::path(LC15_SOURCE_DIR) / "data/osm" / name));
    }
    return *slot;
}

std::size_t count_tag(const io::OsmData& d, const std::string& k, const std::string& v) {
    std::size_t n = 0;
    for (const auto& f : d.features) {
        auto it = f.tags.find(k);
        if (it != f.tags.end() && it->second == v) ++n;
    }
    return n;
}

/// Largest component's share of vertices; and every stop's snap, listing those beyond 100 m.
void check_network_and_stops(const std::string& name, double min_snapped_share) {
    const io::OsmData& d = extract(name);
    const Components c = connected_components(d.graph);
    ASSERT_GT(c.count(), 0u);
    EXPECT_GT(double(c.size[0]) / d.graph.num_vertices(), 0.5) << name;
    const Snapper snapper(d.graph);
    std::size_t snapped = 0;
    for (const auto& s : d.stops) {
        if (snapper.snap(s.pos, 100.0).ok()) {
            ++snapped;
        } else {
            std::cout << "  [" << name << "] stop " << s.id << " (" << s.name << ") is "
                      << snapper.nearest_metres(s.pos) << " m from the walking network\n";
        }
    }
    ASSERT_FALSE(d.stops.empty());
    EXPECT_GE(double(snapped) / double(d.stops.size()), min_snapped_share) << name;
}

TEST(RealExtracts, ZhuhaiXiangzhou) {
    const io::OsmData& d = extract("cn_zhuhai_xiangzhou.osm");
    EXPECT_EQ(d.profile.walkable_ways, 751u);
    EXPECT_GE(d.stop_objects, 100u);
    EXPECT_LE(d.stop_objects, 120u);
    EXPECT_EQ(d.routes.size(), 47u);
    EXPECT_GE(count_tag(d, "amenity", "school"), 5u);
    EXPECT_GE(count_tag(d, "amenity", "kindergarten"), 1u);
    EXPECT_GE(count_tag(d, "landuse", "residential"), 15u);
    EXPECT_EQ(d.timestamp.substr(0, 7), "2022-03");
    // Chinese names come through (name:zh, else name).
    bool chinese = false;
    for (const auto& s : d.stops)
        chinese |= s.name.find("\xe8\xb7\xaf") != std::string::npos ||
                   s.name.find("\xe7\xab\x99") != std::string::npos;  // 路 / 站
    EXPECT_TRUE(chinese);
    // The extract cuts every route: each keeps its stops and says what is missing.
    std::size_t with_stops = 0;
    for (const auto& r : d.routes) {
        with_stops += r.stops.empty() ? 0 : 1;
        for (const auto& w : r.warnings) EXPECT_NE(w.find(r.id), std::string::npos) << w;
    }
    EXPECT_GT(with_stops, 40u);
    check_network_and_stops("cn_zhuhai_xiangzhou.osm", 0.9);
}

TEST(RealExtracts, NanjingXuanwu) {
    const io::OsmData& d = extract("cn_nanjing_xuanwu.osm");
    EXPECT_GE(d.profile.walkable_ways, 350u);
    EXPECT_LE(d.profile.walkable_ways, 400u);
    EXPECT_GE(d.stops.size(), 35u);
    EXPECT_LE(d.stops.size(), 55u);
    EXPECT_EQ(d.routes.size(), 21u);
    EXPECT_GE(count_tag(d, "amenity", "school"), 10u);
    EXPECT_GE(count_tag(d, "amenity", "hospital"), 3u);
    EXPECT_EQ(d.timestamp, "2021-06-12T07:41:41Z");  // Overpass osm_base: no object timestamps
    check_network_and_stops("cn_nanjing_xuanwu.osm", 0.9);
}

TEST(RealExtracts, Monaco) {
    const io::OsmData& d = extract("monaco.osm.pbf");
    EXPECT_EQ(d.nodes, 180118u);
    EXPECT_EQ(d.timestamp, "2016-03-05T00:26:02Z");
    EXPECT_EQ(d.routes.size(), 10u);
    std::size_t in_master = 0;
    for (const auto& r : d.routes) in_master += r.route_master.empty() ? 0 : 1;
    EXPECT_GE(in_master, 5u);
    EXPECT_GE(d.stops.size(), 140u);
    EXPECT_LE(d.stops.size(), 190u);
    EXPECT_GT(d.stop_merges, 0u);
    EXPECT_GT(d.profile.steps_ways, 100u);
    EXPECT_GT(d.profile.private_ways, 0u);
    // Buildings are areas whose representative point lies inside their bounding box.
    std::size_t buildings = 0, relation_areas = 0;
    for (const auto& f : d.features) {
        if (!f.is_area()) continue;
        if (f.id[0] == 'r') ++relation_areas;
        if (f.tags.count("building") == 0) continue;
        ++buildings;
        const auto [lo, hi] = bounds(f.area);
        EXPECT_TRUE(f.point.lon >= lo.lon && f.point.lon <= hi.lon && f.point.lat >= lo.lat &&
                    f.point.lat <= hi.lat)
            << f.id;
    }
    EXPECT_GT(buildings, 20000u);
    EXPECT_GT(relation_areas, 10u);
    EXPECT_GE(count_tag(d, "amenity", "pharmacy"), 20u);
    check_network_and_stops("monaco.osm.pbf", 0.9);
}

TEST(RealExtracts, MonacoReadTwiceIsIdentical) {
    const io::OsmData& a = extract("monaco.osm.pbf");
    const io::OsmData b =
        io::read_osm(std::filesystem::path(LC15_SOURCE_DIR) / "data/osm/monaco.osm.pbf");
    ASSERT_EQ(a.graph.num_vertices(), b.graph.num_vertices());
    ASSERT_EQ(a.graph.num_edges(), b.graph.num_edges());
    for (EdgeId e = 0; e < a.graph.num_edges(); ++e) {
        ASSERT_EQ(a.graph.edge_tail(e), b.graph.edge_tail(e));
        ASSERT_EQ(a.graph.edge_length(e), b.graph.edge_length(e));
    }
    ASSERT_EQ(a.features.size(), b.features.size());
    for (std::size_t i = 0; i < a.features.size(); ++i)
        ASSERT_EQ(a.features[i].id, b.features[i].id);
}

TEST(RealExtracts, PortoAlegre) {
    const io::OsmData& d = extract("portoalegre.osm.pbf");
    EXPECT_GT(d.profile.walkable_ways, 14000u);
    EXPECT_GT(d.profile.walkable_km, 1500.0);
    EXPECT_GE(d.stops.size(), 1000u);
    EXPECT_GT(d.profile.excluded[static_cast<std::size_t>(io::WayReason::kFootNo)], 0u);
    check_network_and_stops("portoalegre.osm.pbf", 0.95);
}

}  // namespace
}  // namespace lc15
