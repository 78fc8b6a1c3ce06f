// Every number read from an input is finite and in a stated range (issue 12): the checked
// reader itself, the city config and rules, a scenario, and a planner's community file end to
// end. Each case here was accepted before (exit 0, wrong figures).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/error.hpp"
#include "io/config.hpp"
#include "io/numbers.hpp"
#include "scenarios/scenario.hpp"

#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace fs = std::filesystem;

namespace lc15::io {
namespace {

const fs::path kSource = LC15_SOURCE_DIR;

TEST(RobustNumbers, CheckedReaderRefusesNanInfNegativeAndOutOfRange) {
    const Range pop = Range::closed(0, 1e8, "residents");
    EXPECT_EQ(parse_number(" 1200 ", pop, "f.csv:3", "population"), 1200);
    EXPECT_EQ(parse_number("+7.5", pop, "f.csv:3", "population"), 7.5);
    const std::string nan =
        test::input_error_of([&] { parse_number("NaN", pop, "f.csv:3", "population"); });
    EXPECT_NE(nan.find("f.csv:3"), std::string::npos) << nan;
    EXPECT_NE(nan.find("nan, not a finite number"), std::string::npos) << nan;
    EXPECT_NE(nan.find("[0, 100000000] residents"), std::string::npos) << nan;
    EXPECT_NE(nan.find("fix:"), std::string::npos) << nan;
    EXPECT_NE(test::input_error_of([&] {
                  parse_number("-5", pop, "f", "population");
              }).find("is negative"),
              std::string::npos);
    EXPECT_NE(
        test::input_error_of([&] { parse_number("inf", pop, "f", "population"); }).find("inf"),
        std::string::npos);
    EXPECT_NE(
        test::input_error_of([&] { parse_number("1e999", pop, "f", "population"); }).find("finite"),
        std::string::npos);
    EXPECT_NE(test::input_error_of([&] {
                  parse_number("12abc", pop, "f", "population");
              }).find("not a number"),
              std::string::npos);
    EXPECT_NE(test::input_error_of([&] {
                  parse_number("", pop, "f", "population");
              }).find("not a number"),
              std::string::npos);
    EXPECT_NE(test::input_error_of([&] {
                  parse_number("2e8", pop, "f", "population");
              }).find("out of range"),
              std::string::npos);
    // Open ends exclude their bound.
    EXPECT_THROW(check_number(0, Range::above(0, 5000, "m"), "c", "max_snap_m"), InputError);
    EXPECT_EQ(check_number(5000, Range::above(0, 5000, "m"), "c", "max_snap_m"), 5000);
    std::string why;
    EXPECT_FALSE(try_parse_number("-3", Range::closed(0, 200), &why));
    EXPECT_EQ(why, "is negative [0, 200]");
    EXPECT_EQ(*try_parse_number("12", Range::closed(0, 200)), 12);
    // An int from a double: no overflow, no fractions.
    EXPECT_NE(test::input_error_of([] {
                  check_int(1e12, 1, 200, "c", "default_levels");
              }).find("[1, 200]"),
              std::string::npos);
    EXPECT_THROW(check_int(2.5, 1, 200, "c", "default_levels"), InputError);
    EXPECT_EQ(check_int(6, 1, 200, "c", "default_levels"), 6);
}

fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "lc15_test_robust_numbers";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
}

// A city config: [city] plus `extra`, the rules of the repository.
std::string config_error(const std::string& extra) {
    const fs::path p = write_temp(
        "city.toml", "[city]\nname = \"t\"\nosm = \"x.osm.pbf\"\nrules = \"" +
                         (kSource / "configs/rules/gb50180_2018.toml").string() + "\"\n" + extra);
    return test::input_error_of([&] { load_city_config(p); });
}

TEST(RobustNumbers, CityConfigNumbersNeedAFiniteValueInTheirRange) {
    EXPECT_EQ(config_error(""), "no error");
    struct Case {
        const char* toml;
        const char* expect;  // part of the message: the line, the key and the range
    };
    const Case cases[] = {
        {"[population]\nsource = \"buildings\"\ndefault_levels = 1e12\n", "city.toml:7:18"},
        {"[population]\nsource = \"buildings\"\ndefault_levels = 1e12\n", "[1, 200]"},
        {"[population]\nsource = \"buildings\"\nfloor_area_per_person_m2 = 1e-300\n",
         "[5, 1000] m² per resident"},
        {"[population]\nsource = \"buildings\"\nsample_spacing_m = 1\n", "[5, 5000] m"},
        {"[network]\nmax_snap_m = 0\n", "(0, 5000] m"},
        {"[osm_facilities]\ndedupe_m = nan\n", "'dedupe_m' is not a finite number"},
        {"[bus]\nbudget_min = -18\n", "is negative"},
        {"[bus]\nspeed_kmh = inf\n", "not a finite number"},
        {"[categories.kindergarten]\nweight = inf\n", "not a finite number"},
        {"[categories.kindergarten]\nweight = 1e9\n", "[0, 100]"},
        {"[categories.kindergarten]\ntarget_share = nan\n", "not a finite number"},
        {"[categories.kindergarten]\nmin_area_m2 = -1\n", "is negative"},
        {"[communities]\nsource = \"osm_admin\"\nadmin_level = 9999999999\n", "admin_level"},
    };
    for (const Case& c : cases) {
        const std::string e = config_error(c.toml);
        EXPECT_NE(e.find(c.expect), std::string::npos) << c.toml << "\n-> " << e;
    }
    // A bbox with nan: each value is checked, naming its position.
    const std::string bbox = test::input_error_of([&] {
        load_city_config(write_temp("bbox.toml",
                                    "[city]\nname = \"t\"\nosm = \"x.osm.pbf\"\n"
                                    "rules = \"" +
                                        (kSource / "configs/rules/gb50180_2018.toml").string() +
                                        "\"\nbbox = [122.1, nan, 122.4, 40.7]\n"));
    });
    EXPECT_NE(bbox.find("not a finite number"), std::string::npos) << bbox;
    EXPECT_NE(bbox.find("bbox.toml:5:16"), std::string::npos) << bbox;
}

TEST(RobustNumbers, ScenarioResidentsMustBeAFiniteNonNegativeNumber) {
    auto scenario_error = [](const std::string& residents) {
        const fs::path p = write_temp("s.toml",
                                      "name = \"x\"\nbase = \"c.toml\"\n[[edit]]\n"
                                      "type = \"set_population\"\n"
                                      "polygon = [[113.54, 22.27], [113.541, 22.27], "
                                      "[113.541, 22.271]]\nresidents = " +
                                          residents + "\n");
        return test::input_error_of([&] { scenarios::load_scenario(p); });
    };
    EXPECT_EQ(scenario_error("1200"), "no error");
    EXPECT_NE(scenario_error("nan").find("not a finite number"), std::string::npos)
        << scenario_error("nan");
    EXPECT_NE(scenario_error("-5").find("is negative"), std::string::npos) << scenario_error("-5");
    EXPECT_NE(scenario_error("1e300").find("out of range"), std::string::npos);
}

// A planner's community file where pandas wrote NaN for a missing population: refused with the
// file, the row and the range (it used to be accepted and made the city score 0).
TEST(RobustNumbers, CommunityPopulationNanIsRefusedEndToEnd) {
    const fs::path dir = test::fresh_dir("robust_nan_population");
    fs::create_directories(dir);
    std::ofstream(dir / "communities.csv")
        << "id,name,population,wkt\n"
           "c1,东,NaN,\"POLYGON ((113.52 22.27, 113.55 22.27, 113.55 22.285, 113.52 22.285, "
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
    EXPECT_NE(r.output.find("communities.csv"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nan, not a finite number"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out" / "communities.csv"));
}

TEST(RobustNumbers, ThreadCountMinusOneGetsAClearMessage) {
    const test::CliRun r = test::run_lc15("coverage -j -1 --config x.toml --out /tmp/none");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("not a thread count"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("179769313"), std::string::npos) << r.output;
}

// Every number option on the command line: a wrong value exits 1 with the option, the value,
// what the number is and an example, never CLI11's bare range (1.79e308 printed in full).
TEST(RobustNumbers, EveryNumberOptionSaysWhatItTakes) {
    struct Case {
        const char* args;
        const char* said;
    };
    const Case cases[] = {
        {"bus -c x.toml -o /tmp/none --radius -5",
         "--radius -5 is not a catchment radius in metres: give a number above 0, e.g. "
         "--radius 500"},
        {"bus -c x.toml -o /tmp/none --radius abc", "--radius abc is not a catchment radius"},
        {"bus -c x.toml -o /tmp/none --radius nan", "--radius nan is not a catchment radius"},
        {"deadends -c x.toml -o /tmp/none --max-link-m 0", "give a number above 0"},
        {"deadends -c x.toml -o /tmp/none --top 2.5",
         "--top 2.5 is not a number of links: give a whole number of at least 0, e.g. --top 10"},
        {"deadends -c x.toml -o /tmp/none --top 3000000000",
         "give a whole number from 0 to 2147483647, e.g. --top 10"},
        {"deadends -c x.toml -o /tmp/none --top 99999999999999999999", "from 0 to 2147483647"},
        {"nightly -c x.toml -o /tmp/none --wait-minutes 0", "e.g. --wait-minutes 600"},
        {"nightly -c x.toml -o /tmp/none --wait-minutes 20000", "above 0 and up to 10080"},
        {"serve -c x.toml --max-sessions 0", "e.g. --max-sessions 16"},
        {"serve -c x.toml --port 70000", "or 0 for any free port, e.g. --port 8015"},
        {"map -c x.toml -o /tmp/none --dpi 10",
         "--dpi 10 is not a PNG resolution: give a number from 36 to 1200, e.g. --dpi 300"},
        {"map -c x.toml -o /tmp/none --max-pixels 1e12", "from 1000000 to 1000000000"},
        {"optimize -c x.toml --category park --add 0", "e.g. --add 30"},
        {"optimize -c x.toml --category park --add 3 --min-spacing -1", "of at least 0"},
        {"optimize -c x.toml --category park --add 3 --capacity inf", "a number of places"},
        {"optimize -c x.toml --category park --add 3 --time-limit 0", "a number of seconds"},
        {"optimize -c x.toml --category park --add 3 --max-candidates 0.5",
         "a number of candidate sites"},
    };
    for (const Case& c : cases) {
        const test::CliRun r = test::run_lc15(c.args);
        EXPECT_EQ(r.code, 1) << c.args << "\n" << r.output;
        EXPECT_NE(r.output.find(c.said), std::string::npos) << c.args << "\n" << r.output;
        EXPECT_EQ(r.output.find("179769313"), std::string::npos) << r.output;
    }
    // A good value passes the check: the run goes on to the missing config file.
    const test::CliRun ok = test::run_lc15("bus -c /nonexistent/x.toml -o /tmp/none --radius 300");
    EXPECT_EQ(ok.code, 1) << ok.output;
    EXPECT_EQ(ok.output.find("--radius"), std::string::npos) << ok.output;
    EXPECT_NE(ok.output.find("x.toml"), std::string::npos) << ok.output;
}

}  // namespace
}  // namespace lc15::io
