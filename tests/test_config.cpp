#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/error.hpp"
#include "io/config.hpp"
#include "tests/support/test_city.hpp"

namespace fs = std::filesystem;

namespace lc15::io {
namespace {

const fs::path kSource = LC15_SOURCE_DIR;

fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "lc15_test_config";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
}

Feature feature(std::map<std::string, std::string> tags, std::string name = {}) {
    Feature f;
    f.tags = std::move(tags);
    f.name = std::move(name);
    return f;
}

std::string error_of(const fs::path& p) {
    return test::input_error_of([&] { load_city_config(p); });
}

TEST(Rules, DefaultRuleSetCarriesTheStandardsRadii) {
    const RuleSet rs = load_rules(kSource / "configs/rules/gb50180_2018.toml");
    auto radius = [&](const char* id) {
        return rs.categories[rs.index_of(id, "test")].rule.radius_m;
    };
    auto level = [&](const char* id) {
        return rs.categories[rs.index_of(id, "test")].rule.level_minutes;
    };
    EXPECT_EQ(radius("middle_school"), 1000);
    EXPECT_EQ(level("middle_school"), 15);
    EXPECT_EQ(radius("primary_school"), 500);
    EXPECT_EQ(radius("bus_stop"), 500);
    EXPECT_EQ(radius("kindergarten"), 300);
    EXPECT_EQ(level("kindergarten"), 5);
    EXPECT_EQ(radius("rail_station"), 800);
    EXPECT_EQ(radius("cultural_station"), 500);
    for (const auto& c : rs.categories) {
        EXPECT_FALSE(c.rule.clause.empty()) << c.rule.id << " must cite its clause";
        EXPECT_FALSE(c.rule.name_zh.empty()) << c.rule.id;
    }
    EXPECT_THROW(rs.index_of("kindergarden", "x"), InputError);
}

TEST(Rules, ClassifiesByTagsAndChineseNames) {
    const RuleSet rs = load_rules(kSource / "configs/rules/gb50180_2018.toml");
    auto cats = [&](const Feature& f, const std::string& type = {}) {
        std::set<std::string> ids;
        for (auto i : classify(rs, f, type)) ids.insert(rs.categories[i].rule.id);
        return ids;
    };
    // amenity=school alone is neither primary nor middle school: the name decides.
    EXPECT_EQ(cats(feature({{"amenity", "school"}}, "香洲区第一小学")).count("primary_school"), 1u);
    EXPECT_EQ(cats(feature({{"amenity", "school"}}, "香洲区第一小学")).count("middle_school"), 0u);
    EXPECT_EQ(cats(feature({{"amenity", "school"}}, "珠海市第九中学")).count("middle_school"), 1u);
    EXPECT_TRUE(cats(feature({{"amenity", "school"}}, "某某学院")).empty());
    EXPECT_EQ(cats(feature({{"amenity", "school"}, {"isced:level", "1"}})).count("primary_school"),
              1u);
    EXPECT_EQ(cats(feature({{"amenity", "kindergarten"}})).count("kindergarten"), 1u);
    EXPECT_EQ(cats(feature({{"amenity", "school;kindergarten"}})).count("kindergarten"), 1u);
    EXPECT_EQ(cats(feature({{"shop", "supermarket"}})).count("market"), 1u);
    EXPECT_EQ(cats(feature({{"shop", "supermarket"}})).count("shops"), 1u);
    EXPECT_TRUE(cats(feature({{"shop", "clothes"}})).empty());
    // Planner files: Amap's type path.
    Feature plain;
    EXPECT_EQ(cats(plain, "科教文化服务;学校;幼儿园").count("kindergarten"), 1u);
    EXPECT_EQ(cats(plain, "科教文化服务;学校;小学").count("primary_school"), 1u);
    // Parks are selected by area: a point park has no known area.
    EXPECT_EQ(cats(feature({{"leisure", "park"}})).count("park"), 0u);
    Feature park = feature({{"leisure", "park"}});
    const double d = 0.001;  // about 85 m × 111 m at 40°N: ~9,400 m²
    park.area = {
        Polygon{{{122.0, 40.0}, {122.0 + d, 40.0}, {122.0 + d, 40.0 + d}, {122.0, 40.0 + d}}, {}}};
    EXPECT_EQ(cats(park).count("park"), 1u);
    EXPECT_EQ(cats(park).count("pocket_park"), 1u);
}

TEST(CityConfig, LoadsShippedConfigsAndAppliesOverrides) {
    const CityConfig demo = load_city_config(kSource / "configs/zhuhai_xiangzhou.toml");
    EXPECT_EQ(demo.osm, (kSource / "data/osm/cn_zhuhai_xiangzhou.osm").lexically_normal());
    EXPECT_EQ(demo.facility_files.size(), 1u);
    EXPECT_EQ(demo.facility_files[0].crs, "GCJ-02");
    EXPECT_NEAR(demo.walking_profile("adult").speed_m_per_s, 1.25, 1e-9);
    EXPECT_NEAR(demo.walking_profile("elderly").speed_m_per_s, 0.8, 1e-9);
    EXPECT_TRUE(demo.walking_profile("barrier_free").exclude_steps);
    EXPECT_EQ(demo.config_hash.size(), 64u);
    for (const char* shipped :
         {"configs/nanjing_xuanwu.toml", "configs/monaco.toml", "configs/portoalegre.toml"}) {
        const CityConfig c = load_city_config(kSource / shipped);
        EXPECT_TRUE(std::filesystem::exists(c.osm)) << shipped << " names a shipped extract";
    }
    const CityConfig yk = load_city_config(kSource / "configs/yingkou_central.toml");
    EXPECT_EQ(yk.communities_source, "osm_admin");
    EXPECT_EQ(yk.admin_level, 8);
    ASSERT_TRUE(yk.census);  // the shipped census figures, sub-district rows only
    EXPECT_TRUE(std::filesystem::exists(yk.census->path));
    EXPECT_EQ(io::read_census(*yk.census).size(), 7u);

    const fs::path p = write_temp("override.toml", R"(
[city]
osm = "x.osm.pbf"
rules = ")" + (kSource / "configs/rules/gb50180_2018.toml").string() +
                                                       R"("
[targets]
share = 0.9
[categories.kindergarten]
radius_m = 250
[categories.public_toilet]
name_zh = "公共厕所"
level = 5
radius_m = 300
match = [ { tags = { amenity = "toilets" } } ]
)");
    const CityConfig c = load_city_config(p);
    const auto& k = c.rules.categories[c.rules.index_of("kindergarten", "t")].rule;
    EXPECT_EQ(k.radius_m, 250);
    EXPECT_EQ(k.name_zh, "幼儿园") << "an override keeps what it does not change";
    EXPECT_DOUBLE_EQ(k.target_share, 0.9);
    const auto& toilet = c.rules.categories[c.rules.index_of("public_toilet", "t")];
    EXPECT_EQ(toilet.rule.radius_m, 300);
    EXPECT_EQ(classify(c.rules, feature({{"amenity", "toilets"}})).size(), 1u);
}

TEST(CityConfig, ErrorsNameFileLineAndFix) {
    const std::string rules = (kSource / "configs/rules/gb50180_2018.toml").string();
    std::string e = error_of(write_temp("syntax.toml", "[city]\nosm = \"a.pbf\nrules = 3\n"));
    EXPECT_NE(e.find("syntax.toml:2"), std::string::npos) << e;
    e = error_of(write_temp("typo.toml", "[city]\nosm = \"a.pbf\"\nrules = \"" + rules +
                                             "\"\n[network]\nmax_snap = 100\n"));
    EXPECT_NE(e.find("typo.toml:5:1"), std::string::npos) << e;
    EXPECT_NE(e.find("max_snap_m"), std::string::npos) << "the fix lists the valid keys: " << e;
    e = error_of(write_temp(
        "badcat.toml", "[city]\nosm = \"a.pbf\"\nrules = \"" + rules +
                           "\"\n[[facilities]]\npath = \"f.csv\"\ncategory = \"kindergarden\"\n"));
    EXPECT_NE(e.find("kindergarden"), std::string::npos) << e;
    EXPECT_NE(e.find("kindergarten"), std::string::npos) << "lists the valid ids: " << e;
    e = error_of(write_temp("radius.toml", "[city]\nosm = \"a.pbf\"\nrules = \"" + rules +
                                               "\"\n[categories.kindergarten]\nradius_m = -5\n"));
    EXPECT_NE(e.find("radius.toml:5"), std::string::npos) << e;
    e = error_of(write_temp("norules.toml", "[city]\nosm = \"a.pbf\"\nrules = \"missing.toml\"\n"));
    EXPECT_NE(e.find("missing.toml"), std::string::npos) << e;
    EXPECT_NE(e.find("not found"), std::string::npos) << e;
}

TEST(CityConfig, BusWindowLineFilesAndWholeCity) {
    const std::string head = "[city]\nosm = \"a.pbf\"\nrules = \"" +
                             (kSource / "configs/rules/gb50180_2018.toml").string() + "\"\n";
    const CityConfig c = load_city_config(write_temp("buslines.toml", head + R"([bus]
gtfs = "feed.zip"
window = "13:00-15:30"
[[bus.lines]]
path = "plans/new_lines.csv"
crs = "GCJ-02"
[[bus.lines]]
path = "plans/wgs.csv"
[communities]
source = "whole"
)"));
    EXPECT_EQ(c.gtfs_window_start_s, 13 * 3600);
    EXPECT_EQ(c.gtfs_window_end_s, 15 * 3600 + 30 * 60);
    ASSERT_EQ(c.bus_line_files.size(), 2u);
    EXPECT_EQ(c.bus_line_files[0].path, c.path.parent_path() / "plans/new_lines.csv");
    EXPECT_EQ(c.bus_line_files[0].crs, "GCJ-02");
    EXPECT_TRUE(c.bus_line_files[0].crs_declared);
    EXPECT_FALSE(c.bus_line_files[1].crs_declared);
    EXPECT_EQ(c.communities_source, "whole");
    const CityConfig d = load_city_config(write_temp("nowindow.toml", head));
    EXPECT_EQ(d.gtfs_window_start_s, 7 * 3600);
    EXPECT_EQ(d.gtfs_window_end_s, 9 * 3600);
    EXPECT_TRUE(d.bus_line_files.empty());

    // Errors name file:line:column and the fix.
    std::string e = error_of(write_temp(
        "linekey.toml", head + "[bus]\n[[bus.lines]]\npath = \"l.csv\"\nlayer = \"x\"\n"));
    EXPECT_NE(e.find("linekey.toml:7:9"), std::string::npos) << e;
    EXPECT_NE(e.find("use one of: path, crs"), std::string::npos) << e;
    e = error_of(
        write_temp("linecrs.toml", head + "[[bus.lines]]\npath = \"l.csv\"\ncrs = \"GCJ-20\"\n"));
    EXPECT_NE(e.find("linecrs.toml:6:7"), std::string::npos) << e;
    EXPECT_NE(e.find("GCJ-20"), std::string::npos) << e;
    e = error_of(write_temp("linepath.toml", head + "[[bus.lines]]\ncrs = \"WGS84\"\n"));
    EXPECT_NE(e.find("linepath.toml:4:1"), std::string::npos) << e;
    EXPECT_NE(e.find("path"), std::string::npos) << e;
    e = error_of(write_temp("window.toml", head + "[bus]\nwindow = \"15:00-13:00\"\n"));
    EXPECT_NE(e.find("window.toml:5:10"), std::string::npos) << e;
    EXPECT_NE(e.find("ends before it starts"), std::string::npos) << e;
    e = error_of(write_temp("window2.toml", head + "[bus]\nwindow = \"1pm\"\n"));
    EXPECT_NE(e.find("window2.toml:5:10"), std::string::npos) << e;
    e = error_of(
        write_temp("whole.toml", head + "[communities]\nsource = \"whole\"\nadmin_level = 8\n"));
    EXPECT_NE(e.find("whole.toml:6:1"), std::string::npos) << e;
    e = error_of(write_temp("wholes.toml", head + "[communities]\nsource = \"wholecity\"\n"));
    EXPECT_NE(e.find("\"whole\""), std::string::npos) << "the fix lists the sources: " << e;
}

}  // namespace
}  // namespace lc15::io
