// io::OsmBasemap, what the maps draw beneath the figures: street classes of every walkable way,
// water and green areas, rivers — read from the demo extract.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "io/osm_reader.hpp"

namespace lc15 {
namespace {

const std::filesystem::path kSource = LC15_SOURCE_DIR;

TEST(MapsBasemap, DemoExtractHasStreetClassesWaterAndGreen) {
    const io::OsmData d = io::read_osm(kSource / "data/osm/cn_zhuhai_xiangzhou.osm");
    const io::OsmBasemap& b = d.basemap;
    ASSERT_FALSE(b.street_classes.empty());
    EXPECT_TRUE(std::is_sorted(b.street_classes.begin(), b.street_classes.end()));
    // Every edge of the walking graph finds its way's class.
    std::size_t found = 0, counts[4] = {0, 0, 0, 0};
    for (EdgeId e = 0; e < d.graph.num_edges(); ++e) {
        const std::int64_t id = d.graph.edge_source_id(e);
        auto it =
            std::lower_bound(b.street_classes.begin(), b.street_classes.end(),
                             std::pair<std::int64_t, io::StreetClass>{id, io::StreetClass::kMajor});
        if (it != b.street_classes.end() && it->first == id) ++found;
        ++counts[static_cast<int>(b.class_of(id))];
    }
    EXPECT_EQ(found, d.graph.num_edges());
    for (int c = 0; c < 4; ++c) EXPECT_GT(counts[c], 0u) << "class " << c;
    EXPECT_FALSE(b.water.empty());
    EXPECT_FALSE(b.green.empty());
    EXPECT_FALSE(b.waterways.empty());
    for (const auto& mp : b.water) EXPECT_FALSE(mp.empty());
    // The extract's <bounds>; its box ends inland, so it holds no coastline.
    ASSERT_TRUE(b.extract_box.has_value());
    EXPECT_NEAR((*b.extract_box)[0].lon, 113.517, 1e-6);
    EXPECT_NEAR((*b.extract_box)[1].lat, 22.2881, 1e-6);
    EXPECT_TRUE(b.coastlines.empty());
}

TEST(MapsBasemap, MonacoCoastlinesKeepTheirDirectionAndTheExtractBox) {
    const io::OsmData d = io::read_osm(kSource / "data/osm/monaco.osm.pbf");
    const io::OsmBasemap& b = d.basemap;
    ASSERT_FALSE(b.coastlines.empty());
    for (const auto& c : b.coastlines) EXPECT_GE(c.line.size(), 2u) << c.way_id;
    ASSERT_TRUE(b.extract_box.has_value());
    EXPECT_NEAR((*b.extract_box)[0].lon, 7.349, 1e-6);
    EXPECT_NEAR((*b.extract_box)[1].lat, 43.77, 1e-6);
}

TEST(MapsBasemap, StreetClassesFromHighwayTags) {
    EXPECT_EQ(io::street_class("primary"), io::StreetClass::kMajor);
    EXPECT_EQ(io::street_class("tertiary"), io::StreetClass::kMinor);
    EXPECT_EQ(io::street_class("residential"), io::StreetClass::kLocal);
    EXPECT_EQ(io::street_class("service"), io::StreetClass::kLocal);
    EXPECT_EQ(io::street_class("footway"), io::StreetClass::kPath);
    EXPECT_EQ(io::street_class("steps"), io::StreetClass::kPath);
    io::OsmBasemap b;
    b.street_classes = {{5, io::StreetClass::kPath}, {9, io::StreetClass::kMajor}};
    EXPECT_EQ(b.class_of(9), io::StreetClass::kMajor);
    EXPECT_EQ(b.class_of(5), io::StreetClass::kPath);
    EXPECT_EQ(b.class_of(7), io::StreetClass::kLocal);  // unknown
}

}  // namespace
}  // namespace lc15
