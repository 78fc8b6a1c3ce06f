// End-to-end tests of `lc15 scenario` and `lc15 optimize` on the demo district (珠海 香洲), and
// of the io::City -> ScenarioCity adapter.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "io/city.hpp"
#include "scenarios/city_adapter.hpp"
#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace lc15 {
namespace {

using test::slurp;

const fs::path kRoot = LC15_SOURCE_DIR;
const fs::path kConfig = kRoot / "configs" / "zhuhai_xiangzhou.toml";
const fs::path kExamples = kRoot / "scenarios" / "examples";

// A CSV as written by write_csv_bom. Rows of cells, header first.
std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
    return test::csv_rows(slurp(p));
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return 0;
}

class CliScenario : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("lc15_cli_scenario_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs lc15 with `args`; returns the exit code, stderr in err_.
    int lc15(const std::string& args) {
        const fs::path err = dir_ / "stderr.txt";
        const std::string cmd = "'" + std::string(LC15_EXE) + "' " + args + " >'" +
                                (dir_ / "stdout.txt").string() + "' 2>'" + err.string() + "'";
        const int rc = std::system(cmd.c_str());
        err_ = slurp(err);
        return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    fs::path write(const std::string& name, const std::string& text) {
        const fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
    static std::string q(const fs::path& p) { return "'" + p.string() + "'"; }
    static bool empty_or_absent(const fs::path& p) { return !fs::exists(p) || fs::is_empty(p); }

    fs::path dir_;
    std::string err_;
};

// ------------------------------------------------------------------------------ lc15 scenario

TEST_F(CliScenario, EveryExampleRunsAndIsRanked) {
    const fs::path out = dir_ / "out";
    std::string args = "scenario -q --config " + q(kConfig) + " --out " + q(out);
    std::vector<std::string> stems;
    for (const auto& e : fs::directory_iterator(kExamples)) {
        if (e.path().extension() != ".toml") continue;
        args += " --scenario " + q(e.path());
        stems.push_back(e.path().stem().string());
    }
    ASSERT_GE(stems.size(), 4u);
    ASSERT_EQ(lc15(args), 0) << err_;
    for (const std::string& s : stems) {
        for (const char* f : {"community_changes.csv", "changes.gpkg", "edits.txt"})
            EXPECT_TRUE(fs::is_regular_file(out / s / f)) << s << "/" << f;
    }

    // ranking.csv: one row per scenario, best first by score change.
    const auto ranking = read_csv(out / "ranking.csv");
    ASSERT_EQ(ranking.size(), stems.size() + 1);
    const auto& h = ranking[0];
    std::map<std::string, std::vector<std::string>> by_folder;
    double previous = 1e9;
    for (std::size_t r = 1; r < ranking.size(); ++r) {
        by_folder[ranking[r][column(h, "folder")]] = ranking[r];
        EXPECT_EQ(ranking[r][column(h, "rank")], std::to_string(r));
        const double change = std::stod(ranking[r][column(h, "score_change")]);
        EXPECT_LE(change, previous);
        previous = change;
    }
    for (const std::string& s : stems) EXPECT_EQ(by_folder.count(s), 1u) << s;
    EXPECT_EQ(by_folder["open_compound_gate"][column(h, "rebuilt")], "yes");
    EXPECT_EQ(by_folder["new_kindergarten"][column(h, "rebuilt")], "no");

    // The new kindergarten gains kindergarten coverage and loses none, anywhere.
    const auto& kg = by_folder["new_kindergarten"];
    EXPECT_GT(std::stod(kg[column(h, "kindergarten_gained")]), 0.0);
    EXPECT_EQ(std::stod(kg[column(h, "kindergarten_lost")]), 0.0);
    const auto changes = read_csv(out / "new_kindergarten" / "community_changes.csv");
    const auto& ch = changes[0];
    double community_gained = 0, city_gained = -1;
    for (std::size_t r = 1; r < changes.size(); ++r) {
        const auto& row = changes[r];
        EXPECT_EQ(std::stod(row[column(ch, "lost")]), 0.0) << row[0];
        if (row[column(ch, "category")] != "kindergarten") {
            EXPECT_EQ(std::stod(row[column(ch, "gained")]), 0.0) << row[0] << " " << row[1];
            continue;
        }
        const double before = std::stod(row[column(ch, "covered_before")]);
        const double after = std::stod(row[column(ch, "covered_after")]);
        const double gained = std::stod(row[column(ch, "gained")]);
        EXPECT_NEAR(after - before, gained, 0.11) << row[0];
        if (row[0] == "全市 (city)")
            city_gained = gained;
        else
            community_gained += gained;
    }
    EXPECT_GT(city_gained, 0.0);
    EXPECT_LE(community_gained, city_gained + 0.1 * changes.size());

    // The optimiser's sites, loaded by the pocket-park scenario, cover what the optimiser
    // said they would (an independent check of both: coverage sets vs the coverage model).
    const auto sites = read_csv(kExamples / "pocket_parks" / "sites.csv");
    const double covered = std::stod(sites.back()[column(sites[0], "covered")]);
    const double gained = std::stod(by_folder["pocket_parks"][column(h, "pocket_park_gained")]);
    EXPECT_NEAR(gained, covered, 0.2);
}

TEST_F(CliScenario, SameOutputForAnyThreadCount) {
    const std::string s = " --scenario " + q(kExamples / "new_kindergarten.toml") + " --scenario " +
                          q(kExamples / "open_compound_gate.toml");
    ASSERT_EQ(lc15("scenario -q -j1 --out " + q(dir_ / "a") + s), 0) << err_;
    ASSERT_EQ(lc15("scenario -q -j2 --out " + q(dir_ / "b") + s), 0) << err_;
    for (const char* f : {"ranking.csv", "new_kindergarten/community_changes.csv",
                          "open_compound_gate/community_changes.csv"}) {
        EXPECT_EQ(slurp(dir_ / "a" / f), slurp(dir_ / "b" / f)) << f;
    }
}

TEST_F(CliScenario, BadScenarioInputsExit1AndWriteNothing) {
    const fs::path out = dir_ / "out";
    const std::string base = "scenario -q --config " + q(kConfig) + " --out " + q(out);
    const std::string good = " --scenario " + q(kExamples / "new_kindergarten.toml");

    // A scenario file that does not exist.
    EXPECT_EQ(lc15(base + good + " --scenario " + q(dir_ / "nowhere.toml")), 1);
    EXPECT_NE(err_.find("nowhere.toml"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));

    // A base config that does not exist.
    const fs::path no_base = write("no_base.toml",
                                   "name = \"x\"\nbase = \"missing_city.toml\"\n[[edit]]\n"
                                   "type = \"add_stop\"\nlon = 113.54\nlat = 22.27\n");
    EXPECT_EQ(lc15(base + good + " --scenario " + q(no_base)), 1);
    EXPECT_NE(err_.find("missing_city.toml"), std::string::npos) << err_;
    EXPECT_NE(err_.find("no_base.toml"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));

    // An edit 5 km east of the district: refused with the distance/place, after the good one.
    const fs::path far = write("far.toml", "name = \"far\"\nbase = \"" + kConfig.string() +
                                               "\"\n[[edit]]\ntype = \"add_facility\"\n"
                                               "category = \"kindergarten\"\n"
                                               "lon = 113.6058\nlat = 22.2770\n");
    EXPECT_EQ(lc15(base + good + " --scenario " + q(far)), 1);
    EXPECT_NE(err_.find("far.toml:3:1 (edit 1)"), std::string::npos) << err_;
    EXPECT_NE(err_.find("outside the city's bounds"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));

    // An unknown category lists the valid ones.
    const fs::path cat = write("cat.toml", "name = \"cat\"\nbase = \"" + kConfig.string() +
                                               "\"\n[[edit]]\ntype = \"add_facility\"\n"
                                               "category = \"kindergarden\"\n"
                                               "lon = 113.53\nlat = 22.27\n");
    EXPECT_EQ(lc15(base + " --scenario " + q(cat)), 1);
    EXPECT_NE(err_.find("unknown category 'kindergarden'"), std::string::npos) << err_;
    EXPECT_NE(err_.find("kindergarten"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));
}

// ------------------------------------------------------------------------------ lc15 optimize

TEST_F(CliScenario, OptimizeFiveParksSameForAnyThreadCount) {
    const std::string args =
        "optimize -q --config " + q(kConfig) + " --category pocket_park --add 5 --out ";
    ASSERT_EQ(lc15(args + q(dir_ / "j1") + " -j1"), 0) << err_;
    ASSERT_EQ(lc15(args + q(dir_ / "j2") + " -j2"), 0) << err_;
    for (const char* f : {"sites.csv", "sites.geojson", "curve.csv"}) {
        ASSERT_TRUE(fs::is_regular_file(dir_ / "j1" / f)) << f;
        EXPECT_EQ(slurp(dir_ / "j1" / f), slurp(dir_ / "j2" / f)) << f;
    }
    const auto sites = read_csv(dir_ / "j1" / "sites.csv");
    ASSERT_EQ(sites.size(), 6u);
    EXPECT_EQ(sites[0],
              (std::vector<std::string>{"rank", "lon", "lat", "name", "gain", "covered", "share"}));
    double sum = 0, previous = 1e18;
    for (std::size_t r = 1; r < sites.size(); ++r) {
        const double gain = std::stod(sites[r][4]);
        EXPECT_GT(gain, 0.0);
        EXPECT_LE(gain, previous);  // greedy: marginal gains never grow
        previous = gain;
        sum += gain;
        EXPECT_NEAR(std::stod(sites[r][5]), sum, 0.05 * static_cast<double>(r) + 0.05);
    }
    const auto curve = read_csv(dir_ / "j1" / "curve.csv");
    ASSERT_EQ(curve.size(), 6u);
    EXPECT_EQ(curve[0], (std::vector<std::string>{"k", "gain", "covered", "share"}));
    EXPECT_EQ(curve[5][0], "5");
    EXPECT_NEAR(std::stod(curve[5][2]), sum, 0.3);
    for (std::size_t r = 1; r < curve.size(); ++r) EXPECT_EQ(curve[r][1], sites[r][4]);
}

TEST_F(CliScenario, OptimizeReadsCandidatesAndListsTheUnusable) {
    // Two candidates in the district, one 5 km away; K = 2 of the two usable.
    const fs::path c = write("cands.csv",
                             "name,lon,lat\nA,113.5284,22.2836\nB,113.5214,22.2718\n"
                             "far,113.6058,22.2770\n");
    const fs::path out = dir_ / "out";
    ASSERT_EQ(lc15("optimize -q --config " + q(kConfig) + " --category pocket_park --add 2 " +
                   "--candidates " + q(c) + " --out " + q(out)),
              0)
        << err_;
    EXPECT_NE(err_.find("1 of 3 candidates"), std::string::npos) << err_;
    EXPECT_NE(err_.find("far"), std::string::npos) << err_;
    const auto sites = read_csv(out / "sites.csv");
    ASSERT_EQ(sites.size(), 3u);
    for (std::size_t r = 1; r < 3; ++r) EXPECT_TRUE(sites[r][3] == "A" || sites[r][3] == "B");

    // K = 3 is more than the two usable candidates.
    const fs::path out2 = dir_ / "out2";
    EXPECT_EQ(lc15("optimize -q --config " + q(kConfig) + " --category pocket_park --add 3 " +
                   "--candidates " + q(c) + " --out " + q(out2)),
              1);
    EXPECT_NE(err_.find("only 2 candidates"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out2));

    // None usable.
    const fs::path none = write("none.csv", "name,lon,lat\nfar,113.6058,22.2770\n");
    EXPECT_EQ(lc15("optimize -q --config " + q(kConfig) + " --category pocket_park --add 1 " +
                   "--candidates " + q(none) + " --out " + q(out2)),
              1);
    EXPECT_NE(err_.find("none of the 1 candidates is usable"), std::string::npos) << err_;
    EXPECT_NE(err_.find("none.csv"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out2));
}

TEST_F(CliScenario, BadOptimizeInputsExit1AndWriteNothing) {
    const fs::path out = dir_ / "out";
    const std::string base = "optimize -q --config " + q(kConfig) + " --out " + q(out);
    EXPECT_EQ(lc15(base + " --category pocket_parks --add 3"), 1);
    EXPECT_NE(err_.find("pocket_parks"), std::string::npos) << err_;
    EXPECT_NE(err_.find("use one of: middle_school"), std::string::npos)
        << err_;  // the valid ids listed
    EXPECT_TRUE(empty_or_absent(out));

    EXPECT_EQ(lc15(base + " --category pocket_park --add 100000"), 1);
    EXPECT_NE(err_.find("K = 100000 but there are only"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));

    EXPECT_EQ(lc15(base + " --category pocket_park --add 0"), 1);
    EXPECT_NE(err_.find("--add"), std::string::npos) << err_;
    EXPECT_TRUE(empty_or_absent(out));
}

// ------------------------------------------------------------------------------ the adapter

// The scenario model's base is the city's own coverage model: same snaps, same facilities.
TEST(CityAdapter, BaseEqualsTheCityModel) {
    const io::City city = io::load_city(io::load_city_config(kConfig));
    CoverageModel model = io::make_coverage_model(city);
    model.compute();
    const auto n = static_cast<std::uint32_t>(city.communities.size());
    const CoverageReport want = model.report(n);

    const scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
    EXPECT_EQ(sc.stop_category, city.config.rules.index_of("bus_stop", "test"));
    EXPECT_EQ(sc.community_names.size(), n);
    scenarios::ScenarioEvaluator ev(sc);
    const CoverageReport got = ev.base_model().report(n);
    EXPECT_DOUBLE_EQ(got.city_score, want.city_score);
    for (std::uint32_t c = 0; c < n; ++c) {
        for (std::size_t k = 0; k < want.city.size(); ++k) {
            EXPECT_DOUBLE_EQ(got.communities[c].by_category[k].covered_population,
                             want.communities[c].by_category[k].covered_population)
                << c << " " << k;
        }
    }
    for (std::uint32_t k = 0; k < model.rules().size(); ++k) {
        for (HomeId h = 0; h < city.homes.size(); ++h)
            ASSERT_EQ(ev.base_model().home(k, h).nearest, model.home(k, h).nearest)
                << k << " " << h;
    }
}

}  // namespace
}  // namespace lc15
