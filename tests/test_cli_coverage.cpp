// lc15 coverage end to end on the shipped demo district (珠海 香洲, real OSM data and a
// planner's list in GCJ-02), and an independent check of its distances through the exported
// graph.
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_api.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>

#include <oneapi/tbb/task_arena.h>

#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/coverage_output.hpp"
#include "io/graph_export.hpp"

#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = LC15_SOURCE_DIR;
const fs::path kDemo = kSource / "configs/zhuhai_xiangzhou.toml";

using lc15::test::CliRun;
using lc15::test::slurp;

CliRun run(const std::string& args) { return lc15::test::run_lc15(args); }

fs::path fresh_dir(const std::string& name) { return lc15::test::fresh_dir("cov_" + name); }

// A city's coverage computed as lc15 coverage computes it: the model and its report.
struct Computed {
    lc15::CoverageModel model;
    lc15::CoverageReport report;
};
Computed computed(const lc15::io::City& city) {
    lc15::CoverageModel model = lc15::io::make_coverage_model(city);
    model.compute();
    lc15::CoverageReport report = model.report(static_cast<std::uint32_t>(city.communities.size()));
    return {std::move(model), std::move(report)};
}

TEST(CoverageCommand, DemoRunsAndIsIdenticalForAnyThreadCount) {
    const fs::path a = fresh_dir("j1"), b = fresh_dir("j2");
    const CliRun r1 = run("coverage -q -j 1 --config " + kDemo.string() + " --out " + a.string());
    ASSERT_EQ(r1.code, 0) << r1.output;
    const CliRun r2 = run("coverage -q -j 2 --config " + kDemo.string() + " --out " + b.string());
    ASSERT_EQ(r2.code, 0) << r2.output;
    // (-j 2 computes the bus figures while the GeoPackage's first layers are written, -j 1
    // after them.)
    for (const char* f : {"communities.csv", "community_categories.csv", "city_summary.csv",
                          "warnings.txt", "bus_catchment.csv", "bus_access.csv", "bus_gaps.csv",
                          "bus_routes.csv", "bus_warnings.txt"}) {
        ASSERT_TRUE(fs::exists(a / f)) << f;
        EXPECT_EQ(slurp(a / f), slurp(b / f)) << f << " differs between -j1 and -j2";
    }
    for (const fs::path& dir : {a, b}) {
        const auto t = nlohmann::json::parse(slurp(dir / "summary.json"))["timings_s"];
        for (const char* stage : {"coverage", "bus catchment", "bus service area", "walk + bus"})
            EXPECT_TRUE(t.contains(stage)) << dir << ": no timing of " << stage;
    }
    EXPECT_TRUE(fs::exists(a / "coverage.gpkg"));
    for (const auto& e : fs::directory_iterator(a)) {
        EXPECT_EQ(e.path().filename().string().find(".lc15-partial"), std::string::npos)
            << "staging left behind";
    }

    const std::string csv = slurp(a / "communities.csv");
    ASSERT_GE(csv.size(), 3u);
    EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF") << "UTF-8 BOM so that Excel shows Chinese names";
    EXPECT_NE(slurp(a / "community_categories.csv").find("幼儿园"), std::string::npos);

    const auto j = nlohmann::json::parse(slurp(a / "summary.json"));
    EXPECT_EQ(j["osm_timestamp"], "2022-03-17T16:32:20Z");
    EXPECT_EQ(j["config_hash"].get<std::string>().size(), 64u);
    bool has_osm = false, has_list = false;
    for (const auto& in : j["inputs"]) {
        EXPECT_EQ(in["sha256"].get<std::string>().size(), 64u);
        has_osm |= in["role"] == "osm";
        has_list |= in["role"] == "facilities";
    }
    EXPECT_TRUE(has_osm && has_list);
    // The planner's GCJ-02 list holds the same kindergartens as OSM: converted correctly,
    // each lands within the 50 m merge distance of its OSM twin and counts once.
    for (const auto& c : j["categories"]) {
        if (c["id"] == "kindergarten") {
            EXPECT_EQ(c["facilities"], 2);
            EXPECT_EQ(c["merged_duplicates"], 2);
        }
        if (c["id"] == "bus_stop") {
            EXPECT_GT(c["facilities"].get<int>(), 100);
        }
        EXPECT_GE(c["share"].get<double>(), 0.0);
        EXPECT_LE(c["share"].get<double>(), 1.0);
    }
    EXPECT_GT(j["population"]["residents"].get<double>(), 1000);
}

TEST(CoverageCommand, BadInputExitsOneNamesTheFileAndKeepsEarlierOutputs) {
    const fs::path dir = fresh_dir("bad");
    fs::create_directories(dir);
    std::ofstream(dir / "communities.csv") << "earlier run";

    CliRun r = run("coverage --config " + (dir / "nope.toml").string() + " --out " + dir.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("nope.toml"), std::string::npos) << r.output;

    // A config whose OSM file is missing.
    const fs::path cfg = dir / "city.toml";
    std::ofstream(cfg) << "[city]\nosm = \"missing.osm.pbf\"\nrules = \""
                       << (kSource / "configs/rules/gb50180_2018.toml").string() << "\"\n";
    r = run("coverage --config " + cfg.string() + " --out " + dir.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("missing.osm.pbf"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("fix:"), std::string::npos) << r.output;

    // A planner's list without coordinate columns.
    std::ofstream(dir / "list.csv") << "id,name,type\n1,幼儿园,幼儿园\n";
    std::ofstream(cfg) << "[city]\nosm = \""
                       << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string()
                       << "\"\nrules = \"" << (kSource / "configs/rules/gb50180_2018.toml").string()
                       << "\"\n[[facilities]]\npath = \"list.csv\"\ncrs = \"GCJ-02\"\n";
    r = run("coverage --config " + cfg.string() + " --out " + dir.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("list.csv"), std::string::npos) << r.output;

    EXPECT_EQ(slurp(dir / "communities.csv"), "earlier run")
        << "a failed run must not touch earlier outputs";
    for (const auto& e : fs::directory_iterator(dir)) {
        EXPECT_EQ(e.path().filename().string().find(".lc15-partial"), std::string::npos);
    }

    // An output path that is a file.
    r = run("coverage --config " + kDemo.string() + " --out " + (dir / "communities.csv").string());
    EXPECT_EQ(r.code, 1) << r.output;
}

// Independent check: the distances lc15 reports for the demo equal a textbook Dijkstra run
// per home over the graph as exported to CSV (the file any other tool would read).
TEST(CoverageCommand, NearestDistancesMatchAnIndependentSearchOnTheExportedGraph) {
    const lc15::io::CityConfig cfg = lc15::io::load_city_config(kDemo);
    const lc15::io::City city = lc15::io::load_city(cfg);
    lc15::CoverageModel model = lc15::io::make_coverage_model(city);
    model.compute();

    const fs::path dir = fresh_dir("export");
    fs::create_directories(dir);
    lc15::io::write_graph_csv(city.osm.graph, dir);
    // Read edges.csv: id,source,target,length_m,flags,source_id
    std::ifstream f(dir / "edges.csv");
    std::string line;
    std::getline(f, line);
    const std::uint32_t n = city.osm.graph.num_vertices();
    std::vector<std::vector<std::pair<std::uint32_t, std::int64_t>>> adj(n);
    std::vector<std::array<std::int64_t, 3>> edges;  // source, target, cm
    while (std::getline(f, line)) {
        std::stringstream ss(line);
        std::string id, s, t, len;
        std::getline(ss, id, ',');
        std::getline(ss, s, ',');
        std::getline(ss, t, ',');
        std::getline(ss, len, ',');
        const auto cm = static_cast<std::int64_t>(std::llround(std::stod(len) * 100));
        edges.push_back({std::stoll(s), std::stoll(t), cm});
        adj[std::stoul(s)].push_back({static_cast<std::uint32_t>(std::stoul(t)), cm});
        adj[std::stoul(t)].push_back({static_cast<std::uint32_t>(std::stoul(s)), cm});
    }
    ASSERT_EQ(edges.size(), city.osm.graph.num_edges());

    const auto& rules = model.rules();
    int checked = 0;
    for (std::uint32_t cat = 0; cat < rules.size(); ++cat) {
        if (rules[cat].id != "kindergarten" && rules[cat].id != "primary_school" &&
            rules[cat].id != "park")
            continue;
        std::vector<lc15::SnapResult> fac;
        for (const auto& r : city.facilities) {
            if (r.category == cat && r.status == lc15::io::FacilityRecord::Status::Used)
                fac.insert(fac.end(), r.entrances.begin(), r.entrances.end());  // every entrance
        }
        ASSERT_FALSE(fac.empty()) << rules[cat].id;
        for (lc15::HomeId h = 0; h < city.homes.size(); h += 7) {
            const lc15::SnapResult& hs = city.homes[h].snap;
            if (!hs.ok()) continue;
            // Dijkstra from the home's two edge ends.
            std::vector<std::int64_t> d(n, INT64_MAX);
            using Item = std::pair<std::int64_t, std::uint32_t>;
            std::priority_queue<Item, std::vector<Item>, std::greater<>> pq;
            const auto& e = edges[hs.edge];
            d[e[0]] = std::min<std::int64_t>(d[e[0]], hs.off_tail);
            d[e[1]] = std::min<std::int64_t>(d[e[1]], hs.off_head);
            pq.push({d[e[0]], static_cast<std::uint32_t>(e[0])});
            pq.push({d[e[1]], static_cast<std::uint32_t>(e[1])});
            while (!pq.empty()) {
                auto [dv, v] = pq.top();
                pq.pop();
                if (dv != d[v]) continue;
                for (auto [w, len] : adj[v]) {
                    if (dv + len < d[w]) pq.push({d[w] = dv + len, w});
                }
            }
            std::int64_t best = INT64_MAX;
            for (const auto& fs_ : fac) {
                if (!fs_.ok()) continue;
                const auto& fe = edges[fs_.edge];
                std::int64_t via =
                    std::min(d[fe[0]] == INT64_MAX ? INT64_MAX : d[fe[0]] + fs_.off_tail,
                             d[fe[1]] == INT64_MAX ? INT64_MAX : d[fe[1]] + fs_.off_head);
                if (fs_.edge == hs.edge) {
                    via = std::min<std::int64_t>(
                        via, std::llabs(std::int64_t(fs_.off_tail) - std::int64_t(hs.off_tail)));
                }
                if (via != INT64_MAX) best = std::min(best, via + fs_.access + hs.access);
            }
            const auto got = model.home(cat, h).nearest;
            if (best == INT64_MAX) {
                EXPECT_EQ(got, lc15::kInfDistance);
            } else {
                EXPECT_EQ(static_cast<std::int64_t>(got), best) << rules[cat].id << " home " << h;
            }
            ++checked;
        }
    }
    EXPECT_GT(checked, 30);
}

}  // namespace

namespace {

TEST(InspectCommand, CountsFacilitiesPerCategoryOfTheRuleSet) {
    const CliRun r =
        run("inspect --json --rules " + (kSource / "configs/rules/gb50180_2018.toml").string() +
            " " + (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string());
    ASSERT_EQ(r.code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    const auto& counts = j["categories"]["counts"];
    EXPECT_EQ(counts["kindergarten"], 2);  // two amenity=kindergarten in the extract
    EXPECT_EQ(counts["bus_stop"], j["transit"]["stops"]);
    EXPECT_EQ(counts.size(), 22u);
    const CliRun bad = run("inspect --rules /nonexistent/rules.toml " +
                           (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string());
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.output.find("/nonexistent/rules.toml"), std::string::npos) << bad.output;
}

}  // namespace

namespace {

// A planner's list declared "WGS84" that is really GCJ-02 (every point ~600 m off its OSM
// twin in the GCJ-02 direction) is warned about by name; points outside the city are too.
TEST(CoverageCommand, WarnsAboutAMisdeclaredCrsAndPointsOutsideTheCity) {
    const fs::path dir = fresh_dir("crs");
    fs::create_directories(dir);
    const fs::path cfg = dir / "city.toml";
    std::ofstream(cfg)
        << "[city]\nosm = \"" << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string()
        << "\"\nrules = \"" << (kSource / "configs/rules/gb50180_2018.toml").string()
        << "\"\nbbox = [113.517, 22.2664, 113.5571, 22.2881]\n[[facilities]]\npath = \""
        << (kSource / "data/demo/xiangzhou_facilities_gcj02.csv").string()
        << "\"\ncrs = \"WGS84\"\ntype_field = \"type\"\n"
        << "[[facilities]]\npath = \"far.csv\"\ncrs = \"WGS84\"\ncategory = \"kindergarten\"\n";
    std::ofstream(dir / "far.csv") << "id,name,lon,lat\nk1,远处幼儿园,113.70,22.40\n";
    const fs::path out = dir / "out";
    const CliRun r =
        run("coverage -q --no-bus --config " + cfg.string() + " --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string w = slurp(out / "warnings.txt");
    EXPECT_NE(w.find("GCJ-02"), std::string::npos) << w;
    EXPECT_NE(w.find("xiangzhou_facilities_gcj02.csv"), std::string::npos) << w;
    EXPECT_NE(w.find("far.csv: k1"), std::string::npos) << w;
    EXPECT_NE(w.find("outside"), std::string::npos) << w;
}

// A category whose every facility lies off the network is named, with how many and why, so
// that its 0 % is not read as a measured gap; the other categories are not.
TEST(CoverageCommand, NamesACategoryWhoseFacilitiesAllLieOffTheNetwork) {
    const fs::path dir = fresh_dir("offnet");
    fs::create_directories(dir);
    const fs::path cfg = dir / "city.toml";
    std::ofstream(cfg) << "[city]\nosm = \""
                       << (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").string()
                       << "\"\nrules = \"" << (kSource / "configs/rules/gb50180_2018.toml").string()
                       << "\"\nbbox = [113.517, 22.2664, 113.5571, 22.2881]\n"
                       << "[network]\nmax_snap_m = 0.5\n[osm_facilities]\nenabled = false\n"
                       << "[[facilities]]\npath = \"k.csv\"\ncrs = \"WGS84\"\n"
                       << "category = \"kindergarten\"\n";
    std::ofstream(dir / "k.csv") << "id,name,lon,lat\nk1,幼儿园,113.5371,22.2771\n"
                                 << "k2,幼儿园二,113.5301,22.2741\n";
    const fs::path out = dir / "out";
    const CliRun r =
        run("coverage -q --no-bus --config " + cfg.string() + " --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string w = slurp(out / "warnings.txt");
    EXPECT_NE(w.find("category kindergarten: all 2 facilities lie off the network (2) or on "
                     "islands (0)"),
              std::string::npos)
        << w;
    EXPECT_EQ(w.find("category primary_school: all"), std::string::npos) << w;     // none listed
    EXPECT_NE(w.find("farther than max_snap_m = 0.5 m"), std::string::npos) << w;  // as given
}

}  // namespace

// coverage.gpkg's homes_grid holds the same homes and residents as the per-home layer, and
// per category the residents covered that city_summary.csv counts.
TEST(CoverageCommand, HomesGridTotalsAreThePerHomeLayersTotals) {
    const fs::path a = fresh_dir("grid");
    const CliRun r =
        run("coverage -q --no-bus --config " + kDemo.string() + " --out " + a.string());
    ASSERT_EQ(r.code, 0) << r.output;
    GDALAllRegister();
    GDALDatasetH ds =
        GDALOpenEx((a / "coverage.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    ASSERT_NE(ds, nullptr);
    auto sum = [&](const char* layer, const char* field) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, layer);
        EXPECT_NE(l, nullptr) << layer;
        double s = 0;
        OGR_L_ResetReading(l);
        while (OGRFeatureH f = OGR_L_GetNextFeature(l)) {
            s += OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, field));
            OGR_F_Destroy(f);
        }
        return s;
    };
    const double homes =
        static_cast<double>(OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(ds, "homes"), TRUE));
    ASSERT_GT(homes, 0);
    EXPECT_EQ(sum("homes_grid", "homes"), homes);
    const double residents = sum("homes", "population");
    EXPECT_NEAR(sum("homes_grid", "residents"), residents, 0.01 * homes);
    const auto summary = nlohmann::json::parse(slurp(a / "summary.json"));
    EXPECT_TRUE(summary.at("homes_layer").at("points").get<bool>());
    for (const auto& c : summary.at("categories")) {
        const std::string id = c.at("id");
        EXPECT_NEAR(sum("homes_grid", (id + "_covered").c_str()),
                    c.at("covered_population").get<double>(), 1.0 + 0.01 * homes)
            << id;
    }
    EXPECT_GT(summary.at("timings_s").at("outputs").at("coverage.gpkg").get<double>(), 0);
    // Every layer of coverage.gpkg timed, in the file's order; together within the file's time.
    const auto ordered = nlohmann::ordered_json::parse(slurp(a / "summary.json"));
    const auto& layers = ordered.at("timings_s").at("coverage.gpkg layers");
    std::vector<std::string> names;
    double layer_s = 0;
    for (const auto& [name, s] : layers.items()) {
        names.push_back(name);
        layer_s += s.get<double>();
    }
    std::vector<std::string> in_file;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); ++i)
        in_file.push_back(OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    EXPECT_EQ(names, in_file);
    EXPECT_LE(layer_s,
              summary.at("timings_s").at("outputs").at("coverage.gpkg").get<double>() + 0.01);
    GDALClose(ds);
    fs::remove_all(a);
}

// lc15 coverage without --maps (and lc15 nightly) frees the building outlines once the city is
// loaded: every other feature stays, in its order, and every figure and file is the same as
// with the outlines kept.
TEST(CoverageCommand, FreeingBuildingOutlinesKeepsEveryOtherFeatureAndEveryFigure) {
    const lc15::io::CityConfig cfg = lc15::io::load_city_config(kDemo);
    lc15::io::City kept = lc15::io::load_city(cfg);
    lc15::io::City freed = lc15::io::load_city(cfg);
    auto outline = [](const lc15::io::Feature& f) {
        if (!f.is_area() || f.tags.count("landuse") || f.tags.count("boundary")) return false;
        auto b = f.tags.find("building");
        return b != f.tags.end() && b->second != "no";
    };
    std::vector<std::string> others;
    std::size_t outlines = 0;
    for (const auto& f : kept.osm.features) {
        if (outline(f))
            ++outlines;
        else
            others.push_back(f.id);
    }
    ASSERT_GT(outlines, 100u) << "the demo district has buildings";
    ASSERT_GT(others.size(), 10u);
    EXPECT_EQ(lc15::io::drop_building_outlines(freed), outlines);
    std::vector<std::string> left;
    for (const auto& f : freed.osm.features) left.push_back(f.id);
    EXPECT_EQ(left, others);
    EXPECT_EQ(lc15::io::drop_building_outlines(freed), 0u) << "a second call frees nothing";

    auto write = [](const lc15::io::City& city, const fs::path& dir) {
        const Computed c = computed(city);
        lc15::io::OutputDir out(dir);
        lc15::io::RunInfo info;
        lc15::io::write_coverage_outputs(&out, city, c.model, c.report, info, true, nullptr);
        out.commit();
    };
    const fs::path a = fresh_dir("outlines_kept"), b = fresh_dir("outlines_freed");
    write(kept, a);
    write(freed, b);
    std::size_t compared = 0;
    for (const auto& e : fs::directory_iterator(a)) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() != ".csv" && e.path().extension() != ".txt") continue;
        ++compared;
        EXPECT_EQ(slurp(e.path()), slurp(b / name)) << name;
    }
    EXPECT_GE(compared, 8u);
}

// lc15 nightly without --out: the bus figures for the history, without the service area only
// bus.gpkg and the maps hold; every figure as in a run that writes the files.
TEST(CoverageCommand, BusAnalysisWithoutFilesSkipsOnlyTheServiceArea) {
    const lc15::io::City city = lc15::io::load_city(lc15::io::load_city_config(kDemo));
    const Computed c = computed(city);
    lc15::io::RunInfo with_info, without_info;
    lc15::io::OutputDir out(fresh_dir("bus_with_files"));
    const auto with =
        lc15::io::write_coverage_outputs(&out, city, c.model, c.report, with_info, true, nullptr);
    const auto without = lc15::io::write_coverage_outputs(nullptr, city, c.model, c.report,
                                                          without_info, true, nullptr);
    ASSERT_TRUE(with && without);
    EXPECT_FALSE(with->service_area.empty()) << "the demo's stops reach streets";
    EXPECT_TRUE(without->service_area.empty());
    auto timed = [](const lc15::io::BusAnalysis& b, const std::string& step) {
        for (const auto& [s, t] : b.timings)
            if (s == step) return true;
        return false;
    };
    EXPECT_TRUE(timed(*with, "bus service area"));
    EXPECT_FALSE(timed(*without, "bus service area"));
    const auto& a = with->catchment;
    const auto& b = without->catchment;
    ASSERT_EQ(a.communities.size(), b.communities.size());
    EXPECT_EQ(a.city.land_share, b.city.land_share);
    EXPECT_EQ(a.city.straight_share, b.city.straight_share);
    EXPECT_EQ(a.city.walk_share, b.city.walk_share);
    EXPECT_EQ(a.walk_m, b.walk_m);
    EXPECT_EQ(a.gaps.size(), b.gaps.size());
    ASSERT_EQ(with->access.size(), without->access.size());
    ASSERT_FALSE(with->access.empty());
    for (std::size_t i = 0; i < with->access.size(); ++i) {
        EXPECT_EQ(with->access[i].walk_population, without->access[i].walk_population);
        EXPECT_EQ(with->access[i].walk_bus_population, without->access[i].walk_bus_population);
    }
}

// The bus analysis runs on a thread of its own while coverage.gpkg's first layers are written: an
// error there (here a planners' line file gone between loading the city and the analysis) reaches
// the caller as itself, after the writer stops, and nothing staged is kept.
TEST(CoverageCommand, AnErrorOnTheBusThreadReachesTheCallerAndLeavesNoFile) {
    lc15::io::City city = lc15::io::load_city(lc15::io::load_city_config(kDemo));
    const Computed c = computed(city);
    const fs::path dir = fresh_dir("bus_thread_error");
    fs::create_directories(dir);
    std::ofstream(dir / "communities.csv") << "last night's file\n";
    lc15::io::FileSourceConfig gone;
    gone.path = dir / "gone_lines.csv";
    gone.where = "the test's [[bus.lines]]";
    city.config.bus_line_files.push_back(gone);
    tbb::task_arena two(2);  // the overlapped path, whatever the machine
    std::string error;
    two.execute([&] {
        lc15::io::OutputDir out(dir);
        lc15::io::RunInfo info;
        try {
            lc15::io::write_coverage_outputs(&out, city, c.model, c.report, info, true, nullptr);
            out.commit();
        } catch (const lc15::InputError& e) {
            error = e.what();
        }
    });
    EXPECT_NE(error.find("gone_lines.csv"), std::string::npos) << error;
    EXPECT_EQ(slurp(dir / "communities.csv"), "last night's file\n");
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename());
    EXPECT_EQ(left, std::vector<std::string>{"communities.csv"}) << "no staged file kept";
    EXPECT_TRUE(lc15::test::staging_beside(dir).empty());
}
