// Damaged inputs stop the run with a message naming the file (issue 12): a truncated
// Shapefile (GDAL's read errors used to go to stderr while 25 of 96 facilities were kept, exit
// 0) and a truncated GTFS zip (which used to say "stops.txt missing").
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/error.hpp"
#include "engine/polygon.hpp"
#include "io/gtfs.hpp"
#include "io/vector_reader.hpp"

#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace fs = std::filesystem;

namespace lc15::io {
namespace {

const fs::path kSource = LC15_SOURCE_DIR;

TEST(RobustDamage, TruncatedShapefileIsAnErrorNamingTheFile) {
    const fs::path dir = test::fresh_dir("robust_shp");
    fs::create_directories(dir);
    {
        std::ofstream csv(dir / "f.csv");
        csv << "id,name,lon,lat\n";
        for (int i = 0; i < 96; ++i)
            csv << i << ",幼儿园" << i << "," << 113.52 + i * 0.0003 << "," << 22.27 + i * 0.0001
                << "\n";
    }
    ASSERT_EQ(std::system(("cd '" + dir.string() +
                           "' && ogr2ogr -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat "
                           "-a_srs EPSG:4326 f.shp f.csv")
                              .c_str()),
              0);
    VectorSource src;
    src.path = dir / "f.shp";
    EXPECT_EQ(read_vector(src, nullptr).features.size(), 96u);  // intact: every point
    fs::resize_file(dir / "f.shp", 800);                        // cut after 25 points
    const std::string e = test::input_error_of([&] { read_vector(src, nullptr); });
    EXPECT_NE(e.find("f.shp"), std::string::npos) << e;
    EXPECT_NE(e.find("damaged"), std::string::npos) << e;
    EXPECT_NE(e.find("after fid 24"), std::string::npos) << e;
    EXPECT_NE(e.find("fix:"), std::string::npos) << e;

    // Through the CLI: no raw "ERROR 1:" lines from GDAL, exit 1.
    const test::CliRun r = test::run_lc15("convert '" + src.path.string() + "' '" +
                                          (dir / "out.csv").string() + "' --to WGS84");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_EQ(r.output.find("ERROR 1:"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out.csv"));
}

TEST(RobustDamage, TruncatedGtfsZipSaysItIsDamaged) {
    const fs::path dir = test::fresh_dir("robust_gtfs");
    fs::create_directories(dir);
    const fs::path zip = dir / "feed.zip";
    fs::copy_file(kSource / "data/gtfs/portoalegre_eptc_gtfs.zip", zip);
    fs::resize_file(zip, fs::file_size(zip) / 3);  // a download cut short
    const std::string e = test::input_error_of([&] { read_gtfs(zip); });
    EXPECT_NE(e.find("feed.zip"), std::string::npos) << e;
    EXPECT_NE(e.find("damaged"), std::string::npos) << e;
    EXPECT_EQ(e.find("missing"), std::string::npos) << e;
}

// A community polygon that crosses itself or is not closed is refused (it used to be used as
// is: containment of homes in a bow-tie is anyone's guess).
TEST(RobustDamage, BadCommunityPolygonsAreReported) {
    const Ring square{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
    EXPECT_EQ(polygon_problem({Polygon{square, {}}}), "");
    const Ring bow{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}};
    EXPECT_NE(polygon_problem({Polygon{bow, {}}}).find("crosses itself"), std::string::npos);
    const Ring open{{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    EXPECT_NE(polygon_problem({Polygon{open, {}}}).find("not closed"), std::string::npos);
    const Ring flat{{0, 0}, {1, 0}, {0, 0}};
    EXPECT_NE(polygon_problem({Polygon{flat, {}}}).find("fewer than 3"), std::string::npos);
    EXPECT_NE(polygon_problem({Polygon{square, {bow}}}).find("hole 1 crosses itself"),
              std::string::npos);

    // End to end: a planner's bow-tie community stops the run naming the file and the row.
    const fs::path dir = test::fresh_dir("robust_bowtie");
    fs::create_directories(dir);
    std::ofstream(dir / "communities.csv")
        << "id,name,population,wkt\n"
           "c1,东,1200,\"POLYGON ((113.52 22.27, 113.55 22.285, 113.55 22.27, 113.52 22.285, "
           "113.52 22.27))\"\n";
    std::ofstream(dir / "city.toml")
        << "[city]\nname = \"t\"\nosm = \""
        << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string() << "\"\nrules = \""
        << (kSource / "configs/rules/gb50180_2018.toml").string()
        << "\"\n[communities]\nsource = \"file\"\npath = \"communities.csv\"\nid_field = \"id\"\n"
           "name_field = \"name\"\npopulation_field = \"population\"\n";
    const test::CliRun r = test::run_lc15("coverage -q --config " + (dir / "city.toml").string() +
                                          " --out " + (dir / "out").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("communities.csv: c1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("crosses itself"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lc15::io
