// A GTFS city end to end: configs/portoalegre.toml (the Porto Alegre OSM extract, EPTC's GTFS
// feed with its 13:00-15:00 window, IPEA's population grid, the whole extract as one community)
// through lc15 coverage and lc15 bus.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace lc15 {
namespace {

using test::run_lc15;
using test::slurp;

const fs::path kConfig = fs::path(LC15_SOURCE_DIR) / "configs/portoalegre.toml";

fs::path fresh_dir(const std::string& name) { return lc15::test::fresh_dir("poa_" + name); }

TEST(PortoAlegreCli, CoverageAndBusRunOnTheGtfsCityAndAgreeForAnyThreadCount) {
    const fs::path j1 = fresh_dir("j1"), j2 = fresh_dir("j2"), bus = fresh_dir("bus");
    const std::string base = "coverage -q --config " + kConfig.string() + " --out ";
    test::CliRun r = run_lc15(base + j1.string() + " -j1");
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_lc15(base + j2.string() + " -j2");
    ASSERT_EQ(r.code, 0) << r.output;

    const nlohmann::json s = nlohmann::json::parse(slurp(j2 / "summary.json"));
    const auto& b = s.at("bus");
    // One community, the whole extract, named by the city; the grid's people in it.
    EXPECT_EQ(s.at("communities").get<int>(), 1) << s.dump(1);
    EXPECT_NE(slurp(j2 / "communities.csv").find("Porto Alegre (centre)"), std::string::npos);
    EXPECT_GT(b.at("population").get<double>(), 500000);  // 812,935 in the grid's hexagons
    // The three 500 m figures are shares; walking never beats the straight line.
    // No residential land in the extract: the land figure does not apply (null, not 0).
    EXPECT_TRUE(b.at("land_share_straight").is_null());
    const double straight = b.at("population_share_straight"), walk = b.at("population_share_walk");
    for (double f : {straight, walk}) {
        EXPECT_GE(f, 0.0);
        EXPECT_LE(f, 1.0);
    }
    EXPECT_LE(walk, straight);
    // One set of stops: the living-circle bus_stop category (500 m walking, OSM and GTFS stops)
    // is the walking 500 m figure.
    bool bus_stop = false;
    for (const auto& c : s.at("categories")) {
        if (c.at("id") != "bus_stop") continue;
        bus_stop = true;
        EXPECT_EQ(c.at("facilities").get<double>(), b.at("stops").get<double>());
        EXPECT_NEAR(c.at("share").get<double>(), walk, 1e-9);
    }
    EXPECT_TRUE(bus_stop);
    EXPECT_GT(walk, 0.5) << "most of central Porto Alegre lives within 500 m of a stop";
    EXPECT_EQ(b.at("residential_land_m2").get<double>(), 0.0) << "the extract maps no landuse";
    // Lines from the GTFS feed (patterns departing 13:00-15:00), not from OSM (it has none).
    EXPECT_EQ(b.at("line_source").get<std::string>(), "GTFS portoalegre_eptc_gtfs.zip");
    EXPECT_GT(b.at("lines").get<int>(), 100);
    // Walk + bus: never below walking; health centres absent from the extract say so.
    ASSERT_EQ(b.at("access").size(), 3u);
    for (const auto& a : b.at("access")) {
        const std::string cat = a.at("category");
        if (cat == "health_centre") {
            EXPECT_EQ(a.at("facilities").get<int>(), 0);
            EXPECT_TRUE(a.at("share_walk_bus").is_null()) << "not applicable, not 0";
        } else {
            EXPECT_GT(a.at("facilities").get<int>(), 0) << cat;
            EXPECT_GE(a.at("share_walk_bus").get<double>(), a.at("share_walk").get<double>())
                << cat;
        }
    }
    EXPECT_NE(slurp(j2 / "bus_warnings.txt").find("health_centre: no facilities"),
              std::string::npos);

    // Identical files for -j1 and -j2 (summary.json differs in timings only).
    for (const char* f :
         {"communities.csv", "community_categories.csv", "city_summary.csv", "bus_catchment.csv",
          "bus_gaps.csv", "bus_access.csv", "bus_warnings.txt", "warnings.txt"}) {
        if (std::string(f) != "warnings.txt") {
            EXPECT_FALSE(slurp(j1 / f).empty()) << f;
        }
        EXPECT_EQ(slurp(j1 / f), slurp(j2 / f)) << f;
    }

    // lc15 bus alone writes the same bus files, and says where its lines come from.
    r = run_lc15("bus --config " + kConfig.string() + " --out " + bus.string() + " -j2");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("lines (GTFS portoalegre_eptc_gtfs.zip)"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("health_centre    no facilities"), std::string::npos) << r.output;
    for (const char* f : {"bus_catchment.csv", "bus_gaps.csv", "bus_access.csv"})
        EXPECT_EQ(slurp(bus / f), slurp(j2 / f)) << f;
    for (const auto& d : {j1, j2, bus}) fs::remove_all(d);
}

}  // namespace
}  // namespace lc15
