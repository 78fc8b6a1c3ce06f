// GTFS: a tiny feed written by the test gives the same network and the same answers as the
// line given directly; missing files and columns name themselves; bad rows are warnings with
// their line; Porto Alegre's real feed runs end to end with its OSM extract and population grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/error.hpp"
#include "engine/transit.hpp"
#include "io/bus_analysis.hpp"
#include "io/bus_lines.hpp"
#include "io/city.hpp"
#include "io/crs.hpp"
#include "io/gtfs.hpp"
#include "io/osm_reader.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;

constexpr LonLat kOrigin{122.2, 40.6};
LonLat north(double y_m) {
    return {kOrigin.lon, kOrigin.lat + y_m / (deg2rad(1.0) * kEarthRadiusM)};
}

// One street north from y = 0 to 2000 m.
WalkGraph street() {
    GraphBuilder b;
    std::vector<WayNode> nodes;
    for (int i = 0; i <= 4; ++i) nodes.push_back({std::uint64_t(i + 1), north(500.0 * i)});
    b.add_way(1, nodes, 0);
    return std::move(b).build();
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("lc15_gtfs_" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
    }
};

std::string coord(LonLat p) {
    std::ostringstream s;
    s.precision(10);
    s << p.lat << "," << p.lon;
    return s.str();
}

// Stops A (200 m), B (1000 m), C (1800 m). Route R runs A -> B -> C on weekdays every 15
// minutes from 07:00, 8 minutes end to end, B left empty (interpolated: 4 min each hop); one
// trip C -> A; a Saturday-only trip and a 10:00 trip that must not count.
void write_feed(const TempDir& d) {
    d.write("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nA,Alpha," + coord(north(200)) +
                             "\nB,Beta," + coord(north(1000)) + "\nC,Gamma," + coord(north(1800)) +
                             "\nX,Broken,abc,1\n");
    d.write("routes.txt", "route_id,route_short_name,route_long_name,route_type\nR,12,Twelve,3\n");
    d.write(
        "calendar.txt",
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20190101,20191231\nSA,0,0,0,0,0,1,0,20190101,20191231\n");
    std::string trips = "route_id,service_id,trip_id\n",
                times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n";
    for (int k = 0; k < 8; ++k) {
        const std::string id = "t" + std::to_string(k);
        const int dep = 7 * 60 + 15 * k;
        auto hhmm = [](int minutes) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "%02d:%02d:00", minutes / 60, minutes % 60);
            return std::string(buf);
        };
        trips += "R,WD," + id + "\n";
        times += id + "," + hhmm(dep) + "," + hhmm(dep) + ",A,1\n" + id + ",\"\",\"\",B,2\n" + id +
                 "," + hhmm(dep + 8) + "," + hhmm(dep + 8) + ",C,3\n";
    }
    trips += "R,WD,late\nR,SA,sat\nR,WD,back\n";
    times += "late,10:00:00,10:00:00,A,1\nlate,10:08:00,10:08:00,C,2\n";
    times += "sat,07:30:00,07:30:00,A,1\nsat,07:33:00,07:33:00,C,2\n";
    // A bad time at B: warned, treated as empty (interpolated).
    times += "back,07:05:00,07:05:00,C,1\nback,7:61:00,,B,2\nback,07:13:00,07:13:00,A,3\n";
    d.write("trips.txt", trips);
    d.write("stop_times.txt", times);
}

TEST(Gtfs, TinyFeedEqualsTheLineGivenDirectly) {
    TempDir d;
    write_feed(d);
    io::GtfsFeed feed = io::read_gtfs(d.path);
    ASSERT_EQ(feed.stops.size(), 3u);  // X has a bad latitude
    EXPECT_EQ(feed.trips_total, 11u);
    EXPECT_EQ(feed.trips_on_day, 10u);    // not the Saturday trip
    EXPECT_EQ(feed.trips_in_window, 9u);  // not the 10:00 trip
    ASSERT_EQ(feed.lines.size(), 2u);
    // Patterns sorted by stop sequence: A,B,C (0,1,2) before C,B,A (2,1,0).
    const TransitLineInput& up = feed.lines[0];
    EXPECT_EQ(up.id, "R/1");
    EXPECT_EQ(up.name, "12");
    EXPECT_EQ(up.stops, (std::vector<StopId>{0, 1, 2}));
    ASSERT_EQ(up.hop_seconds.size(), 2u);
    EXPECT_NEAR(up.hop_seconds[0], 240, 1);  // 480 s split by distance 800 m : 800 m
    EXPECT_NEAR(up.hop_seconds[1], 240, 1);
    EXPECT_DOUBLE_EQ(up.headway_seconds, 900);  // 8 departures in 2 hours
    bool warned_lat = false, warned_time = false;
    for (const auto& w : feed.warnings) {
        warned_lat |=
            w.find("stops.txt:5") != std::string::npos && w.find("stop X") != std::string::npos;
        warned_time |= w.find("stop_times.txt:") != std::string::npos &&
                       w.find("7:61:00") != std::string::npos;
    }
    EXPECT_TRUE(warned_lat);
    EXPECT_TRUE(warned_time);

    // Same answers as the line given directly.
    const WalkGraph g = street();
    const Snapper snapper(g);
    std::vector<TransitStopInput> stops{
        {north(200), "A", ""}, {north(1000), "B", ""}, {north(1800), "C", ""}};
    std::vector<TransitLineInput> direct{{"R", "12", {0, 1, 2}, {240, 240}, 900}};
    TransitOptions opt;
    const TransitNetwork from_gtfs =
        build_transit(g, snapper, feed.stops, {feed.lines.data(), 1}, opt);
    const TransitNetwork given = build_transit(g, snapper, stops, direct, opt);
    const std::vector<SnapResult> homes{snapper.snap(north(100), 50), snapper.snap(north(900), 50)};
    const std::vector<SnapResult> fac{snapper.snap(north(1900), 50)};
    const TransitAccess a = walk_bus_seconds(from_gtfs, homes, fac, opt);
    const TransitAccess b = walk_bus_seconds(given, homes, fac, opt);
    // Home at 100 m: walk 80 s + wait 450 s + ride 480 s + walk 80 s = 1090 s (walking: 1440 s).
    EXPECT_NEAR(b.walk_bus_s[0], 1090, 0.05);
    EXPECT_NEAR(b.walk_s[0], 1440, 0.05);
    for (int h = 0; h < 2; ++h) EXPECT_NEAR(a.walk_bus_s[h], b.walk_bus_s[h], 1.0);

    // The same feed as a zip reads the same.
    const fs::path zip = d.path / "feed.zip";
    const std::string cmd = "cd '" + d.path.string() + "' && zip -q feed.zip *.txt";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "zip (installed by scripts/setup) failed";
    const io::GtfsFeed zipped = io::read_gtfs(zip);
    ASSERT_EQ(zipped.lines.size(), feed.lines.size());
    EXPECT_EQ(zipped.lines[0].hop_seconds, feed.lines[0].hop_seconds);
    EXPECT_EQ(zipped.lines[0].headway_seconds, feed.lines[0].headway_seconds);
}

TEST(Gtfs, MissingFilesAndColumnsNameThemselves) {
    TempDir d;
    write_feed(d);
    fs::remove(d.path / "stop_times.txt");
    try {
        io::read_gtfs(d.path);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(e.where().find("stop_times.txt"), std::string::npos) << e.what();
    }
    write_feed(d);
    d.write("stops.txt", "stop_id,stop_name,stop_lon\nA,Alpha,1\n");
    try {
        io::read_gtfs(d.path);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(e.where().find("stops.txt"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("stop_lat"), std::string::npos) << e.what();
    }
    EXPECT_THROW(io::read_gtfs(d.path / "nothing_here"), InputError);
}

TEST(Gtfs, FrequenciesGiveTheHeadway) {
    TempDir d;
    write_feed(d);
    // Trip t0 also runs every 5 minutes 07:00-08:00: 12 more departures, 20 in all in 2 hours.
    d.write("frequencies.txt",
            "trip_id,start_time,end_time,headway_secs\nt0,07:00:00,08:00:00,300\n");
    const io::GtfsFeed feed = io::read_gtfs(d.path);
    ASSERT_FALSE(feed.lines.empty());
    EXPECT_DOUBLE_EQ(feed.lines[0].headway_seconds, 7200.0 / (7 + 12));
}

// Porto Alegre end to end: the real GTFS feed on the real street network, walk + bus from every
// populated hexagon to the nearest of the grid's healthcare places.
TEST(Gtfs, PortoAlegreEndToEnd) {
    const fs::path root(LC15_SOURCE_DIR);
    // The sample feed holds the trips departing 11:00-17:00 only: measure 13:00-15:00.
    io::GtfsOptions gopt;
    gopt.window_start_s = 13 * 3600;
    gopt.window_end_s = 15 * 3600;
    const io::GtfsFeed feed = io::read_gtfs(root / "data/gtfs/portoalegre_eptc_gtfs.zip", gopt);
    EXPECT_EQ(feed.stops.size(), 3986u);
    EXPECT_EQ(feed.trips_total, 2374u);
    EXPECT_GT(feed.lines.size(), 100u);
    for (const auto& l : feed.lines) {
        ASSERT_EQ(l.hop_seconds.size() + 1, l.stops.size()) << l.id;
        EXPECT_GT(l.headway_seconds, 0) << l.id;
    }
    // Courses along shapes.txt: every hop was straight before it was read (10,952 of 10,952);
    // now only hops next to a stop off its shape (or far out of order along it) are.
    ASSERT_EQ(feed.shapes.size(), feed.lines.size());
    std::size_t hops = 0, straight = 0;
    for (std::size_t l = 0; l < feed.lines.size(); ++l) {
        EXPECT_EQ(feed.shapes[l].hop_source.size(), feed.lines[l].hop_seconds.size());
        hops += feed.shapes[l].hop_source.size();
        straight += feed.shapes[l].straight_hops();
    }
    EXPECT_GT(hops, 10000u);
    EXPECT_LT(straight, hops / 100);  // 72 of 10,952 (0.7 %)
    std::printf("Porto Alegre: %zu of %zu hops straight (no shape within reach)\n", straight, hops);
    const io::OsmData osm = io::read_osm(root / "data/osm/portoalegre.osm.pbf");
    const Snapper snapper(osm.graph);
    TransitOptions opt;
    const TransitNetwork net = build_transit(osm.graph, snapper, feed.stops, feed.lines, opt);
    std::size_t snapped = 0;
    for (StopId s = 0; s < net.num_stops(); ++s) snapped += net.stop(s).snap.ok();
    EXPECT_GT(snapped, 2000u);  // 2,470 of the feed's stops lie inside the extract

    std::ifstream grid(root / "data/grid/portoalegre_hexgrid.csv");
    ASSERT_TRUE(grid) << "data/grid/portoalegre_hexgrid.csv";
    std::string line;
    std::getline(grid, line);
    std::vector<SnapResult> homes, clinics;
    std::vector<double> pop;
    while (std::getline(grid, line) && !line.empty()) {
        std::stringstream ss(line);
        std::string id, lon, lat, p, schools, jobs, health;
        std::getline(ss, id, ',');
        std::getline(ss, lon, ',');
        std::getline(ss, lat, ',');
        std::getline(ss, p, ',');
        std::getline(ss, schools, ',');
        std::getline(ss, jobs, ',');
        std::getline(ss, health, ',');
        auto num = [](const std::string& x) {
            return x.empty() ? 0.0 : std::stod(x);
        };  // empty = 0
        const LonLat pos{num(lon), num(lat)};
        if (num(p) > 0) {
            homes.push_back(snapper.snap(pos, 300));
            pop.push_back(num(p));
        }
        if (num(health) > 0) clinics.push_back(snapper.snap(pos, 300));
    }
    ASSERT_GT(homes.size(), 500u);
    ASSERT_GT(clinics.size(), 10u);
    const TransitAccess a = walk_bus_seconds(net, homes, clinics, opt);
    double walk_pop = 0, bus_pop = 0, total = 0;
    for (std::size_t h = 0; h < homes.size(); ++h) {
        EXPECT_LE(a.walk_bus_s[h], a.walk_s[h]);
        total += pop[h];
        if (a.walk_s[h] <= 900) walk_pop += pop[h];
        if (a.walk_bus_s[h] <= 900) bus_pop += pop[h];
    }
    // The bus must bring more people within 15 minutes of a health facility than walking alone.
    EXPECT_GT(bus_pop, walk_pop);
    EXPECT_GT(bus_pop / total, 0.5);
    EXPECT_GT(bus_pop, walk_pop + 0.01 * total);
    std::printf(
        "Porto Alegre: %zu lines, %zu/%u stops snapped, %.0f people; within 15 min of "
        "healthcare: walking %.1f %%, walk + bus %.1f %%\n",
        feed.lines.size(), snapped, net.num_stops(), total, 100 * walk_pop / total,
        100 * bus_pop / total);
}

}  // namespace
}  // namespace lc15

namespace lc15 {
namespace {

// Zhuhai's 47 OSM bus routes become lines whose stops snap onto the streets or are reported.
TEST(BusLines, ZhuhaiOsmRoutesBecomeLines) {
    const fs::path root(LC15_SOURCE_DIR);
    const io::OsmData osm = io::read_osm(root / "data/osm/cn_zhuhai_xiangzhou.osm");
    ASSERT_EQ(osm.routes.size(), 47u);
    const Snapper snapper(osm.graph);
    const io::BusLineOptions bopt;
    const io::BusLines b = io::bus_lines_from_osm(osm, snapper, bopt);
    std::size_t dropped = 0;
    for (const auto& r : osm.routes) {
        const bool warned =
            std::any_of(b.warnings.begin(), b.warnings.end(), [&](const std::string& w) {
                return w.find("route " + r.id) == 0 && w.find("not built") != std::string::npos;
            });
        dropped += warned;
    }
    EXPECT_EQ(b.lines.size() + dropped, 47u);
    EXPECT_GT(b.lines.size(), 30u);
    for (const auto& l : b.lines) {
        ASSERT_GE(l.stops.size(), 2u) << l.id;
        ASSERT_EQ(l.hop_seconds.size() + 1, l.stops.size()) << l.id;
        for (std::size_t i = 0; i < l.hop_seconds.size(); ++i) {
            // 18 km/h = 5 m/s, and the path is at least the straight line.
            const double straight =
                haversine_m(b.stops[l.stops[i]].pos, b.stops[l.stops[i + 1]].pos);
            EXPECT_GE(l.hop_seconds[i] + 1e-9, straight * 0.9 / 5.0) << l.id << " hop " << i;
            EXPECT_LE(l.hop_seconds[i], (straight * bopt.max_path_ratio + 200) / 5.0 + 1e-9)
                << l.id << " hop " << i;
        }
    }
    TransitOptions topt;
    topt.stop_snap_m = bopt.max_stop_street_m;
    const TransitNetwork net = build_transit(osm.graph, snapper, b.stops, b.lines, topt);
    // Every stop a line uses snaps onto a street or is named in a warning.
    for (std::uint32_t l = 0; l < net.num_lines(); ++l) {
        for (StopId s : net.line_stops(l)) {
            if (net.stop(s).snap.ok()) continue;
            const bool reported = std::any_of(
                b.warnings.begin(), b.warnings.end(),
                [&](const std::string& w) { return w.find("stop " + net.stop(s).id) == 0; });
            EXPECT_TRUE(reported) << net.stop(s).id;
        }
    }
    std::size_t transfers = 0;
    for (StopId s = 0; s < net.num_stops(); ++s) transfers += net.transfers(s).size();
    EXPECT_GT(transfers, 0u);
    std::printf("Zhuhai: %u lines from 47 routes, %u stops, %zu transfers, %zu warnings\n",
                net.num_lines(), net.num_stops(), transfers, b.warnings.size());
}

TEST(BusLines, PlannersFileIsReadAndChecked) {
    TempDir d;
    d.write("lines.csv",
            "line,stop_id,stop_name,lon,lat,headway_min\n"
            "N1,a,South," +
                std::to_string(north(200).lon) + "," + std::to_string(north(200).lat) +
                ",6\n"
                "N1,b,North," +
                std::to_string(north(1800).lon) + "," + std::to_string(north(1800).lat) +
                ",\n"
                "N2,a,South," +
                std::to_string(north(200).lon) + "," + std::to_string(north(200).lat) +
                ",-5\n"
                "N2,x,Field,122.3,40.6,\n"
                "N3,y,Bad,abc,40.6,\n");
    const WalkGraph g = street();
    const Snapper snapper(g);
    const io::BusLines b = io::read_bus_lines_csv(d.path / "lines.csv", snapper, {});
    ASSERT_EQ(b.stops.size(), 3u);  // a shared by N1 and N2
    ASSERT_EQ(b.lines.size(), 2u);  // N3 has no good row
    EXPECT_EQ(b.lines[0].stops, (std::vector<StopId>{0, 1}));
    EXPECT_DOUBLE_EQ(b.lines[0].headway_seconds, 360);
    EXPECT_DOUBLE_EQ(b.lines[1].headway_seconds, 600);
    EXPECT_NEAR(b.lines[0].hop_seconds[0], 1600 * 1.3 / 5.0, 0.5);  // straight × 1.3 at 18 km/h
    auto has = [&](const std::string& s) {
        return std::any_of(b.warnings.begin(), b.warnings.end(),
                           [&](const std::string& w) { return w.find(s) != std::string::npos; });
    };
    EXPECT_TRUE(has("lines.csv:6: bad lon/lat"));
    EXPECT_TRUE(has("stop x (Field)"));
    // A headway that makes no sense: the default (10 min, above), the row and the fix named,
    // the range said once.
    const auto bad = std::find_if(b.warnings.begin(), b.warnings.end(), [](const std::string& w) {
        return w.find("lines.csv:4: headway_min '-5' is negative") != std::string::npos;
    });
    ASSERT_NE(bad, b.warnings.end());
    EXPECT_NE(bad->find("the default headway (10 min) is used"), std::string::npos) << *bad;
    EXPECT_EQ(bad->find("(0, 1440]"), bad->rfind("(0, 1440]")) << *bad;
    d.write("nolat.csv", "line,lon\nN1,1\n");
    try {
        io::read_bus_lines_csv(d.path / "nolat.csv", snapper, {});
        ADD_FAILURE() << "a line file without lat is refused";
    } catch (const InputError& e) {  // the file, its header line, what to add and what is there
        const std::string m = e.what();
        EXPECT_NE(m.find("nolat.csv:1"), std::string::npos) << m;
        EXPECT_NE(m.find("missing column lat"), std::string::npos) << m;
        EXPECT_NE(m.find("add the column 'lat' to the header line (it has: line, lon)"),
                  std::string::npos)
            << m;
    }
}

}  // namespace
}  // namespace lc15

namespace lc15 {
namespace {

// A planners' line file listed in the city config ([[bus.lines]]) joins the OSM routes; written
// in GCJ-02 (as Amap gives it) and declared so, it gives the same walk + bus figures as the
// same line in WGS84, while the same GCJ-02 file declared WGS84 lands ~500 m off.
TEST(BusLines, ConfigLineFileInGcj02EqualsWgs84) {
    const fs::path root(LC15_SOURCE_DIR);
    TempDir d;
    std::ifstream demo_in(root / "configs/zhuhai_xiangzhou.toml");
    std::stringstream demo_text;
    demo_text << demo_in.rdbuf();
    std::string base = demo_text.str();
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"\"../data/", "\"" + (root / "data").string() + "/"},
          {"\"rules/", "\"" + (root / "configs/rules").string() + "/"}}) {
        for (auto at = base.find(from); at != std::string::npos; at = base.find(from, at + 1))
            base.replace(at, from.size(), to);
    }
    d.write("base.toml", base);
    const io::CityConfig base_config = io::load_city_config(d.path / "base.toml");
    const io::City city = io::load_city(base_config);
    io::BusAnalysisOptions opt;
    opt.service_area = false;
    const io::BusAnalysis without = io::analyse_bus(city, opt);

    // The line: from the street by the home farthest from the health centre to the street by
    // the health centre, every 2 minutes.
    const std::uint32_t hc = base_config.rules.index_of("health_centre", "test");
    const auto clinic = std::find_if(
        city.facilities.begin(), city.facilities.end(), [&](const io::FacilityRecord& f) {
            return f.category == hc && f.status == io::FacilityRecord::Status::Used;
        });
    ASSERT_NE(clinic, city.facilities.end());
    const io::HomeRecord* home = nullptr;
    for (const auto& h : city.homes) {
        if (h.population > 0 && h.snap.ok() &&
            (!home || haversine_m(h.pos, clinic->pos) > haversine_m(home->pos, clinic->pos)))
            home = &h;
    }
    ASSERT_NE(home, nullptr);
    const LonLat far = home->snap.on_edge, near = clinic->snap.on_edge;
    ASSERT_GT(haversine_m(near, far), 1500);
    auto line_file = [&](const std::string& name, LonLat a, LonLat b) {
        std::ostringstream s;
        s.precision(12);
        s << "line,stop_id,lon,lat,headway_min\nP1,far," << a.lon << "," << a.lat << ",2\nP1,near,"
          << b.lon << "," << b.lat << ",2\n";
        d.write(name, s.str());
    };
    line_file("wgs84.csv", far, near);
    line_file("gcj02.csv", io::wgs84_to_gcj02(far), io::wgs84_to_gcj02(near));
    // analyse_bus reads the lines from the config of the city it is given: load each.
    auto analyse = [&](const std::string& file, const std::string& crs_line) {
        d.write("with.toml", base + "\n[[bus.lines]]\npath = \"" + file + "\"\n" + crs_line + "\n");
        auto c =
            std::make_unique<io::City>(io::load_city(io::load_city_config(d.path / "with.toml")));
        io::BusAnalysis r = io::analyse_bus(*c, opt);
        return std::make_pair(std::move(c), std::move(r));
    };
    const auto [wc, wgs] = analyse("wgs84.csv", "crs = \"WGS84\"");
    const auto [gc, gcj] = analyse("gcj02.csv", "crs = \"GCJ-02\"");
    const auto [mc, misread] = analyse("gcj02.csv", "");  // no crs: taken as WGS84

    ASSERT_EQ(wgs.network.num_lines(), without.network.num_lines() + 1);
    ASSERT_EQ(gcj.network.num_lines(), wgs.network.num_lines());
    EXPECT_NE(wgs.line_source.find("1 planners' line file (wgs84.csv)"), std::string::npos)
        << wgs.line_source;
    const std::uint32_t added = wgs.network.num_lines() - 1;
    const auto ws = wgs.network.line_stops(added), gs = gcj.network.line_stops(added),
               ms = misread.network.line_stops(added);
    ASSERT_EQ(ws.size(), 2u);
    ASSERT_EQ(gs.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_LT(haversine_m(wgs.network.stop(ws[i]).pos, gcj.network.stop(gs[i]).pos), 0.01);
        EXPECT_GT(haversine_m(wgs.network.stop(ws[i]).pos, misread.network.stop(ms[i]).pos), 300);
    }
    // The same walk + bus figures, and the line matters: more people reach the health centre.
    const std::size_t k = 1;  // [bus] categories: middle_school, health_centre, large_sports
    ASSERT_EQ(wgs.access[k].category, "health_centre");
    const std::size_t ci = wgs.city_index();
    EXPECT_GT(wgs.access[k].walk_bus_population[ci], without.access[k].walk_bus_population[ci]);
    for (std::size_t a = 0; a < wgs.access.size(); ++a) {
        for (std::size_t c = 0; c <= ci; ++c) {
            EXPECT_DOUBLE_EQ(gcj.access[a].walk_bus_population[c],
                             wgs.access[a].walk_bus_population[c])
                << wgs.access[a].category << " community " << c;
        }
    }
    EXPECT_DOUBLE_EQ(gcj.catchment.city.walk_share, wgs.catchment.city.walk_share);
}

}  // namespace
}  // namespace lc15
