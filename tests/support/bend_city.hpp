// Test support — the city of the bus line shape tests: one street bending at b (a -> b east,
// b -> c south, 40 m a character), the places 1 and 2 of two stops beside it, and a residential
// area p q s r (one community) away from it.
//
//   test::AsciiMap m = test::bend_street_city();
//   m.tag_node('1', {{"highway", "bus_stop"}});            // the test's own stops and routes
//   test::write_bend_city(m, dir, 0.002, "[bus]\ngtfs = \"feed\"\n");
#pragma once

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <string_view>
#include <vector>

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

}  // namespace lc15::test
