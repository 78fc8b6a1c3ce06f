// End-to-end CLI tests: every command's --help, `lc15 inspect` and `lc15 graph export` on real
// and drawn data, exit codes on bad input, and no partial output left behind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/geo.hpp"
#include "engine/types.hpp"
#include "tests/support/ascii_map.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;

struct CmdResult {
    int code;
    std::string out;  // stdout and stderr
};

CmdResult run(const std::string& args, bool merge_stderr = true) {
    const std::string cmd =
        std::string(LC15_EXE) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return {-1, "popen failed"};
    std::string out;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

fs::path data(const char* name) { return fs::path(LC15_SOURCE_DIR) / "data/osm" / name; }

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

/// The command names `lc15 --help` lists under "Subcommands:".
std::vector<std::string> listed_commands() {
    const CmdResult r = run("--help");
    std::vector<std::string> names;
    std::istringstream in(r.out);
    std::string line;
    bool in_list = false;
    while (std::getline(in, line)) {
        if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) {
            in_list = true;
            continue;
        }
        if (!in_list || line.size() < 3 || line[0] != ' ') continue;
        std::istringstream words(line);
        std::string name;
        words >> name;
        if (!name.empty()) names.push_back(name);
    }
    return names;
}

TEST(CliHelp, EveryListedCommandHasHelp) {
    const std::vector<std::string> names = listed_commands();
    ASSERT_GE(names.size(), 3u);  // at least version, inspect, graph
    for (const std::string& name : names) {
        const CmdResult r = run(name + " --help");
        EXPECT_EQ(r.code, 0) << name << ": " << r.out;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << name;
    }
    const CmdResult r = run("graph export --help");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("--format"), std::string::npos);
}

// `lc15 coverage <flags>` on the demo district into a folder of its own, removed after; what
// it printed (stderr, not a terminal, included).
CmdResult demo_coverage(const std::string& flags) {
    static int runs = 0;
    const fs::path out =
        fs::temp_directory_path() /
        ("lc15_progress_" + std::to_string(::getpid()) + "_" + std::to_string(++runs));
    fs::remove_all(out);
    const CmdResult r = run("coverage " + flags + " --config " +
                            quote(fs::path(LC15_SOURCE_DIR) / "configs/zhuhai_xiangzhou.toml") +
                            " --out " + quote(out));
    fs::remove_all(out);
    return r;
}

// Progress in a log (stderr not a terminal): a step that counts its items says how many; a
// step that counts nothing says its time alone, never "0 items".
TEST(CliProgress, LogLinesCountOnlyWhatIsCounted) {
    const CmdResult r = demo_coverage("--no-bus");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("lc15: reading OSM done ("), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("lc15: snapping homes done (186 items, "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("0 items"), std::string::npos) << r.out;
}

// The bus analysis runs beside the coverage computation: each of its steps, and the
// computation's own, still says once that it is done, under its own name, on a line of its own.
TEST(CliProgress, StepsBesideTheComputationKeepTheirOwnLines) {
    const CmdResult r = demo_coverage("-j 2");
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char* step : {"coverage", "bus network", "bus stop catchment", "bus service area"}) {
        const std::string line = std::string("lc15: ") + step + " done (";
        const auto at = r.out.find(line);
        ASSERT_NE(at, std::string::npos) << step << "\n" << r.out;
        EXPECT_EQ(r.out.find(line, at + 1), std::string::npos) << step << "\n" << r.out;
        EXPECT_TRUE(at == 0 || r.out[at - 1] == '\n') << step << "\n" << r.out;
    }
}

TEST(CliInspect, MonacoJsonReport) {
    const CmdResult r =
        run("inspect " + quote(data("monaco.osm.pbf")) + " --json -j 2", /*merge_stderr=*/false);
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["timestamp"], "2016-03-05T00:26:02Z");
    EXPECT_GT(j["network"]["vertices"].get<int>(), 3000);
    EXPECT_GT(j["network"]["walkable_km"].get<double>(), 300.0);
    EXPECT_GT(j["network"]["steps_ways"].get<int>(), 0);
    EXPECT_GT(j["network"]["excluded_by_reason"]["motorway"].get<int>(), 0);
    EXPECT_GT(j["components"]["largest_share"].get<double>(), 0.9);
    EXPECT_LE(j["components"]["largest_small_islands"].size(), 10u);
    EXPECT_EQ(j["transit"]["routes"], 10);
    EXPECT_GT(j["features"]["buildings"].get<int>(), 20000);
    EXPECT_GE(j["features"]["top"]["amenity=school"].get<int>(), 10);
    EXPECT_LE(j["features"]["top"].size(), 20u);
}

TEST(CliInspect, PrivateOptionChangesTheNetwork) {
    test::AsciiMap m(R"(
a---b###c
)",
                     100.0);
    m.tag_way("bc", {{"access", "private"}});
    test::TempDir dir;
    m.write(dir / "m.osm");
    const CmdResult walk = run("inspect " + quote(dir / "m.osm") + " --json", false);
    ASSERT_EQ(walk.code, 0) << walk.out;
    const auto jw = nlohmann::json::parse(walk.out);
    EXPECT_EQ(jw["network"]["private_ways"], 1);
    EXPECT_EQ(jw["network"]["edges"], 2);
    const CmdResult cut =
        run("inspect " + quote(dir / "m.osm") + " --json --private excluded", false);
    ASSERT_EQ(cut.code, 0) << cut.out;
    const auto jc = nlohmann::json::parse(cut.out);
    EXPECT_EQ(jc["network"]["edges"], 1);
    EXPECT_EQ(jc["network"]["excluded_by_reason"]["access=private (excluded by profile)"], 1);
    const CmdResult text = run("inspect " + quote(dir / "m.osm"));
    EXPECT_EQ(text.code, 0);
    EXPECT_NE(text.out.find("walkable ways        2 (0.80 km)"), std::string::npos) << text.out;
}

TEST(CliGraphExport, CsvContractOnADrawnMap) {
    test::AsciiMap m("a---b===c", 100.0);
    test::TempDir dir;
    m.write(dir / "m.osm");
    const CmdResult r =
        run("graph export " + quote(dir / "m.osm") + " --format csv -o " + quote(dir / "out"));
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string v = slurp(dir / "out/vertices.csv");
    const std::string e = slurp(dir / "out/edges.csv");
    EXPECT_EQ(v.substr(0, v.find('\n')), "id,lon,lat,key");
    // Three vertices, in the graph's order; each line "id,lon,lat,key" with 7 decimals.
    std::istringstream vin(v);
    std::string line;
    std::getline(vin, line);
    std::map<std::uint64_t, std::uint32_t> vertex_of_key;
    std::uint32_t rows = 0;
    while (std::getline(vin, line)) {
        unsigned id;
        double lon, lat;
        unsigned long long key;
        ASSERT_EQ(std::sscanf(line.c_str(), "%u,%lf,%lf,%llu", &id, &lon, &lat, &key), 4) << line;
        EXPECT_EQ(id, rows++);
        const char node = key == std::uint64_t(m.node_id('a'))   ? 'a'
                          : key == std::uint64_t(m.node_id('b')) ? 'b'
                                                                 : 'c';
        char expect[64];
        std::snprintf(expect, sizeof expect, "%.7f,%.7f", m.pos(node).lon, m.pos(node).lat);
        EXPECT_NE(line.find(expect), std::string::npos) << line;
        vertex_of_key[key] = id;
    }
    EXPECT_EQ(rows, 3u);
    // Edges: lengths are exact centimetres / 100 with two decimals; steps carry flag 1.
    std::istringstream ein(e);
    std::getline(ein, line);
    EXPECT_EQ(line, "id,source,target,length_m,flags,source_id");
    int edges = 0;
    while (std::getline(ein, line)) {
        unsigned id, s, t, flags;
        long long way;
        char len[32];
        ASSERT_EQ(
            std::sscanf(line.c_str(), "%u,%u,%u,%31[0-9.],%u,%lld", &id, &s, &t, len, &flags, &way),
            6)
            << line;
        const bool steps = way == m.way_id("bc");
        const char from = steps ? 'b' : 'a', to = steps ? 'c' : 'b';
        const Distance cm = metres_to_cm(haversine_m(m.pos(from), m.pos(to)));
        char expect[32];
        std::snprintf(expect, sizeof expect, "%u.%02u", cm / 100, cm % 100);
        EXPECT_STREQ(len, expect) << line;
        EXPECT_EQ(flags, steps ? unsigned{kEdgeSteps} : 0u);
        ++edges;
    }
    EXPECT_EQ(edges, 2);
    for (const auto& entry : fs::directory_iterator(dir / "out"))
        EXPECT_EQ(entry.path().filename().string().rfind(".lc15-partial", 0), std::string::npos);
}

TEST(CliGraphExport, GraphMl) {
    test::TempDir dir;
    const CmdResult r = run("graph export " + quote(data("cn_zhuhai_xiangzhou.osm")) +
                            " --format graphml -o " + quote(dir / "g.graphml"));
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string g = slurp(dir / "g.graphml");
    EXPECT_NE(g.find("edgedefault=\"undirected\""), std::string::npos);
    EXPECT_NE(g.find("attr.name=\"osm_way\""), std::string::npos);
    EXPECT_NE(g.find("</graphml>"), std::string::npos);
    std::size_t nodes = 0;
    for (std::size_t p = g.find("<node "); p != std::string::npos; p = g.find("<node ", p + 1))
        ++nodes;
    EXPECT_GT(nodes, 1000u);
}

// --- exit codes and no partial output ---

TEST(CliOsmErrors, MissingFileIsExit1) {
    test::TempDir dir;
    const CmdResult r = run("inspect " + quote(dir / "nope.osm.pbf"));
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("nope.osm.pbf"), std::string::npos);
    EXPECT_NE(r.out.find("fix:"), std::string::npos);
}

TEST(CliOsmErrors, NotOsmAndTruncatedAreExit1WithoutOutput) {
    test::TempDir dir;
    std::ofstream(dir / "text.osm.pbf") << "hello\n";
    const std::string bytes = slurp(data("monaco.osm.pbf"));
    std::ofstream(dir / "half.osm.pbf", std::ios::binary)
        .write(bytes.data(), std::streamsize(bytes.size() / 2));
    for (const char* bad : {"text.osm.pbf", "half.osm.pbf"}) {
        const CmdResult i = run("inspect " + quote(dir / bad));
        EXPECT_EQ(i.code, 1) << bad << ": " << i.out;
        EXPECT_NE(i.out.find(bad), std::string::npos) << i.out;
        const CmdResult c = run("graph export " + quote(dir / bad) + " -o " + quote(dir / "out"));
        EXPECT_EQ(c.code, 1) << c.out;
        EXPECT_FALSE(fs::exists(dir / "out")) << bad;
        const CmdResult g = run("graph export " + quote(dir / bad) + " --format graphml -o " +
                                quote(dir / "g.graphml"));
        EXPECT_EQ(g.code, 1) << g.out;
        EXPECT_FALSE(fs::exists(dir / "g.graphml")) << bad;
    }
}

TEST(CliOsmErrors, UnwritableOutputIsExit1WithoutOutput) {
    test::TempDir dir;
    test::AsciiMap("a---b", 100.0).write(dir / "m.osm");
    std::ofstream(dir / "a_file") << "x";
    // A folder inside a regular file can be created by nobody, not even root.
    const CmdResult c =
        run("graph export " + quote(dir / "m.osm") + " -o " + quote(dir / "a_file/out"));
    EXPECT_EQ(c.code, 1) << c.out;
    EXPECT_NE(c.out.find("fix:"), std::string::npos);
    const CmdResult g = run("graph export " + quote(dir / "m.osm") + " --format graphml -o " +
                            quote(dir / "a_file/g.graphml"));
    EXPECT_EQ(g.code, 1) << g.out;
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
    EXPECT_EQ(entries, 2u);  // m.osm and a_file only: no temporary or partial files
}

TEST(CliOsmErrors, BadOptionsAreExit1) {
    EXPECT_EQ(run("inspect " + quote(data("monaco.osm.pbf")) + " --private maybe").code, 1);
    EXPECT_EQ(run("graph export " + quote(data("monaco.osm.pbf")) + " --format shp -o /tmp/x").code,
              1);
    EXPECT_EQ(run("graph export " + quote(data("monaco.osm.pbf"))).code, 1);  // -o is required
}

}  // namespace
}  // namespace lc15
