// scripts/check_distances.py recomputes a category's distances from lc15's outputs alone
// (graph export + coverage.gpkg) with scipy, and agrees with lc15 to the centimetre on the
// demo district — for parks (many boundary entrances per park), schools (gates) and
// kindergartens. It can fail: one distance changed by a centimetre in the GeoPackage is
// reported and the script exits 1.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/cli_run.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = LC15_SOURCE_DIR;

struct Py {
    int code;
    std::string out;
};

Py python(const std::string& args) {
    const std::string cmd = "/usr/bin/python3 " + args + " 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return {-1, ""};
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

TEST(CheckDistances, ScipyRecomputationAgreesToTheCentimetre) {
    const fs::path dir = test::fresh_dir("check_distances");
    const std::string graph = (dir / "graph").string(), run = (dir / "run").string();
    const auto g =
        test::run_lc15("graph export '" + (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string() +
                       "' -o '" + graph + "'");
    ASSERT_EQ(g.code, 0) << g.output;
    const auto c = test::run_lc15("coverage -q --config '" +
                                  (kSource / "configs/zhuhai_xiangzhou.toml").string() +
                                  "' --out '" + run + "'");
    ASSERT_EQ(c.code, 0) << c.output;
    const std::string script = "'" + (kSource / "scripts/check_distances.py").string() + "'";
    const std::string io = " --graph '" + graph + "' --gpkg '" + run + "/coverage.gpkg'";
    for (const char* cat : {"park", "middle_school", "kindergarten"}) {
        const Py p = python(script + io + " --category " + cat);
        EXPECT_EQ(p.code, 0) << p.out;
        EXPECT_NE(p.out.find(" 0 disagree"), std::string::npos) << p.out;
    }
    // Every park has entrances listed; parks are entered at more than one point each.
    const Py parks = python(script + io + " --category park");
    EXPECT_EQ(parks.out.find(" 0 entrances"), std::string::npos) << parks.out;

    // One centimetre off in one home's park distance: found. (The GeoPackage's R-tree
    // triggers call SpatiaLite functions; stand-ins do, as no geometry changes.)
    const Py edit = python(
        "-c \"import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); [d.create_function(f, 1, "
        "lambda g: 0) for f in ('ST_IsEmpty','ST_MinX','ST_MaxX','ST_MinY','ST_MaxY')]; "
        "d.execute('UPDATE homes SET "
        "park_cm = park_cm + 1 WHERE fid = (SELECT min(fid) FROM homes WHERE park_cm IS NOT "
        "NULL)'); d.commit()\" '" +
        run + "/coverage.gpkg'");
    ASSERT_EQ(edit.code, 0) << edit.out;
    const Py bad = python(script + io + " --category park");
    EXPECT_EQ(bad.code, 1) << bad.out;
    EXPECT_NE(bad.out.find(" 1 disagree"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace lc15
