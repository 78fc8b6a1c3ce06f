// The one set of stops (io/city.hpp): every stop lc15 uses — OSM, planners' stop files,
// planners' line files — is one bus_stop facility, deduplicated across sources, and the bus
// analysis counts the same stops; on the demo district 108 OSM stops are 108 stops, not 212.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "io/bus_analysis.hpp"
#include "io/city.hpp"

#include "tests/support/ascii_map.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
const fs::path kDemo = fs::path(LC15_SOURCE_DIR) / "configs/zhuhai_xiangzhou.toml";

std::size_t bus_stop_facilities(const io::City& city) {
    const std::uint32_t k = city.config.rules.index_of("bus_stop", "test");
    std::size_t n = 0;
    for (const auto& f : city.facilities) n += f.category == k;
    return n;
}

LonLat north_of(LonLat p, double m) { return {p.lon, p.lat + m / (deg2rad(1.0) * kEarthRadiusM)}; }

TEST(BusStops, DemoCountsEachOsmStopOnce) {
    const io::City city = io::load_city(io::load_city_config(kDemo));
    ASSERT_GT(city.osm.stops.size(), 100u);
    EXPECT_EQ(city.stops.size(), city.osm.stops.size());
    EXPECT_EQ(city.stop_merges, 0u);
    EXPECT_EQ(bus_stop_facilities(city), city.stops.size());
    io::BusAnalysisOptions o;
    o.service_area = false;
    EXPECT_EQ(io::analyse_bus(city, o).stops, city.stops.size());
}

// A city moved (into a holder, out of a function) keeps a snapper that reads its own graph,
// and the bus analysis, which snaps the stops with it, gives what the unmoved city gives.
TEST(BusStops, AMovedCitySnapsOnItsOwnGraph) {
    const io::City here = io::load_city(io::load_city_config(kDemo));
    auto moved = std::make_unique<io::City>(io::load_city(io::load_city_config(kDemo)));
    io::City assigned;
    assigned = io::load_city(io::load_city_config(kDemo));
    for (const io::City* c : {moved.get(), &assigned}) {
        ASSERT_EQ(&c->snapper->graph(), &c->osm.graph);
        const io::BusAnalysis a = io::analyse_bus(*c, {}), b = io::analyse_bus(here, {});
        ASSERT_EQ(a.network.num_stops(), b.network.num_stops());
        for (StopId s = 0; s < a.network.num_stops(); ++s) {
            EXPECT_EQ(a.network.stop(s).snap.edge, b.network.stop(s).snap.edge);
            EXPECT_EQ(a.network.stop(s).snap.off_tail, b.network.stop(s).snap.off_tail);
        }
        EXPECT_EQ(a.catchment.city.walk_share, b.catchment.city.walk_share);
    }
}

TEST(BusStops, ElderlyWalkerScalesTheCatchmentRadiusLikeEveryRadius) {
    const io::City city = io::load_city(io::load_city_config(kDemo), "elderly");
    ASSERT_NEAR(city.radius_scale(), 0.8 / 1.25, 1e-9);
    io::BusAnalysisOptions o;
    o.service_area = false;
    const io::BusAnalysis bus = io::analyse_bus(city, o);
    EXPECT_NEAR(bus.radius_m, 320.0, 1e-9);
    EXPECT_NEAR(bus.radius_scale, 0.64, 1e-9);
    // The walking figure is the bus_stop category of the same walker: the same stops and radius.
    const std::uint32_t k = city.config.rules.index_of("bus_stop", "test");
    EXPECT_NEAR(city.effective_rules()[k].radius_m, bus.radius_m, 1e-9);
    const io::City adult_city = io::load_city(io::load_city_config(kDemo), "adult");
    const io::BusAnalysis adult = io::analyse_bus(adult_city, o);  // keeps its City alive
    EXPECT_LT(bus.catchment.city.walk_share, adult.catchment.city.walk_share);
}

TEST(BusStops, PlannersStopsAndLineStopsJoinTheSetOnce) {
    io::CityConfig cfg = io::load_city_config(kDemo);
    const io::City base = io::load_city(cfg);
    const LonLat s0 = base.osm.stops[0].pos, s1 = base.osm.stops[1].pos;
    // Two new places north of the first two stops, the first offset that is no stop's duplicate.
    auto clear_of_stops = [&](LonLat from) {
        for (double m = 200; m < 5000; m += 50) {
            const LonLat p = north_of(from, m);
            bool clear = true;
            for (const auto& s : base.stops)
                clear = clear && haversine_m(s.pos, p) > 2 * cfg.dedupe_m;
            if (clear) return p;
        }
        ADD_FAILURE() << "no clear place";
        return from;
    };
    const LonLat new0 = clear_of_stops(s0), new1 = clear_of_stops(s1);
    ASSERT_GT(haversine_m(new0, new1), 2 * cfg.dedupe_m);
    test::TempDir dir;
    {
        std::ofstream f(dir / "stops.csv");
        f.precision(10);
        const LonLat near0 = north_of(s0, 5);
        f << "id,name,lon,lat\np1,Planned A," << near0.lon << "," << near0.lat << "\np2,Planned B,"
          << new0.lon << "," << new0.lat << "\n";
        std::ofstream l(dir / "lines.csv");
        l.precision(10);
        l << "line,lon,lat,stop_id\nN1," << s1.lon << "," << s1.lat << ",a\nN1," << new1.lon << ","
          << new1.lat << ",b\n";
    }
    io::FileSourceConfig stops;
    stops.path = dir / "stops.csv";
    stops.crs_declared = true;
    stops.lon_field = "lon";
    stops.lat_field = "lat";
    stops.id_field = "id";
    stops.name_field = "name";
    stops.where = "test";
    cfg.bus_stop_files.push_back(stops);
    io::FileSourceConfig lines;
    lines.path = dir / "lines.csv";
    lines.where = "test";
    cfg.bus_line_files.push_back(lines);

    const io::City city = io::load_city(cfg);
    // p1 is OSM stop 0 (5 m away): the planner's record replaces it; line stop a is OSM stop 1.
    EXPECT_EQ(city.stop_merges, 2u);
    ASSERT_EQ(city.stops.size(), base.stops.size() + 2);
    EXPECT_EQ(city.stops[0].source, "stops.csv");
    EXPECT_EQ(city.stops[0].id, "p1");
    EXPECT_EQ(city.stops[0].merged_ids, std::vector<std::string>{"osm:" + base.stops[0].id});
    EXPECT_EQ(city.stops[1].source, "osm");
    EXPECT_EQ(city.stops[1].merged_ids, std::vector<std::string>{"lines.csv:a"});
    EXPECT_NE(std::find(city.stops[1].lines.begin(), city.stops[1].lines.end(), "N1"),
              city.stops[1].lines.end());
    EXPECT_EQ(bus_stop_facilities(city), city.stops.size());
    io::BusAnalysisOptions o;
    o.service_area = false;
    const io::BusAnalysis bus = io::analyse_bus(city, o);
    EXPECT_EQ(bus.stops, city.stops.size());
}

}  // namespace
}  // namespace lc15
