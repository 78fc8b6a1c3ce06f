// lc15 history: the schema's migration from its first version, values round-tripping through
// both back ends, the [targets] table, the comparison rules on hand-made runs, and the same
// two-run scenario on a real PostgreSQL 15 server (scripts/pg_test_cluster; LC15_TEST_PG_URL)
// giving the same warnings as on SQLite.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.hpp"
#include "history/history.hpp"
#include "history/report.hpp"
#include "history/warnings.hpp"
#include "io/config.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/test_nightly_city.hpp"

namespace fs = std::filesystem;
using namespace lc15::history;
using lc15::test::CliRun;
using lc15::test::NightlyCity;
using lc15::test::run_lc15;
using lc15::test::slurp;

namespace {

/// A hand-made run: two communities, one category, one facility serving community A.
RunSnapshot tiny_run(double share_a, bool with_facility) {
    RunSnapshot s;
    s.city = "t";
    s.profile = "adult";
    s.rules_key = "r";
    s.started_at = "2026-12-01T02:00:00Z";
    s.homes = 100;
    s.homes_snapped = 100;
    s.city_figures.push_back({"kindergarten", "幼儿园", 300, 200, 100 * share_a + 50, 0});
    s.figures.push_back(
        {"a", "翠华社区", "kindergarten", 100, 100 * share_a, share_a, 100, 200, 1, share_a >= 1});
    s.figures.push_back({"b", "渤海社区", "kindergarten", 100, 50, 0.5, 100, 400, 1, false});
    if (with_facility) {
        s.facilities.push_back({"osm", "n123", "kindergarten", "翠华幼儿园", "used", 122.2, 40.6});
        s.serving.push_back({"a", "kindergarten", "osm", "n123"});
    }
    s.facilities.push_back({"plan.csv", "7", "kindergarten", "渤海幼儿园", "used", 122.3, 40.6});
    s.serving.push_back({"b", "kindergarten", "plan.csv", "7"});
    return s;
}

}  // namespace

TEST(HistoryRules, FacilityGoneIsTheCauseOfTheFall) {
    const RunSnapshot before = tiny_run(1.0, true), now = tiny_run(0.62, false);
    lc15::io::PlanTargets targets;
    targets.data_drop = 0.6;  // one of two facilities gone is not a broken export here
    const Comparison c = compare_runs(&before, now, targets, "", "2026-12-01");
    ASSERT_EQ(c.warnings.size(), 2u);
    EXPECT_EQ(c.warnings[0].kind, "lost_pass");
    EXPECT_EQ(c.warnings[0].message,
              "幼儿园 300 m coverage of 翠华社区 fell from 100 % to 62 % (no longer passes): "
              "翠华幼儿园 (osm node 123) is gone from the inputs");
    EXPECT_EQ(c.warnings[1].kind, "facility_gone");
    EXPECT_EQ(c.warnings[1].community_name, "翠华社区");
    EXPECT_EQ(c.count("data"), 0u);
    // The same run twice: nothing to say.
    EXPECT_TRUE(compare_runs(&now, now, targets, "", "2026-12-01").warnings.empty());
}

TEST(HistoryRules, DropsTargetsAndDueDates) {
    lc15::io::PlanTargets t;
    t.drop_points = 10;
    t.due_warning_days = 30;
    t.targets.push_back({"kindergarten", 0.9, std::nullopt, "2026-12-20", "land", "x"});
    t.targets.push_back({"pocket_park", std::nullopt, 30, "2026-11-30", "land", "y"});
    const RunSnapshot before = tiny_run(0.95, true);
    RunSnapshot now = tiny_run(0.89, true);  // 6 points: no drop warning, but below 90 %
    Comparison c = compare_runs(&before, now, t, "", "2026-12-01");
    ASSERT_EQ(c.warnings.size(), 3u);
    EXPECT_EQ(c.warnings[0].kind, "below_target");
    EXPECT_EQ(c.warnings[0].cause, "") << "the facility is still there";
    EXPECT_EQ(c.warnings[1].kind, "target_due");
    EXPECT_NE(c.warnings[1].message.find("in 19 days"), std::string::npos) << c.warnings[1].message;
    EXPECT_NE(c.warnings[1].message.find("2 of 2 communities below"), std::string::npos)
        << c.warnings[1].message;
    EXPECT_EQ(c.warnings[2].kind, "target_due");
    EXPECT_NE(c.warnings[2].message.find("1 days past"), std::string::npos)
        << c.warnings[2].message;
    // Far from the due date: only the fall.
    c = compare_runs(&before, now, t, "", "2026-01-01");
    EXPECT_EQ(c.warnings.size(), 1u);
    // A larger fall is a drop.
    t.targets.clear();
    now = tiny_run(0.80, true);
    c = compare_runs(&before, now, t, "", "2026-12-01");
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_EQ(c.warnings[0].kind, "share_drop");
    // Data: stale inputs and a sharp fall in homes.
    now.homes = 50;
    c = compare_runs(&before, now, t, "2026-11-01T02:00:00Z", "2026-12-01");
    EXPECT_EQ(c.count("data"), 2u);
    EXPECT_EQ(c.warnings.back().kind, "count_drop");
    EXPECT_EQ(days_of("2026-12-01") - days_of("2026-11-01"), 30);
    EXPECT_EQ(days_of("1970-01-01"), 0);
}

TEST(HistoryConfig, TargetsTableIsReadAndChecked) {
    lc15::test::TempDir d;
    auto write = [&](const std::string& extra) {
        std::ofstream(d / "c.toml")
            << "[city]\nosm = \"x.osm\"\nrules = \""
            << (lc15::test::kSourceDir / "configs/rules/gb50180_2018.toml").string() << "\"\n"
            << extra;
        return d / "c.toml";
    };
    const auto c = lc15::io::load_city_config(
        write("[targets]\nshare = 0.9\ndrop_points = 3\nstale_days = 2\n[targets.kindergarten]\n"
              "share = 0.95\ndue = 2025-12-31\n[targets.pocket_park]\ncount = 30\ndue = "
              "\"2025-12-31\"\n[targets.bus500]\nshare = 1.0\nfigure = \"people_walk\"\n"));
    EXPECT_EQ(c.plan_targets.drop_points, 3);
    EXPECT_EQ(c.plan_targets.stale_days, 2);
    ASSERT_EQ(c.plan_targets.targets.size(), 3u);
    std::map<std::string, lc15::io::PlanTarget> by_key;
    for (const auto& t : c.plan_targets.targets) by_key[t.key] = t;
    ASSERT_EQ(by_key.size(), 3u);
    EXPECT_EQ(by_key["kindergarten"].share.value_or(0), 0.95);
    EXPECT_EQ(by_key["kindergarten"].due, "2025-12-31");
    EXPECT_EQ(by_key["pocket_park"].count.value_or(0), 30);
    EXPECT_EQ(by_key["pocket_park"].due, "2025-12-31");
    EXPECT_EQ(by_key["bus500"].figure, "people_walk");
    EXPECT_EQ(c.rules.categories[0].rule.target_share, 0.9) << "share stays the pass threshold";
    for (const char* bad :
         {"[targets]\ndrop_points = -1\n", "[targets]\ndrop_points = nan\n",
          "[targets.kindergarten]\nshare = 1.5\n", "[targets.kindergarten]\ndue = \"soon\"\n",
          "[targets.kindergarten]\nfigure = \"land\"\nshare = 1\n", "[targets.park]\n",
          "[targets]\nshre = 1\n"}) {
        try {
            lc15::io::load_city_config(write(bad));
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const lc15::InputError& e) {
            EXPECT_NE(std::string(e.what()).find("c.toml:"), std::string::npos) << e.what();
            EXPECT_FALSE(e.hint().empty()) << e.what();
        }
    }
}

// ---- both back ends ------------------------------------------------------------------------

namespace {

/// The URL of a fresh database on the test server, or "" (then the test skips, or fails in CI).
class PgDatabase {
  public:
    explicit PgDatabase(const std::string& name) {
        const char* base = std::getenv("LC15_TEST_PG_URL");
        if (!base || !*base) return;
        base_ = base;
        const auto slash = base_.rfind('/');
        url_ = base_.substr(0, slash + 1) + name + "_" + std::to_string(getpid());
        auto db = open_database(base_);
        db->exec_script("DROP DATABASE IF EXISTS " + url_.substr(slash + 1));
        db->exec_script("CREATE DATABASE " + url_.substr(slash + 1));
    }
    ~PgDatabase() {
        if (url_.empty()) return;
        try {
            open_database(base_)->exec_script("DROP DATABASE IF EXISTS " +
                                              url_.substr(url_.rfind('/') + 1) + " WITH (FORCE)");
        } catch (...) {
        }
    }
    const std::string& url() const { return url_; }

  private:
    std::string base_, url_;
};

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

#define REQUIRE_PG(db)                                                               \
    if ((db).url().empty()) {                                                        \
        if (in_ci())                                                                 \
            FAIL() << "CI=true but LC15_TEST_PG_URL is not set: .ci/run starts the " \
                      "server with scripts/pg_test_cluster";                         \
        GTEST_SKIP() << "LC15_TEST_PG_URL not set (scripts/pg_test_cluster start)";  \
    }

/// Creates a history of schema version 1 with one run, as the first lc15 wrote it.
void write_version_1(Database& db) {
    db.begin();
    db.exec_script(schema_steps()[0]);
    db.exec(
        "INSERT INTO runs (run_id, city, profile, rules_key, started_at, finished_at, "
        "program_version, config_hash, osm_timestamp, command, outcome, seconds, timings, "
        "city_score, population, homes, homes_snapped, bus_radius_m) VALUES (1, '营口', 'adult', "
        "'r', '2025-06-01T02:00:00Z', '2025-06-01T02:01:00Z', '0.0.9', 'c', "
        "'2025-05-30T00:00:00Z', 'lc15 nightly', 'ok', 60, '[]', 71.5, 1000, 10, 10, 500)");
    db.exec(
        "INSERT INTO community_figures (run_id, community_id, community_name, category, "
        "population, covered_population, share, median_m, p90_m, facilities_within, passed) "
        "VALUES (1, 'c1', '翠华社区', 'kindergarten', 1000, 620, 0.62, 250, 400, 2, 0)");
    db.exec(
        "INSERT INTO city_figures (run_id, category, name_zh, radius_m, population, "
        "covered_population, share) VALUES (1, 'kindergarten', '幼儿园', 300, 1000, 620, 0.62)");
    db.commit();
}

void migrates_from_version_1(const std::string& where) {
    {
        auto db = open_database(where);
        write_version_1(*db);
    }
    History h(open_database(where));
    EXPECT_EQ(h.schema_version(), kSchemaVersion);
    const RunSnapshot r = h.load_run(1);
    EXPECT_EQ(r.city, "营口");
    EXPECT_EQ(r.inputs_key, "") << "a version 1 run has no inputs key";
    ASSERT_EQ(r.figures.size(), 1u);
    EXPECT_EQ(r.figures[0].share, 0.62);
    const auto t = h.trend({.community = "翠华社区", .category = "幼儿园"});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].community_id, "c1");
    EXPECT_EQ(t[0].category_name, "幼儿园");
    // The nightly report's community series are named in Chinese too.
    const auto ct = h.community_trends("营口", t[0].profile);
    ASSERT_EQ(ct.size(), 1u);
    EXPECT_EQ(ct[0].community_name, "翠华社区");
    EXPECT_EQ(ct[0].category_name, "幼儿园");
    // Opening again does nothing more; a newer schema is refused.
    History again(open_database(where));
    EXPECT_EQ(again.schema_version(), kSchemaVersion);
    again.db().exec("UPDATE lc15_schema SET version = 99");
    EXPECT_THROW(History(open_database(where)), lc15::InputError);
}

void values_round_trip(const std::string& where) {
    History h(open_database(where));
    RunSnapshot s = tiny_run(1.0 / 3.0, true);
    s.bus.push_back({"", 0.1 + 0.2, std::nullopt, 1e-17});
    s.inputs.push_back({"osm", "a.osm", std::string(64, 'a')});
    s.inputs_key = "k";
    EXPECT_EQ(h.write_run(s), 1);
    const RunSnapshot r = h.load_run(1);
    ASSERT_EQ(r.figures.size(), s.figures.size());
    EXPECT_EQ(r.figures[0].share, 1.0 / 3.0) << "bit-identical doubles";
    ASSERT_EQ(r.bus.size(), 1u);
    EXPECT_EQ(*r.bus[0].land_share, 0.1 + 0.2);
    EXPECT_FALSE(r.bus[0].people_straight_share.has_value());
    EXPECT_EQ(*r.bus[0].people_walk_share, 1e-17);
    EXPECT_EQ(r.facilities.size(), 2u);
    EXPECT_EQ(r.serving.size(), 2u);
    EXPECT_EQ(r.data_key(), s.data_key());
    ASSERT_TRUE(h.find_inputs("t", "adult", "k").has_value());
    EXPECT_FALSE(h.find_inputs("t", "adult", "other").has_value());
    // A failed write leaves nothing behind.
    RunSnapshot bad = s;
    bad.figures.push_back(bad.figures[0]);  // duplicate primary key
    EXPECT_ANY_THROW(h.write_run(bad));
    EXPECT_EQ(h.runs().size(), 1u);
    EXPECT_EQ(h.load_run(1).figures.size(), s.figures.size());
}

}  // namespace

TEST(HistorySqlite, MigratesFromVersion1) {
    lc15::test::TempDir d;
    migrates_from_version_1((d / "h.sqlite").string());
}

TEST(HistorySqlite, ValuesRoundTripAndFailedWritesLeaveNothing) {
    lc15::test::TempDir d;
    values_round_trip((d / "h.sqlite").string());
}

TEST(HistorySqlite, AFullDiskLeavesTheHistoryAsItWas) {
    lc15::test::TempDir d;
    const std::string file = (d / "h.sqlite").string();
    History h(open_database(file));
    RunSnapshot small = tiny_run(1.0, true);
    ASSERT_EQ(h.write_run(small), 1);
    // The file may not grow: the next, larger run hits SQLITE_FULL half-way.
    const Rows pages = h.db().query("PRAGMA page_count");
    h.db().exec_script("PRAGMA max_page_count = " + std::to_string(pages[0][0].as_int() + 2));
    RunSnapshot big = tiny_run(0.5, true);
    for (int i = 0; i < 20000; ++i)
        big.facilities.push_back({"osm", "n" + std::to_string(i), "kindergarten",
                                  std::string(40, 'x'), "used", 122.2, 40.6});
    try {
        h.write_run(big);
        ADD_FAILURE() << "the write should not fit";
    } catch (const lc15::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("free disk space"), std::string::npos) << e.what();
    }
    EXPECT_EQ(big.run_id, 0);
    EXPECT_EQ(h.runs().size(), 1u);
    EXPECT_EQ(h.load_run(1).facilities.size(), small.facilities.size());
    EXPECT_EQ(h.db().query("PRAGMA integrity_check")[0][0].as_text(), "ok");
}

TEST(HistoryPostgres, MigratesFromVersion1) {
    PgDatabase pg("lc15_migrate");
    REQUIRE_PG(pg);
    migrates_from_version_1(pg.url());
}

TEST(HistoryPostgres, ValuesRoundTripAndFailedWritesLeaveNothing) {
    PgDatabase pg("lc15_values");
    REQUIRE_PG(pg);
    values_round_trip(pg.url());
}

TEST(HistoryPostgres, SameTwoRunScenarioGivesTheSameWarningsAsSqlite) {
    PgDatabase pg("lc15_scenario");
    REQUIRE_PG(pg);
    NightlyCity s("pg_sqlite"), p("pg_pg");
    std::vector<nlohmann::json> warnings;
    for (const auto* city : {&s, &p}) {
        const std::string history = city == &p ? pg.url() : std::string();
        CliRun r = run_lc15("nightly -q " + city->args(history));
        ASSERT_EQ(r.code, 0) << r.output;
        r = run_lc15("nightly -q " + city->args(history));
        ASSERT_EQ(r.code, 0) << r.output;
        EXPECT_NE(slurp(city->out() / "warnings.json").find("\"stored\": false"), std::string::npos)
            << "same inputs: not stored again";
        city->remove_facility(lc15::test::kServingFacility);
        r = run_lc15("nightly -q " + city->args(history));
        ASSERT_EQ(r.code, 4) << r.output;
        warnings.push_back(nlohmann::json::parse(slurp(city->out() / "warnings.json")));
    }
    ASSERT_GT(warnings[0]["runs"][0]["warnings"].size(), 0u);
    EXPECT_EQ(warnings[0]["runs"][0]["warnings"], warnings[1]["runs"][0]["warnings"]);
    EXPECT_EQ(warnings[1]["runs"][0]["run_id"], 2);
    {
        // PostGIS keeps the facilities' and stops' positions as geometries.
        History h(open_database(pg.url()));
        const Rows g = h.db().query(
            "SELECT count(*), sum(abs(ST_X(geom) - lon) + abs(ST_Y(geom) - lat)), "
            "min(ST_SRID(geom)) FROM facilities");
        ASSERT_EQ(g.size(), 1u);
        EXPECT_GT(g[0][0].as_int(), 10);
        EXPECT_EQ(g[0][1].as_double(), 0.0);
        EXPECT_EQ(g[0][2].as_int(), 4326);
        EXPECT_GT(h.db().query("SELECT count(geom) FROM stops")[0][0].as_int(), 10);
    }

    // The trend reads back the same figures.
    const CliRun a =
        run_lc15("history --history " + s.history().string() + " --community 翠前新村");
    const CliRun b = run_lc15("history --history '" + pg.url() + "' --community 翠前新村");
    ASSERT_EQ(a.code, 0) << a.output;
    ASSERT_EQ(b.code, 0) << b.output;
    auto without_times = [](const std::string& csv) {
        std::string out, line;
        std::stringstream ss(csv);
        while (std::getline(ss, line)) {
            const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
            out += line.substr(0, c1) + line.substr(c2) + "\n";
        }
        return out;
    };
    EXPECT_EQ(without_times(a.output), without_times(b.output));

    // A run killed in its transaction leaves the server's history as it was; a second run is
    // refused while one holds the lock.
    lc15::test::Child k("nightly -q --force " + p.args(pg.url()), "in_transaction");
    ASSERT_TRUE(k.wait_for("holding at in_transaction")) << k.stderr_text();
    const CliRun refused = run_lc15("nightly -q " + p.args(pg.url()));
    EXPECT_EQ(refused.code, 3) << refused.output;
    EXPECT_NE(refused.output.find("pid " + std::to_string(k.pid())), std::string::npos)
        << refused.output;
    k.kill9();
    {
        History h(open_database(pg.url()));
        EXPECT_EQ(h.runs().size(), 2u);
    }
    const CliRun next = run_lc15("nightly -q --force " + p.args(pg.url()));
    EXPECT_TRUE(next.code == 0 || next.code == 4) << next.output;
    History h(open_database(pg.url()));
    EXPECT_EQ(h.runs().size(), 3u);
}
