// The README's library example, compiled and run, so that it stays true.
#include <gtest/gtest.h>

#include "io/city.hpp"

TEST(LibraryExample, ReadmeSnippetRunsAndAnIncrementalAddOnlyImproves) {
    const std::string root = LC15_SOURCE_DIR;
    lc15::io::CityConfig config =
        lc15::io::load_city_config(root + "/configs/zhuhai_xiangzhou.toml");
    lc15::io::City city = lc15::io::load_city(config);
    lc15::CoverageModel model = lc15::io::make_coverage_model(city);
    model.compute();
    lc15::CoverageReport report = model.report(city.communities.size());

    std::uint32_t kg = config.rules.index_of("kindergarten", "example");
    lc15::SnapResult site = city.snapper->snap({113.5400, 22.2760}, config.max_snap_m);
    ASSERT_TRUE(site.ok());
    lc15::Delta delta;
    model.add_facility(kg, site, &delta);

    ASSERT_FALSE(delta.changes.empty()) << "a new kindergarten in the district reaches somebody";
    for (const auto& c : delta.changes) {
        EXPECT_EQ(c.category, kg);
        EXPECT_LE(c.after.nearest, c.before.nearest)
            << "adding a facility never makes anyone farther";
        EXPECT_GE(c.after.count_within, c.before.count_within);
        EXPECT_LE(c.after.count_within, c.before.count_within + 1)
            << "one facility adds at most one";
    }
    const lc15::CoverageReport after = model.report(city.communities.size());
    EXPECT_GE(after.city[kg].covered_population, report.city[kg].covered_population);
}
