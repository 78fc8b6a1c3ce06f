// lc15 deadends as a planner runs it, on Monaco: the top links written as a scenario give,
// under `lc15 scenario`, the very totals deadends reports for them; the same files for any
// thread count; bad input exits 1 and writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_run.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
using test::fresh_dir;
using test::run_lc15;
using test::slurp;

const fs::path kMonaco = fs::path(LC15_SOURCE_DIR) / "configs" / "monaco.toml";

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::string t = text.rfind("\xEF\xBB\xBF", 0) == 0 ? text.substr(3) : text;
    std::istringstream in(t);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (!l.empty()) out.push_back(l);
    }
    return out;
}

std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

TEST(DeadendsCli, TopLinksAsAScenarioGiveTheSameTotalsAsLc15Scenario) {
    const fs::path out = fresh_dir("deadends_top"), sc = fresh_dir("deadends_top_scenario");
    const auto r =
        run_lc15("deadends -q --config " + kMonaco.string() + " --top 5 --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f : {"deadends.csv", "deadends.gpkg", "deadends_top.toml", "top_links.csv"})
        EXPECT_TRUE(fs::exists(out / f)) << f;
    const std::string toml = slurp(out / "deadends_top.toml");
    std::size_t edits = 0;
    for (std::size_t p = 0; (p = toml.find("type = \"add_link\"", p)) != std::string::npos; ++p)
        ++edits;
    EXPECT_EQ(edits, 5u);

    // `lc15 scenario` on the written file, its base taken from the file.
    const auto s = run_lc15("scenario -q --scenario " + (out / "deadends_top.toml").string() +
                            " --out " + sc.string());
    ASSERT_EQ(s.code, 0) << s.output;
    std::vector<std::string> city;
    for (const std::string& l : lines(slurp(sc / "deadends_top" / "community_changes.csv")))
        if (l.rfind("全市 (city),", 0) == 0)
            city.push_back(l.substr(std::string("全市 (city),").size()));
    const std::vector<std::string> top = lines(slurp(out / "top_links.csv"));
    ASSERT_EQ(top.size(), city.size() + 1);  // + header
    double gained = 0;
    for (std::size_t i = 0; i < city.size(); ++i) {
        // top_links.csv carries the coverage columns of the scenario's city rows (the place
        // columns that follow them are the scenario's own).
        const auto want = cells(city[i]);
        const auto got = cells(top[i + 1]);
        ASSERT_LE(got.size(), want.size());
        EXPECT_EQ(got, std::vector<std::string>(want.begin(), want.begin() + got.size()));
        gained += std::stod(cells(city[i])[4]);
    }
    EXPECT_GT(gained, 0.0);

    // The ranking: ranks 1.., the gain added to the links above never rising and never more
    // than the link's gain alone.
    const std::vector<std::string> rows = lines(slurp(out / "deadends.csv"));
    ASSERT_GT(rows.size(), 100u);  // Monaco: hundreds of dead ends can be joined
    const std::vector<std::string> head = cells(rows[0]);
    ASSERT_EQ(head[0], "rank");
    const auto col = [&](const char* name) {
        return static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin());
    };
    double last = 1e300;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto c = cells(rows[i]);
        ASSERT_EQ(c.size(), head.size()) << rows[i];
        EXPECT_EQ(std::stoll(c[col("rank")]), static_cast<long long>(i));
        const double g = std::stod(c[col("added_score_gain")]);
        EXPECT_LE(g, last);
        last = g;
        EXPECT_LE(g, std::stod(c[col("score_gain")]));
        EXPECT_LE(std::stod(c[col("added_residents")]), std::stod(c[col("residents_gained")]));
        EXPECT_LE(std::stod(c[col("link_m")]), 150.0);
    }
}

TEST(DeadendsCli, SameFilesForAnyThreadCount) {
    const fs::path a = fresh_dir("deadends_j1"), b = fresh_dir("deadends_j2");
    ASSERT_EQ(
        run_lc15("deadends -q -j1 --config " + kMonaco.string() + " --out " + a.string()).code, 0);
    ASSERT_EQ(
        run_lc15("deadends -q -j2 --config " + kMonaco.string() + " --out " + b.string()).code, 0);
    for (const char* f : {"deadends.csv", "deadends_top.toml", "top_links.csv"})
        EXPECT_EQ(slurp(a / f), slurp(b / f)) << f;
}

TEST(DeadendsCli, BadInputExitsOneAndWritesNothing) {
    const fs::path out = fresh_dir("deadends_bad");
    auto r = run_lc15("deadends -q --config " + (out / "missing.toml").string() + " --out " +
                      out.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("missing.toml"), std::string::npos) << r.output;
    r = run_lc15("deadends -q --config " + kMonaco.string() + " --max-link-m -5 --out " +
                 out.string());
    EXPECT_NE(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("--max-link-m"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out / "deadends.csv"));
}

}  // namespace
}  // namespace lc15
