// lc15 bus end to end on the shipped demo district (珠海 香洲, OSM stops and route relations),
// its bad inputs, and the bus figures that lc15 coverage writes beside the living circle.
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_api.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/vector_reader.hpp"

#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = LC15_SOURCE_DIR;
const fs::path kDemo = kSource / "configs/zhuhai_xiangzhou.toml";

using lc15::test::CliRun;
using lc15::test::slurp;

CliRun run(const std::string& args) { return lc15::test::run_lc15(args); }

fs::path fresh_dir(const std::string& name) { return lc15::test::fresh_dir("bus_" + name); }

/// A CSV file as written by lc15 (BOM, CRLF, RFC 4180 quotes): rows of named cells.
struct Csv {
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const fs::path& p) {
    std::string text = slurp(p);
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    std::vector<std::vector<std::string>> table;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            row.push_back(std::move(field));
            field.clear();
            table.push_back(std::move(row));
            row.clear();
        } else if (c != '\r') {
            field += c;
        }
    }
    Csv csv;
    if (table.empty()) return csv;
    csv.header = table[0];
    for (std::size_t r = 1; r < table.size(); ++r) {
        EXPECT_EQ(table[r].size(), csv.header.size()) << p << " row " << r;
        std::map<std::string, std::string> m;
        for (std::size_t c = 0; c < table[r].size() && c < csv.header.size(); ++c)
            m[csv.header[c]] = table[r][c];
        csv.rows.push_back(std::move(m));
    }
    return csv;
}

double num(const std::map<std::string, std::string>& row, const std::string& col) {
    const auto it = row.find(col);
    EXPECT_NE(it, row.end()) << "no column " << col;
    if (it == row.end() || it->second.empty()) return -1;
    return std::stod(it->second);
}

/// The service_area layer of bus.gpkg, as its coordinates in file order.
std::vector<double> read_service_area(const fs::path& gpkg) {
    lc15::io::VectorSource src;
    src.path = gpkg;
    src.layer = "service_area";
    const lc15::io::VectorData data = lc15::io::read_vector(src, nullptr);
    std::vector<double> xy;
    for (const auto& f : data.features) {
        for (const auto& poly : f.area) {
            for (const auto& p : poly.outer) xy.insert(xy.end(), {p.lon, p.lat});
            for (const auto& ring : poly.inners) {
                for (const auto& p : ring) xy.insert(xy.end(), {p.lon, p.lat});
            }
        }
    }
    return xy;
}

/// The service_area layer's features that GDAL (GEOS) finds invalid, or whose tile is missing or
/// repeated, as "feature N: why"; and the number of features.
std::pair<std::vector<std::string>, int> check_service_tiles(const fs::path& gpkg) {
    GDALAllRegister();
    std::vector<std::string> bad;
    GDALDatasetH ds = GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    if (!ds) return {{"cannot open " + gpkg.string()}, 0};
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "service_area");
    int n = 0;
    if (!layer) bad.push_back("no layer service_area");
    std::set<std::string> tiles;
    while (layer) {
        OGRFeatureH f = OGR_L_GetNextFeature(layer);
        if (!f) break;
        ++n;
        OGRGeometryH geom = OGR_F_GetGeometryRef(f);
        const int field = OGR_F_GetFieldIndex(f, "tile");
        const std::string tile = field >= 0 ? OGR_F_GetFieldAsString(f, field) : "";
        if (!geom || !OGR_G_IsValid(geom))
            bad.push_back("feature " + std::to_string(n) + " (tile " + tile + "): not valid");
        if (tile.empty() || !tiles.insert(tile).second)
            bad.push_back("feature " + std::to_string(n) + ": tile '" + tile +
                          "' missing or repeated");
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return {bad, n};
}

const char* const kBusFiles[] = {"bus_catchment.csv", "bus_gaps.csv", "bus_access.csv",
                                 "bus_routes.csv", "bus_warnings.txt"};

TEST(BusCommand, DemoFiguresAreSharesWalkingNeverBeatsStraightAndAnyThreadCountAgrees) {
    const fs::path a = fresh_dir("j1"), b = fresh_dir("j2");
    const CliRun r1 = run("bus -q -j 1 --config " + kDemo.string() + " --out " + a.string());
    ASSERT_EQ(r1.code, 0) << r1.output;
    const CliRun r2 = run("bus -q -j 2 --config " + kDemo.string() + " --out " + b.string());
    ASSERT_EQ(r2.code, 0) << r2.output;
    for (const char* f : kBusFiles) {
        ASSERT_TRUE(fs::exists(a / f)) << f;
        EXPECT_EQ(slurp(a / f), slurp(b / f)) << f << " differs between -j1 and -j2";
    }
    // The GeoPackage holds timestamps: compare its service area through the reader instead.
    const auto service_a = read_service_area(a / "bus.gpkg");
    ASSERT_FALSE(service_a.empty()) << "the demo's stops reach streets";
    EXPECT_EQ(service_a, read_service_area(b / "bus.gpkg"))
        << "the service area differs between -j1 and -j2";
    // One feature per tile, each valid as QGIS checks it (GEOS through OGR).
    const auto [invalid, features] = check_service_tiles(a / "bus.gpkg");
    EXPECT_GT(features, 1) << "the demo's service area spans several 500 m tiles";
    for (const std::string& why : invalid) ADD_FAILURE() << "bus.gpkg service_area " << why;

    // The three figures: shares, and per row walking <= straight (a walk along the streets is
    // never shorter than the straight line to the same stop).
    const Csv catchment = read_csv(a / "bus_catchment.csv");
    ASSERT_GE(catchment.rows.size(), 2u) << "the city and at least one community";
    EXPECT_EQ(catchment.rows[0].at("community"), "city");
    EXPECT_GT(num(catchment.rows[0], "population"), 1000);
    EXPECT_GT(num(catchment.rows[0], "residential_land_m2"), 0);
    // Residents outside every community are said on the city row, and only there.
    const double outside = num(catchment.rows[0], "population_outside_communities");
    EXPECT_GT(outside, 0.0) << "the demo's communities do not cover the district";
    EXPECT_LT(outside, num(catchment.rows[0], "population"));
    double community_people = 0;
    for (const auto& row : catchment.rows) {
        if (row.at("community") != "city") {
            EXPECT_EQ(row.at("population_outside_communities"), "");
        }
        // Not applicable is empty, never 0: a share of no land / no people.
        EXPECT_EQ(row.at("land_fraction_straight").empty(), num(row, "residential_land_m2") == 0)
            << row.at("community");
        EXPECT_EQ(row.at("population_fraction_walk").empty(), num(row, "population") == 0)
            << row.at("community");
        if (row.at("population_fraction_walk").empty()) continue;
        const double land =
            row.at("land_fraction_straight").empty() ? 0.0 : num(row, "land_fraction_straight");
        const double straight = num(row, "population_fraction_straight");
        const double walk = num(row, "population_fraction_walk");
        for (double s : {land, straight, walk}) {
            EXPECT_GE(s, 0.0) << row.at("community");
            EXPECT_LE(s, 1.0) << row.at("community");
        }
        EXPECT_LE(walk, straight) << row.at("community");
        if (row.at("community") != "city") community_people += num(row, "population");
    }
    EXPECT_NEAR(community_people + outside, num(catchment.rows[0], "population"),
                1e-6 * num(catchment.rows[0], "population"));
    // The demo district has over a hundred OSM stops: people are covered.
    EXPECT_GT(num(catchment.rows[0], "population_fraction_walk"), 0.0);

    // The gap list: ranked 1..n, most people first, only people not covered on foot.
    const Csv gaps = read_csv(a / "bus_gaps.csv");
    double gap_people = 0;
    for (std::size_t i = 0; i < gaps.rows.size(); ++i) {
        EXPECT_EQ(num(gaps.rows[i], "rank"), double(i + 1));
        const double p = num(gaps.rows[i], "population");
        EXPECT_GT(num(gaps.rows[i], "homes"), 0);
        if (i > 0) {
            EXPECT_LE(p, num(gaps.rows[i - 1], "population")) << "row " << i;
        }
        gap_people += p;
    }
    const double city_people = num(catchment.rows[0], "population");
    const double uncovered = city_people * (1 - num(catchment.rows[0], "population_fraction_walk"));
    EXPECT_NEAR(gap_people, uncovered, 1e-6 * city_people + 1e-6)
        << "the gaps hold exactly the people not within walking reach";

    // Walk + bus: shares, and the bus never makes a trip slower.
    const Csv access = read_csv(a / "bus_access.csv");
    ASSERT_FALSE(access.rows.empty());
    for (const auto& row : access.rows) {
        EXPECT_EQ(num(row, "budget_min"), 30.0) << "the demo config's budget";
        EXPECT_EQ(row.at("community_id").empty(), row.at("community") == "city");
        if (row.at("walk_fraction").empty()) {  // not applicable: no people or no facilities
            EXPECT_TRUE(num(row, "population") == 0 || num(row, "facilities") == 0);
            EXPECT_EQ(row.at("walk_bus_fraction"), "");
            continue;
        }
        EXPECT_GT(num(row, "facilities"), 0);
        const double walk = num(row, "walk_fraction"), bus = num(row, "walk_bus_fraction");
        EXPECT_GE(walk, 0.0);
        EXPECT_LE(bus, 1.0);
        EXPECT_LE(walk, bus) << row.at("community") << " " << row.at("category");
    }
}

TEST(BusCommand, BadInputExitsOneAndNamesTheProblem) {
    const fs::path dir = fresh_dir("bad");
    fs::create_directories(dir);

    // A config whose GTFS feed is missing: named before the city is loaded.
    const fs::path cfg = dir / "city.toml";
    std::ofstream(cfg) << "[city]\nosm = \""
                       << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string()
                       << "\"\nrules = \"" << (kSource / "configs/rules/gb50180_2018.toml").string()
                       << "\"\n[bus]\ngtfs = \"missing_feed.zip\"\n";
    CliRun r = run("bus --config " + cfg.string() + " --out " + (dir / "out").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("missing_feed.zip"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out" / "bus_catchment.csv"));
    // lc15 coverage runs the bus analysis too and fails the same way, unless told not to.
    r = run("coverage -q --config " + cfg.string() + " --out " + (dir / "out").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("missing_feed.zip"), std::string::npos) << r.output;

    // Bad time windows.
    for (const char* w : {"7am", "07:00-9", "09:00-07:00", "07:75-09:00"}) {
        r = run("bus --config " + kDemo.string() + " --out " + (dir / "w").string() + " --window " +
                w);
        EXPECT_EQ(r.code, 1) << w << ": " << r.output;
        EXPECT_NE(r.output.find("--window"), std::string::npos) << w << ": " << r.output;
    }
    EXPECT_FALSE(fs::exists(dir / "w" / "bus_catchment.csv"));
}

// A feed that exists but is not a zip (found once the extract is read): the error names the
// file, the exit code is bad input's, and the folder keeps the last good run's files, nothing
// half-written beside them.
TEST(BusCommand, DamagedFeedNamesTheFileAndKeepsTheLastRunsFiles) {
    const fs::path dir = fresh_dir("bad_feed");
    fs::create_directories(dir / "out");
    std::ofstream(dir / "broken_feed.zip") << "this is not a zip archive\n";
    const fs::path cfg = dir / "city.toml";
    std::ofstream(cfg) << "[city]\nosm = \""
                       << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string()
                       << "\"\nrules = \"" << (kSource / "configs/rules/gb50180_2018.toml").string()
                       << "\"\n[bus]\ngtfs = \"broken_feed.zip\"\n";
    std::ofstream(dir / "out" / "communities.csv") << "last night's file\n";
    const CliRun r = run("coverage -q --threads 2 --config " + cfg.string() + " --out " +
                         (dir / "out").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("broken_feed.zip"), std::string::npos) << r.output;
    EXPECT_EQ(slurp(dir / "out" / "communities.csv"), "last night's file\n");
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir / "out")) left.push_back(e.path().filename());
    EXPECT_EQ(left, std::vector<std::string>{"communities.csv"}) << "no staged file left behind";
    EXPECT_TRUE(lc15::test::staging_beside(dir / "out").empty());
}

// lc15 coverage gives planners everything in one run: the bus files, identical to lc15 bus's,
// and the three 500 m figures per community in communities.csv and summary.json.
TEST(BusCommand, CoverageCarriesTheBusFiguresAndAgreesWithBus) {
    const fs::path cov = fresh_dir("coverage"), bus = fresh_dir("alone");
    const CliRun rc = run("coverage -q --config " + kDemo.string() + " --out " + cov.string());
    ASSERT_EQ(rc.code, 0) << rc.output;
    const CliRun rb = run("bus -q --config " + kDemo.string() + " --out " + bus.string());
    ASSERT_EQ(rb.code, 0) << rb.output;
    for (const char* f : kBusFiles) {
        ASSERT_TRUE(fs::exists(cov / f)) << f;
        EXPECT_EQ(slurp(cov / f), slurp(bus / f)) << f << " differs between coverage and bus";
    }
    EXPECT_TRUE(fs::exists(cov / "bus.gpkg"));

    const Csv catchment = read_csv(bus / "bus_catchment.csv");
    std::map<std::string, std::map<std::string, std::string>> by_id;
    for (const auto& row : catchment.rows) by_id[row.at("community_id")] = row;
    const Csv comm = read_csv(cov / "communities.csv");
    ASSERT_FALSE(comm.rows.empty());
    const std::pair<const char*, const char*> columns[] = {
        {"bus500_land_share", "land_fraction_straight"},
        {"bus500_people_straight_share", "population_fraction_straight"},
        {"bus500_people_walk_share", "population_fraction_walk"}};
    int compared = 0;
    for (const auto& row : comm.rows) {
        ASSERT_TRUE(by_id.count(row.at("id"))) << row.at("id");
        const auto& ref = by_id[row.at("id")];
        for (const auto& [mine, theirs] : columns) {
            ASSERT_TRUE(row.count(mine)) << mine;
            if (row.at(mine).empty()) {  // nothing to share out: no land / no people
                EXPECT_EQ(num(ref, std::string(mine) == "bus500_land_share" ? "residential_land_m2"
                                                                            : "population"),
                          0.0)
                    << row.at("id") << " " << mine;
                continue;
            }
            EXPECT_NEAR(num(row, mine), num(ref, theirs), 0.5e-4) << row.at("id") << " " << mine;
            ++compared;
        }
    }
    EXPECT_GT(compared, 0);

    const auto j = nlohmann::json::parse(slurp(cov / "summary.json"));
    ASSERT_TRUE(j["bus"].is_object()) << j.dump(2);
    const auto& city = catchment.rows.at(0);
    EXPECT_EQ(j["bus"]["radius_m"], 500.0);
    EXPECT_NEAR(j["bus"]["land_share_straight"].get<double>(), num(city, "land_fraction_straight"),
                0.5e-4);
    EXPECT_NEAR(j["bus"]["population_share_straight"].get<double>(),
                num(city, "population_fraction_straight"), 0.5e-4);
    EXPECT_NEAR(j["bus"]["population_share_walk"].get<double>(),
                num(city, "population_fraction_walk"), 0.5e-4);
    const Csv access = read_csv(bus / "bus_access.csv");
    ASSERT_EQ(j["bus"]["access"].size(), 3u) << "the demo config's three [bus] categories";
    for (const auto& a : j["bus"]["access"]) {
        bool found = false;
        for (const auto& row : access.rows) {
            if (row.at("community") != "city" || row.at("category") != a["category"]) continue;
            found = true;
            EXPECT_NEAR(a["share_walk"].get<double>(), num(row, "walk_fraction"), 0.5e-4);
            EXPECT_NEAR(a["share_walk_bus"].get<double>(), num(row, "walk_bus_fraction"), 0.5e-4);
        }
        EXPECT_TRUE(found) << a.dump();
    }

    // --no-bus: no bus columns, "bus": null, no bus files.
    const fs::path plain = fresh_dir("nobus");
    const CliRun rn =
        run("coverage -q --no-bus --config " + kDemo.string() + " --out " + plain.string());
    ASSERT_EQ(rn.code, 0) << rn.output;
    EXPECT_EQ(read_csv(plain / "communities.csv").rows.at(0).count("bus500_land_share"), 0u);
    EXPECT_TRUE(nlohmann::json::parse(slurp(plain / "summary.json"))["bus"].is_null());
    EXPECT_FALSE(fs::exists(plain / "bus_catchment.csv"));

    // --no-bus over the folder of a run with buses: the old bus files go, so that nothing
    // stale sits beside the new figures.
    const CliRun again =
        run("coverage -q --no-bus --config " + kDemo.string() + " --out " + cov.string());
    ASSERT_EQ(again.code, 0) << again.output;
    for (const char* f : {"bus_catchment.csv", "bus_gaps.csv", "bus_access.csv", "bus_routes.csv",
                          "bus.gpkg", "bus_warnings.txt"}) {
        EXPECT_FALSE(fs::exists(cov / f)) << f;
    }
    EXPECT_TRUE(fs::exists(cov / "communities.csv"));
}

}  // namespace
