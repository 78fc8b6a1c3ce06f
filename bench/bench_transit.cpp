// Transit and catchment on Porto Alegre: EPTC's GTFS feed (13:00–15:00 window; the sample feed
// runs 11:00–17:00), the OSM street extract and IPEA's H3 hexagon population grid (1,227
// cells; populated ones are the homes, each also drawn as a hexagon of residential land, H3
// resolution 9 edge ≈ 174 m). Items: homes per second (walk + bus, catchment); stops per second
// (network build); reached street pieces are not counted for the service area (one item).
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "engine/catchment.hpp"
#include "engine/polygon.hpp"
#include "engine/transit.hpp"
#include "io/gtfs.hpp"
#include "io/osm_reader.hpp"

namespace lc15 {
namespace {

struct PortoAlegre {
    io::OsmData osm;
    std::unique_ptr<Snapper> snapper;
    io::GtfsFeed feed;
    TransitOptions options;
    std::unique_ptr<TransitNetwork> net;
    std::vector<SnapResult> homes, clinics, schools;
    std::vector<CatchmentHome> catchment_homes;
    std::vector<ResidentialLand> land;
    std::vector<LonLat> stop_pos;
    std::vector<SnapResult> stop_snaps;

    PortoAlegre() {
        const std::string root = LC15_SOURCE_DIR;
        osm = io::read_osm(root + "/data/osm/portoalegre.osm.pbf");
        snapper = std::make_unique<Snapper>(osm.graph);
        io::GtfsOptions g;
        g.window_start_s = 13 * 3600;
        g.window_end_s = 15 * 3600;
        feed = io::read_gtfs(root + "/data/gtfs/portoalegre_eptc_gtfs.zip", g);
        net = std::make_unique<TransitNetwork>(
            build_transit(osm.graph, *snapper, feed.stops, feed.lines, options));
        for (StopId s = 0; s < net->num_stops(); ++s) {
            if (!net->stop(s).snap.ok()) continue;  // the feed reaches far beyond the extract
            stop_pos.push_back(net->stop(s).pos);
            stop_snaps.push_back(net->stop(s).snap);
        }
        std::ifstream f(root + "/data/grid/portoalegre_hexgrid.csv");
        std::string line;
        std::getline(f, line);
        while (std::getline(f, line) && !line.empty()) {
            std::vector<std::string> c;
            std::stringstream ss(line);
            for (std::string x; std::getline(ss, x, ',');) c.push_back(x);
            c.resize(7);
            auto num = [](const std::string& x) { return x.empty() ? 0.0 : std::stod(x); };
            const LonLat pos{num(c[1]), num(c[2])};
            const SnapResult snap = snapper->snap(pos, 300);
            if (num(c[3]) > 0) {
                homes.push_back(snap);
                catchment_homes.push_back({pos, snap, num(c[3]), 0});
                land.push_back({hexagon(pos, 174.0), 0});
            }
            if (num(c[6]) > 0) clinics.push_back(snap);
            if (num(c[4]) > 0) schools.push_back(snap);
        }
    }

    static MultiPolygon hexagon(LonLat c, double edge_m) {
        const LocalProjection p(c);
        Ring r;
        for (int k = 0; k < 6; ++k) {
            const double a = kPi / 3 * k;
            r.push_back(p.inverse(edge_m * std::cos(a), edge_m * std::sin(a)));
        }
        return {Polygon{r, {}}};
    }
};

PortoAlegre& city() {
    static PortoAlegre c;
    return c;
}

void BM_BuildTransit(benchmark::State& state) {
    PortoAlegre& c = city();
    for (auto _ : state) {
        TransitNetwork n =
            build_transit(c.osm.graph, *c.snapper, c.feed.stops, c.feed.lines, c.options);
        benchmark::DoNotOptimize(n.num_stops());
    }
    state.SetItemsProcessed(state.iterations() * c.feed.stops.size());
    state.counters["lines"] = static_cast<double>(c.feed.lines.size());
}
BENCHMARK(BM_BuildTransit)->Unit(benchmark::kMillisecond);

void BM_WalkBusAllHomes(benchmark::State& state) {
    PortoAlegre& c = city();
    double reached = 0;
    for (auto _ : state) {
        const TransitAccess a = walk_bus_seconds(*c.net, c.homes, c.clinics, c.options);
        reached = 0;
        for (double t : a.walk_bus_s) reached += t <= 900;
        benchmark::DoNotOptimize(a.walk_bus_s.data());
    }
    if (reached == 0) state.SkipWithError("no home reached a clinic: not measuring a real search");
    state.SetItemsProcessed(state.iterations() * c.homes.size());
    state.counters["homes"] = static_cast<double>(c.homes.size());
    state.counters["within_15min"] = reached;
}
BENCHMARK(BM_WalkBusAllHomes)->Unit(benchmark::kMillisecond);

void BM_ForwardRaptorOneOrigin(benchmark::State& state) {
    PortoAlegre& c = city();
    TransitQuery q(*c.net);
    std::vector<TransitOrigin> origin{{0, 0.0}};
    for (StopId s = 0; s < c.net->num_stops(); ++s) {
        if (c.net->stop_lines(s).size() > 0 && c.net->stop(s).snap.ok()) {
            origin[0].stop = s;
            break;
        }
    }
    for (auto _ : state) {
        q.run(origin, c.options);
        benchmark::DoNotOptimize(q.arrival(0));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForwardRaptorOneOrigin)->Unit(benchmark::kMicrosecond);

void BM_Catchment(benchmark::State& state) {
    PortoAlegre& c = city();
    CatchmentResult r;
    for (auto _ : state) {
        r = compute_catchment(c.osm.graph, c.stop_pos, c.stop_snaps, c.catchment_homes, c.land, 1,
                              CatchmentOptions{});
        benchmark::DoNotOptimize(r.gaps.data());  // not a double: "+r" on one corrupts it
    }
    if (r.city.population <= 0) state.SkipWithError("no population");
    state.SetItemsProcessed(state.iterations() * c.catchment_homes.size());
    state.counters["land_share"] = r.city.land_share;
    state.counters["straight_share"] = r.city.straight_share;
    state.counters["walk_share"] = r.city.walk_share;
    state.counters["gaps"] = static_cast<double>(r.gaps.size());
}
BENCHMARK(BM_Catchment)->Unit(benchmark::kMillisecond);

void BM_ServiceArea(benchmark::State& state) {
    PortoAlegre& c = city();
    std::size_t parts = 0, points = 0;
    double area_m2_sum = 0;
    for (auto _ : state) {
        const ServiceArea area =
            walking_service_area(c.osm.graph, c.stop_snaps, CatchmentOptions{});
        parts = 0;
        area_m2_sum = 0, points = 0;
        for (const ServiceAreaTile& t : area.tiles) {
            parts += t.area.size();
            area_m2_sum += area_m2(t.area);
            for (const Polygon& p : t.area) {
                points += p.outer.size();
                for (const Ring& r : p.inners) points += r.size();
            }
        }
        benchmark::DoNotOptimize(parts);
    }
    if (parts == 0) state.SkipWithError("empty service area");
    state.counters["polygons"] = static_cast<double>(parts);
    state.counters["points"] = static_cast<double>(points);
    state.counters["km2"] = area_m2_sum / 1e6;
    state.counters["stops"] = static_cast<double>(c.stop_snaps.size());
}
BENCHMARK(BM_ServiceArea)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace lc15
