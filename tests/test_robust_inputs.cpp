// Messages that used to mislead (issue 12): category ids that collide as output columns are
// refused at load; a category with no facility is warned about; a bus line file in GBK is
// refused like every other non-UTF-8 input. An OSM node with a coordinate off the globe and
// an extract that lost all its relations are warned about.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

#include "engine/error.hpp"
#include "engine/places.hpp"
#include "io/city.hpp"
#include "io/config.hpp"
#include "io/osm_reader.hpp"
#include "tests/support/test_city.hpp"

#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace lc15::io {
namespace {

const fs::path kSource = LC15_SOURCE_DIR;

// The demo config with absolute paths, plus `extra`, written into `dir`.
fs::path demo_config(const fs::path& dir, const std::string& extra) {
    fs::create_directories(dir);
    std::string text = test::slurp(kSource / "configs/zhuhai_xiangzhou.toml");
    text = std::regex_replace(text, std::regex("\"\\.\\./"), "\"" + kSource.string() + "/");
    text = std::regex_replace(text, std::regex("\"rules/"),
                              "\"" + (kSource / "configs/rules").string() + "/");
    std::ofstream(dir / "city.toml") << text << "\n" << extra;
    return dir / "city.toml";
}

std::string load_error(const fs::path& p) {
    return test::input_error_of([&] { load_city_config(p); });
}

TEST(RobustInputs, CategoryIdsThatCollideAsColumnsAreRefusedAtLoad) {
    const fs::path dir = test::fresh_dir("robust_ids");
    EXPECT_EQ(load_error(demo_config(dir, "")), "no error");
    const std::string park =
        load_error(demo_config(dir,
                               "[categories.Park]\nlevel = 5\nradius_m = 300\nmatch = [ { "
                               "tags = { leisure = \"park\" } } ]\n"
                               "[categories.park]\nlevel = 5\nradius_m = 500\nmatch = [ { "
                               "tags = { leisure = \"park\" } } ]\n"));
    EXPECT_NE(park.find("ignore case"), std::string::npos) << park;
    EXPECT_NE(park.find("'Park'"), std::string::npos) << park;
    const std::string street = load_error(demo_config(
        dir,
        "[categories.street]\nlevel = 5\nradius_m = 300\nmatch = [ { tags = { highway = "
        "\"residential\" } } ]\n"));
    EXPECT_NE(street.find("street_m"), std::string::npos) << street;
}

TEST(RobustInputs, CategoryWithoutFacilitiesIsWarned) {
    const fs::path out = test::fresh_dir("robust_empty_category");
    const test::CliRun r = test::run_lc15("coverage -q --no-bus --config " +
                                          (kSource / "configs/zhuhai_xiangzhou.toml").string() +
                                          " --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string w = test::slurp(out / "warnings.txt");
    // The demo has no nursing home at all (OSM nor the planner's list).
    EXPECT_NE(w.find("category nursing_home (养老院/老年养护院) has no facility"),
              std::string::npos)
        << w;
    EXPECT_EQ(w.find("category kindergarten ("), std::string::npos) << "it has facilities";
}

TEST(RobustInputs, BusLineFileInGbkIsRefused) {
    const fs::path dir = test::fresh_dir("robust_gbk_lines");
    fs::create_directories(dir);
    // line,lon,lat with a GBK stop name (北京).
    std::ofstream(dir / "lines.csv", std::ios::binary)
        << "line,stop_name,lon,lat\nL1,\xB1\xB1\xBE\xA9,113.53,22.27\nL1,b,113.54,22.28\n";
    const fs::path cfg =
        demo_config(dir, "[[bus.lines]]\npath = \"" + (dir / "lines.csv").string() + "\"\n");
    const test::CliRun r =
        test::run_lc15("bus -q --config " + cfg.string() + " --out " + (dir / "out").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("lines.csv"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not UTF-8"), std::string::npos) << r.output;
}

// One setting must not multiply the work without bound: sampling 1 m over a 10 km square would
// be 1e8 points (memory past 9 GB); the ceiling refuses it before allocating, saying which
// spacing fits and how to raise the ceiling.
TEST(RobustInputs, SamplingHasACeilingThatSaysHowToRaiseIt) {
    const Polygon square{
        {test::metres_at(0, 0), test::metres_at(10000, 0), test::metres_at(10000, 10000),
         test::metres_at(0, 10000), test::metres_at(0, 0)},
        {}};
    const std::vector<MultiPolygon> land{{square}};
    const std::vector<CommunityArea> communities{{land[0], 1000.0}};
    HomeOptions o;
    std::vector<CommunityId> unhoused;
    try {
        homes_from_sampling(land, 1.0, communities, o, &unhoused);
        FAIL() << "1e8 sample points must be refused";
    } catch (const InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("ceiling of 5e+06"), std::string::npos) << m;
        EXPECT_NE(m.find("sample_spacing_m to 5 m or more"), std::string::npos) << m;
        EXPECT_NE(m.find("max_samples"), std::string::npos) << m;
    }
    // Within the ceiling: laid as before.
    EXPECT_GT(homes_from_sampling(land, 50.0, communities, o, &unhoused).size(), 39000u);
    o.max_samples = 1000;
    EXPECT_THROW(homes_from_sampling(land, 50.0, communities, o, &unhoused), InputError);
}

// An OSM file not sorted by type and id (as JOSM and Overpass write it: here the way comes
// before its nodes, and the nodes are out of order) is sorted in memory, with a warning. It
// used to lose the way silently ("no walkable way in the extract").
TEST(RobustInputs, UnsortedOsmIsSortedInMemoryWithAWarning) {
    const fs::path dir = test::fresh_dir("robust_unsorted_osm");
    fs::create_directories(dir);
    std::ofstream(dir / "josm.osm")
        << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"JOSM\">\n"
           "<way id=\"10\" version=\"1\"><nd ref=\"3\"/><nd ref=\"1\"/><nd ref=\"2\"/>"
           "<tag k=\"highway\" v=\"footway\"/></way>\n"
           "<node id=\"3\" version=\"1\" lat=\"40.602\" lon=\"122.2\"/>\n"
           "<node id=\"1\" version=\"1\" lat=\"40.600\" lon=\"122.2\"/>\n"
           "<node id=\"2\" version=\"1\" lat=\"40.601\" lon=\"122.201\"><tag k=\"amenity\" "
           "v=\"kindergarten\"/></node>\n</osm>\n";
    const OsmData d = read_osm(dir / "josm.osm");
    EXPECT_EQ(d.graph.num_edges(), 1u);  // the way 3 - 1 - 2, kept: one edge between its ends
    ASSERT_FALSE(d.warnings.empty());
    EXPECT_NE(d.warnings.front().find("sorted in memory"), std::string::npos) << d.warnings.front();
    bool kindergarten = false;
    for (const Feature& f : d.features) kindergarten |= f.id == "n2";
    EXPECT_TRUE(kindergarten);
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
        EXPECT_EQ(
            e.path().filename().string().rfind("lc15-sorted-" + std::to_string(::getpid()), 0),
            std::string::npos)
            << "temporary sorted file left behind";
}

// A node with a coordinate outside the globe used to be dropped without a word (the way
// through it cut there); it is warned about, naming the node and its coordinate.
TEST(RobustInputs, OsmNodeOffTheGlobeIsWarned) {
    const fs::path dir = test::fresh_dir("robust_absurd_node");
    fs::create_directories(dir);
    std::ofstream(dir / "broken.osm")
        << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
           "<node id=\"1\" version=\"1\" lat=\"40.600\" lon=\"122.200\"/>\n"
           "<node id=\"2\" version=\"1\" lat=\"40.601\" lon=\"122.201\"/>\n"
           "<node id=\"3\" version=\"1\" lat=\"40.602\" lon=\"200.5\"/>\n"
           "<way id=\"10\" version=\"1\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/>"
           "<tag k=\"highway\" v=\"footway\"/></way>\n</osm>\n";
    const OsmData d = read_osm(dir / "broken.osm");
    EXPECT_EQ(d.graph.num_edges(), 1u);  // 1 - 2; the way stops where the node is missing
    std::string found;
    for (const auto& w : d.warnings)
        if (w.find("outside [-180, 180] x [-90, 90]") != std::string::npos) found = w;
    ASSERT_FALSE(found.empty()) << "no warning for node 3 at lon 200.5";
    EXPECT_NE(found.find("1 node has"), std::string::npos) << found;
    EXPECT_NE(found.find("node 3 at lon 200.5"), std::string::npos) << found;

    // A sound file gets no such warning.
    std::ofstream(dir / "sound.osm")
        << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
           "<node id=\"1\" version=\"1\" lat=\"40.600\" lon=\"122.200\"/>\n"
           "<node id=\"2\" version=\"1\" lat=\"40.601\" lon=\"122.201\"/>\n"
           "<way id=\"10\" version=\"1\"><nd ref=\"1\"/><nd ref=\"2\"/>"
           "<tag k=\"highway\" v=\"footway\"/></way>\n</osm>\n";
    for (const auto& w : read_osm(dir / "sound.osm").warnings)
        EXPECT_EQ(w.find("outside [-180"), std::string::npos) << w;
}

// The demo extract without its relations (as `osmium extract -s simple` or a tag filter can
// leave it) still has its streets and ran without a word, with no bus routes at all.
TEST(RobustInputs, ExtractWithoutRelationsIsWarned) {
    const fs::path dir = test::fresh_dir("robust_no_relations");
    std::string osm = test::slurp(kSource / "data/osm/cn_zhuhai_xiangzhou.osm");
    const auto first = osm.find("<relation");
    ASSERT_NE(first, std::string::npos);
    fs::create_directories(dir);
    std::ofstream(dir / "no_relations.osm") << osm.substr(0, first) << "</osm>\n";
    auto warning_of = [](const City& city) {
        for (const auto& w : city.warnings)
            if (w.find("no relations at all") != std::string::npos) return w;
        return std::string();
    };
    CityConfig config = load_city_config(demo_config(dir, ""));
    EXPECT_EQ(warning_of(load_city(config)), "");  // the whole extract: relations present
    config.osm = dir / "no_relations.osm";
    const City city = load_city(config);
    EXPECT_EQ(city.osm.relations, 0u);
    const std::string w = warning_of(city);
    EXPECT_NE(w.find("no_relations.osm"), std::string::npos) << w;
    EXPECT_NE(w.find("bus routes"), std::string::npos) << w;
    EXPECT_NE(w.find("osmium extract -s complete_ways"), std::string::npos) << w;
}

}  // namespace
}  // namespace lc15::io
