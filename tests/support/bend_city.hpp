// Test support — the city of the bus line shape tests: one street bending at b (a -> b east,
// b -> c south, 40 m a character), the places 1 and 2 of two stops beside it, and a residential
// area p q s r (one community) away from it.
//
//   test::AsciiMap m = test::bend_street_city();
//   m.tag_node('1', {{"highway", "bus_stop"}});            // the test's own stops and routes
//   test::write_bend_city(m, dir, 0.002, "[bus]\ngtfs = \"feed\"\n");
//   test::expect_line_through_bend(city, bus, 0, m.pos('b'));  // the map draws line 0 bent
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <string_view>
#include <vector>

#include "engine/coverage.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/line_shape.hpp"
#include "maps/maps.hpp"
#include "tests/support/ascii_map.hpp"

#ifndef LC15_SOURCE_DIR
#error "LC15_SOURCE_DIR must be defined (the repository root)"
#endif

namespace lc15::test {

inline AsciiMap bend_street_city() {
    AsciiMap m(R"(
a--------------------b
  1                  |
                     |
                     |
                     |
                     |
                     |
  p-----q            |
  |     |            |
  r-----s          2 |
                     |
                     c
)",
               40.0);
    std::vector<AsciiMember> sides;
    for (const char* w : {"pq", "qs", "rs", "pr"}) {
        m.tag_way(w, {{"highway", ""}});
        sides.push_back({'w', w, "outer"});
    }
    m.add_relation({{"type", "multipolygon"}, {"landuse", "residential"}}, sides);
    return m;
}

/// Writes dir/city.osm and dir/city.toml: the box of a..c grown by `margin_deg`, communities
/// from residential landuse, population sampled every 20 m (900 a community), then `extra`.
inline void write_bend_city(const AsciiMap& m, const std::filesystem::path& dir, double margin_deg,
                            std::string_view extra = "") {
    m.write(dir / "city.osm");
    const LonLat nw = m.pos('a'), se = m.pos('c');
    std::ofstream(dir / "city.toml")
        << std::setprecision(10) << "[city]\nname = \"测试城\"\nosm = \"city.osm\"\nbbox = ["
        << nw.lon - margin_deg << ", " << se.lat - margin_deg << ", " << se.lon + margin_deg << ", "
        << nw.lat + margin_deg
        << "]\nrules = \"" LC15_SOURCE_DIR
           "/configs/rules/gb50180_2018.toml\"\n[communities]\nsource = "
           "\"residential_landuse\"\n[population]\nsource = \"sampling\"\nsample_spacing_m "
           "= 20\ndefault_community_population = 900\n"
        << extra;
}

/// The bus map drawn three times at 300 dpi — line k as `bus` has it (the other lines left
/// out), line k straight between its end stops, and no line — and checked: the drawn line
/// passes halfway along both arms of the bend, and not halfway between the stops, where the
/// straight one would.
inline void expect_line_through_bend(const io::City& city, const io::BusAnalysis& bus,
                                     std::size_t k, LonLat bend) {
    CoverageModel model = io::make_coverage_model(city);
    model.compute();
    const CoverageReport report = model.report(static_cast<std::uint32_t>(city.communities.size()));
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    opt.png_dpi = 300;
    const io::LineShape& shape = bus.line_shapes.at(k);
    auto render = [&](const io::LineShape& only) {
        io::BusAnalysis b = bus;
        b.line_shapes.assign(bus.line_shapes.size(), io::LineShape{});
        b.line_shapes[k] = only;
        const maps::MapInputs in{&city, &model, &report, &b};
        return maps::render_map(in, {maps::MapKind::kBus, 0}, opt, maps::Format::kPng);
    };
    const maps::MapResult drawn = render(shape);
    const maps::MapResult straight =
        render(io::straight_shape({shape.points.front(), shape.points.back()}));
    const maps::MapResult none = render(io::LineShape{});
    const maps::Pixels pd = maps::decode_png(drawn.bytes), ps = maps::decode_png(straight.bytes),
                       pn = maps::decode_png(none.bytes);
    // Whether two maps differ within 6 pixels (half a millimetre) of a place.
    auto differ = [&](const maps::Pixels& a, const maps::Pixels& b, LonLat p) {
        auto [x, y] = drawn.page_point(p);
        const int cx = static_cast<int>(x * 300 / 72), cy = static_cast<int>(y * 300 / 72);
        if (cx < 6 || cy < 6 || cx + 6 >= a.width || cy + 6 >= a.height) {
            ADD_FAILURE() << "off the page: " << cx << ", " << cy;
            return false;
        }
        for (int dy = -6; dy <= 6; ++dy)
            for (int dx = -6; dx <= 6; ++dx) {
                const std::uint32_t u = a.at(cx + dx, cy + dy), v = b.at(cx + dx, cy + dy);
                for (int s = 0; s < 32; s += 8)
                    if (std::abs(int(u >> s & 255) - int(v >> s & 255)) > 8) return true;
            }
        return false;
    };
    const LonLat s1 = shape.points.front(), s2 = shape.points.back();
    EXPECT_TRUE(differ(pd, pn, interpolate(s1, bend, 0.5)));
    EXPECT_TRUE(differ(pd, pn, interpolate(bend, s2, 0.5)));
    EXPECT_TRUE(differ(ps, pn, interpolate(s1, s2, 0.5)));   // a straight line would pass here
    EXPECT_FALSE(differ(pd, pn, interpolate(s1, s2, 0.5)));  // the drawn line does not
}

}  // namespace lc15::test
