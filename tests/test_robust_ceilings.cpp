// Ceilings on the work one setting multiplies (issue 12), beside the one on sampled homes
// (tests/test_robust_inputs.cpp): the pixels of a PNG map page (--dpi x --paper: A1 at
// 1200 dpi used to end in "internal error … cairo surface: invalid value" after the whole
// computation) and the candidate sites of `lc15 optimize`. Each refusal says how to raise it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "maps/maps.hpp"
#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace fs = std::filesystem;

namespace lc15 {
namespace {

const fs::path kConfig = fs::path(LC15_SOURCE_DIR) / "configs/zhuhai_xiangzhou.toml";

TEST(RobustCeilings, PngPixelsHaveACeilingThatSaysWhichDpiFits) {
    maps::MapOptions o;
    o.paper = maps::paper_size("A3", false);
    o.png_dpi = 300;  // 4961 x 3508 = 17.4 million pixels: well within
    EXPECT_EQ(test::input_error_of([&] { maps::check_png_size(o); }), "no error");

    // A4 at 600 dpi is 7016 x 4961 = 34.8 million pixels: above a ceiling of 20 million.
    o.paper = maps::paper_size("A4", false);
    o.png_dpi = 600;
    o.max_png_pixels = 2e7;
    const std::string m = test::input_error_of([&] { maps::check_png_size(o); });
    EXPECT_NE(m.find("--dpi 600"), std::string::npos) << m;
    EXPECT_NE(m.find("7016 x 4961 pixels"), std::string::npos) << m;
    EXPECT_NE(m.find("ceiling of 20 million"), std::string::npos) << m;
    // sqrt(2e7 / (297 x 210 mm²)) x 25.4 = 454.8 dpi.
    EXPECT_NE(m.find("lower --dpi to 454 "), std::string::npos) << m;
    EXPECT_NE(m.find("--max-pixels 34806376"), std::string::npos) << m;
    o.png_dpi = 454;
    EXPECT_EQ(test::input_error_of([&] { maps::check_png_size(o); }), "no error");

    // A1 at 1200 dpi: 39,733 pixels wide, beyond what a PNG page can have whatever the ceiling.
    o.paper = maps::paper_size("A1", false);
    o.png_dpi = 1200;
    o.max_png_pixels = 1e12;
    const std::string wide = test::input_error_of([&] { maps::check_png_size(o); });
    EXPECT_NE(wide.find("39733 x 28063"), std::string::npos) << wide;
    EXPECT_NE(wide.find("32,767"), std::string::npos) << wide;
    // 32767 / 841 mm x 25.4 = 989.6 dpi.
    EXPECT_NE(wide.find("lower --dpi to 989 "), std::string::npos) << wide;
}

TEST(RobustCeilings, MapRefusesAnOversizedPngBeforeLoadingTheCity) {
    const fs::path out = test::fresh_dir("robust_ceiling_map");
    const test::CliRun r =
        test::run_lc15("map -q --config " + kConfig.string() +
                       " --paper A1 --dpi 1200 --format png --out " + out.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("lower --dpi to"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
}

TEST(RobustCeilings, OptimizeCandidatesHaveACeiling) {
    const fs::path out = test::fresh_dir("robust_ceiling_candidates");
    const test::CliRun r = test::run_lc15("optimize -q --config " + kConfig.string() +
                                          " --category pocket_park --add 2 --max-candidates 10"
                                          " --out " +
                                          out.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("more than the ceiling of 10"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("raise the ceiling with --max-candidates"), std::string::npos)
        << r.output;
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace lc15
