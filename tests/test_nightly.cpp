// lc15 nightly and lc15 history end to end on the demo district: the warning that names a
// removed facility and exactly the communities it moved, no plan warning for unchanged inputs
// and no duplicate run, kill -9 before, during and after the history write, two concurrent
// runs, the outputs (warnings.csv/json, report.html, Prometheus textfile) and the trend.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "history/history.hpp"
#include "tests/test_nightly_city.hpp"

namespace fs = std::filesystem;
using lc15::test::Child;
using lc15::test::CliRun;
using lc15::test::NightlyCity;
using lc15::test::run_lc15;
using lc15::test::slurp;

namespace {

std::vector<std::string> split(const std::string& line, char sep = ',') {
    std::vector<std::string> out;
    std::string cur;
    bool q = false;
    for (char c : line) {
        if (c == '"')
            q = !q;
        else if (c == sep && !q) {
            out.push_back(cur);
            cur.clear();
        } else
            cur += c;
    }
    out.push_back(cur);
    return out;
}

/// community_categories.csv: (community name, category) -> share (communities with people).
std::map<std::pair<std::string, std::string>, double> shares(const fs::path& csv) {
    std::stringstream ss(slurp(csv));
    std::string line;
    std::getline(ss, line);
    std::map<std::pair<std::string, std::string>, double> out;
    while (std::getline(ss, line)) {
        const auto f = split(line);
        if (f.size() > 8 && !f[8].empty()) out[{f[1], f[2]}] = std::stod(f[8]);
    }
    return out;
}

int count_runs(const fs::path& history) {
    lc15::history::History h(lc15::history::open_database(history.string()));
    return static_cast<int>(h.runs().size());
}

std::string integrity(const fs::path& history) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(history.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    std::string result = "cannot open";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return result;
}

}  // namespace

TEST(Nightly, RemovedFacilityIsNamedWithExactlyTheCommunitiesItMoved) {
    NightlyCity c("remove");
    CliRun r = run_lc15("nightly -q -j 2 " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f :
         {"communities.csv", "community_categories.csv", "coverage.gpkg", "summary.json",
          "warnings.csv", "warnings.json", "report.html", "lc15.prom", "bus_catchment.csv"})
        EXPECT_TRUE(fs::exists(c.out() / f)) << f;
    const auto before = shares(c.out() / "community_categories.csv");

    c.remove_facility(lc15::test::kServingFacility);
    r = run_lc15("nightly -q -j 1 " + c.args());
    ASSERT_EQ(r.code, 4) << "plan warnings exit 4\n" << r.output;
    const auto after = shares(c.out() / "community_categories.csv");

    // What moved, read from the two runs' coverage outputs (not from the history).
    std::map<std::string, std::set<std::string>> fell;  // category -> communities
    for (const auto& [key, share] : after)
        if (share < before.at(key) - 1e-9) fell[key.second].insert(key.first);
    ASSERT_FALSE(fell.empty()) << "the facility served homes: removing it must lower a share";

    const auto j = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    ASSERT_EQ(j["runs"].size(), 1u);
    EXPECT_EQ(j["runs"][0]["compared_with_run"], 1);
    EXPECT_EQ(j["data_warnings"], 0);
    std::map<std::string, std::set<std::string>> named;  // facility_gone: category -> communities
    for (const auto& w : j["runs"][0]["warnings"]) {
        const std::string kind = w["kind"], msg = w["message"];
        EXPECT_EQ(w["group"], "plan") << msg;
        EXPECT_NE(msg.find(lc15::test::kServingFacility), std::string::npos)
            << "every warning names the removed facility: " << msg;
        if (kind == "facility_gone") {
            std::stringstream ss(w["community"].get<std::string>());
            std::string name;
            while (std::getline(ss, name, ';')) {
                if (!name.empty() && name[0] == ' ') name.erase(0, 1);
                named[w["category"]].insert(name);
            }
            EXPECT_NE(msg.find("is gone from the inputs"), std::string::npos) << msg;
        } else {
            EXPECT_TRUE(kind == "lost_pass" || kind == "share_drop") << kind;
            EXPECT_TRUE(fell[w["category"]].count(w["community"])) << msg;
            EXPECT_LT(w["after"].get<double>(), w["before"].get<double>());
        }
    }
    EXPECT_EQ(named, fell) << "the facility_gone warnings name exactly the communities it moved";

    // warnings.csv: BOM, one row per warning.
    const std::string csv = slurp(c.out() / "warnings.csv");
    ASSERT_GE(csv.size(), 3u);
    EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    // Messages hold no line break: one line per warning after the header.
    EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) - 1,
              j["runs"][0]["warnings"].size());

    // The Prometheus textfile: written whole, counts the warnings.
    const std::string prom = slurp(c.out() / "lc15.prom");
    EXPECT_NE(prom.find("lc15_nightly_success 1\n"), std::string::npos) << prom;
    EXPECT_NE(prom.find("lc15_nightly_warnings{profile=\"adult\",group=\"plan\"} " +
                        std::to_string(j["plan_warnings"].get<int>()) + "\n"),
              std::string::npos)
        << prom;
    for (const auto& e : fs::directory_iterator(c.out()))
        EXPECT_EQ(e.path().filename().string().find("lc15-tmp"), std::string::npos);

    // The trend of one moved community, from the history.
    const std::string community = *fell.begin()->second.begin();
    const fs::path trend = c.dir() / "trend";
    r = run_lc15("history --history " + c.history().string() + " --community " + community +
                 " --category " + fell.begin()->first + " --out " + trend.string());
    ASSERT_EQ(r.code, 0) << r.output;
    std::stringstream t(slurp(trend / "trend.csv"));
    std::string line;
    std::getline(t, line);
    std::vector<double> series;
    while (std::getline(t, line)) series.push_back(std::stod(split(line)[8]));
    ASSERT_EQ(series.size(), 2u);
    const auto key = std::make_pair(community, fell.begin()->first);
    EXPECT_NEAR(series[0], before.at(key), 1e-4);
    EXPECT_NEAR(series[1], after.at(key), 1e-4);
    EXPECT_NE(slurp(trend / "trend.svg").find("<polyline"), std::string::npos);
    const std::string html = slurp(c.out() / "report.html");
    EXPECT_NE(html.find(community), std::string::npos);
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org")) << "no external resource";

    // The facility comes back: the inputs equal the first run's, but that is news, not a
    // duplicate of the last run, so it is stored, and no plan warning is given.
    fs::copy_file(lc15::test::kSourceDir / "data/demo/xiangzhou_facilities_gcj02.csv",
                  c.dir() / "facilities.csv", fs::copy_options::overwrite_existing);
    r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    const auto back = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    EXPECT_EQ(back["runs"][0]["stored"], true);
    EXPECT_EQ(back["runs"][0]["run_id"], 3);
    EXPECT_EQ(shares(c.out() / "community_categories.csv"), before);
}

TEST(Nightly, SameInputsGiveNoPlanWarningAndNoDuplicateRun) {
    NightlyCity c("same");
    CliRun r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_lc15("nightly " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("not stored again"), std::string::npos) << r.output;
    EXPECT_EQ(count_runs(c.history()), 1);
    r = run_lc15("nightly -q --force " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(count_runs(c.history()), 2);
    const auto j = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    EXPECT_EQ(j["plan_warnings"], 0);
    EXPECT_EQ(j["runs"][0]["compared_with_run"], 1);
}

// report.html in headless Chromium (tests/browser/report_width.mjs), after two runs so every
// row has a trend line: at a phone's 360 px nothing is wider than the screen, the trend lines
// shrink but stay legible and the shares stay on one line; at 1000 px the lines are full size.
TEST(Nightly, ReportFitsAPhoneScreenInHeadlessChromium) {
    NightlyCity c("report_width");
    CliRun r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_lc15("nightly -q --force " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    const fs::path browser = lc15::test::kSourceDir / "tests/browser";
    ASSERT_TRUE(fs::exists(browser / "node_modules/playwright-core"))
        << "run scripts/setup (npm ci in tests/browser)";
    r = lc15::test::run_shell("node " + (browser / "report_width.mjs").string() + " " +
                              (c.out() / "report.html").string() + " 2>&1");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("\"width\":360"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("\"trends\":0"), std::string::npos) << r.output;
}

TEST(Nightly, DataWarningsStayApartFromPlanWarnings) {
    // Inputs unchanged for 9 days (stale_days = 7) and half the facility list lost.
    NightlyCity c("data", "[targets]\nstale_days = 7\ndata_drop = 0.2\n");
    CliRun r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_lc15("nightly -q --force " + c.args());  // stored: the series of unchanged inputs
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    // Nine days later, nothing changed.
    const std::string later = "LC15_NOW=2099-01-10T02:00:00Z ";
    {
        lc15::history::History h(lc15::history::open_database(c.history().string()));
        h.db().exec("UPDATE runs SET started_at = '2099-01-01T02:00:00Z'");
    }
    r = lc15::test::CliRun{};
    {
        const std::string cmd = later + std::string(LC15_EXE) + " nightly -q " + c.args() + " 2>&1";
        FILE* p = popen(cmd.c_str(), "r");
        char buf[4096];
        while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
        const int st = pclose(p);
        r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    ASSERT_EQ(r.code, 5) << "data warnings exit 5\n" << r.output;
    auto j = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    ASSERT_EQ(j["runs"][0]["warnings"].size(), 1u) << j.dump(2);
    EXPECT_EQ(j["runs"][0]["warnings"][0]["kind"], "inputs_unchanged");
    EXPECT_EQ(j["runs"][0]["warnings"][0]["group"], "data");
    EXPECT_EQ(j["plan_warnings"], 0);

    // A broken export: every other row of the planner's list is lost.
    {
        std::stringstream in(slurp(c.dir() / "facilities.csv"));
        std::string line, kept;
        for (int i = 0; std::getline(in, line); ++i)
            if (i == 0 || i % 2) kept += line + "\n";
        std::ofstream(c.dir() / "facilities.csv") << kept;
    }
    r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 5) << r.output;
    j = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    bool count_drop = false;
    for (const auto& w : j["runs"][0]["warnings"]) {
        if (w["kind"] == "count_drop") {
            count_drop = true;
            EXPECT_EQ(w["group"], "data");
            EXPECT_EQ(w["category"], "facilities");
        }
        if (w["group"] == "plan") EXPECT_NE(w["kind"], "count_drop");
    }
    EXPECT_TRUE(count_drop) << j.dump(2);
    EXPECT_GT(j["plan_warnings"].get<int>(), 0) << "the lost facilities also move shares";
}

TEST(Nightly, KillNineAtEveryMomentLeavesTheHistoryIntact) {
    NightlyCity c("kill");
    CliRun r = run_lc15("nightly -q " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string warnings_before = slurp(c.out() / "warnings.json");
    lc15::history::RunSnapshot first;
    {
        lc15::history::History h(lc15::history::open_database(c.history().string()));
        first = h.load_run(1);
    }
    int expected = 1;
    for (const char* at : {"before_write", "in_transaction", "after_write"}) {
        SCOPED_TRACE(at);
        c.remove_facility(lc15::test::kServingFacility);  // tonight's inputs differ
        Child k("nightly -q --force " + c.args(), at);
        ASSERT_TRUE(k.wait_for(std::string("holding at ") + at)) << k.stderr_text();
        k.kill9();
        if (std::string(at) == "after_write") ++expected;  // committed before the kill
        EXPECT_EQ(integrity(c.history()), "ok");
        EXPECT_EQ(count_runs(c.history()), expected);
        {
            lc15::history::History h(lc15::history::open_database(c.history().string()));
            const auto again = h.load_run(1);
            EXPECT_EQ(again.figures.size(), first.figures.size());
            for (std::size_t i = 0; i < first.figures.size() && i < again.figures.size(); ++i)
                EXPECT_EQ(again.figures[i].share, first.figures[i].share);
            EXPECT_EQ(again.facilities.size(), first.facilities.size());
        }
        EXPECT_EQ(slurp(c.out() / "warnings.json"), warnings_before)
            << "a killed run leaves the earlier outputs as they were";
    }
    // The next run takes the lock the killed one held, and cleans up its staging.
    r = run_lc15("nightly -q --force " + c.args());
    EXPECT_TRUE(r.code == 0 || r.code == 4) << r.output;
    EXPECT_EQ(count_runs(c.history()), expected + 1);
    for (const auto& e : fs::directory_iterator(c.out()))
        EXPECT_EQ(e.path().filename().string().find(".lc15-partial"), std::string::npos)
            << e.path();
}

TEST(Nightly, SecondConcurrentRunIsRefusedNamingTheHolder) {
    NightlyCity c("lock");
    Child holder("nightly -q " + c.args(), "before_write");
    ASSERT_TRUE(holder.wait_for("holding at before_write")) << holder.stderr_text();
    const CliRun r = run_lc15("nightly -q " + c.args());
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_NE(r.output.find("another run holds the history"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("pid " + std::to_string(holder.pid())), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--wait"), std::string::npos) << r.output;

    // With --wait, it queues behind the holder and runs when the holder is gone.
    Child waiter("nightly -q --wait " + c.args(), "");
    ASSERT_TRUE(waiter.wait_for("waiting for the history lock")) << waiter.stderr_text();
    holder.kill9();
    EXPECT_EQ(waiter.wait(), 0) << waiter.stderr_text();
    EXPECT_EQ(count_runs(c.history()), 1);
}

TEST(Nightly, BadInputsExitOneAndLeaveTheHistoryAlone) {
    NightlyCity c("bad", "[targets.no_such_category]\nshare = 0.9\n");
    CliRun r = run_lc15("nightly -q " + c.args());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("no_such_category"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("fix:"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(c.history()));

    NightlyCity d("bad2");
    std::ofstream(d.dir() / "not_a_history.sqlite") << "hello, not a database\n";
    r = run_lc15("nightly -q " + d.args((d.dir() / "not_a_history.sqlite").string()));
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("not_a_history.sqlite"), std::string::npos) << r.output;
    r = run_lc15("history --history " + (d.dir() / "missing.sqlite").string());
    EXPECT_EQ(r.code, 1) << r.output;
    r = run_lc15("history --history " + d.history().string() + " --since yesterday");
    EXPECT_EQ(r.code, 1) << r.output;
}

TEST(Nightly, SeveralProfilesAreSeparateRunsWithTheirOwnOutputs) {
    NightlyCity c("profiles");
    const CliRun r = run_lc15("nightly -q --profile adult,elderly " + c.args());
    ASSERT_EQ(r.code, 0) << r.output;
    const auto j = nlohmann::json::parse(slurp(c.out() / "warnings.json"));
    ASSERT_EQ(j["runs"].size(), 2u);
    EXPECT_EQ(j["runs"][0]["profile"], "adult");
    EXPECT_EQ(j["runs"][1]["profile"], "elderly");
    const auto adult = shares(c.out() / "adult/community_categories.csv");
    const auto elderly = shares(c.out() / "elderly/community_categories.csv");
    ASSERT_FALSE(adult.empty());
    ASSERT_EQ(adult.size(), elderly.size());
    bool lower = false;
    for (const auto& [k, share] : elderly) {
        EXPECT_LE(share, adult.at(k) + 1e-9) << "the slower walker reaches less";
        lower |= share < adult.at(k) - 1e-9;
    }
    EXPECT_TRUE(lower);
    lc15::history::History h(lc15::history::open_database(c.history().string()));
    const auto t =
        h.trend({.community = adult.begin()->first.first, .category = adult.begin()->first.second});
    ASSERT_EQ(t.size(), 2u);
    EXPECT_NEAR(t[0].share, adult.begin()->second, 1e-4);
    EXPECT_EQ(t[1].profile, "elderly");
}
