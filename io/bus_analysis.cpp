#include "io/bus_analysis.hpp"

#include <filesystem>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "engine/error.hpp"
#include "io/bus_lines.hpp"
#include "io/crs.hpp"
#include "io/timing.hpp"
#include "io/vector_writer.hpp"

namespace lc15::io {

namespace {

// Appends `more` to `to`: its stops after `to`'s, its lines' stop indices shifted to match.
void append_lines(BusLines& to, BusLines&& more) {
    const auto offset = static_cast<StopId>(to.stops.size());
    to.stops.insert(to.stops.end(), std::make_move_iterator(more.stops.begin()),
                    std::make_move_iterator(more.stops.end()));
    for (TransitLineInput& line : more.lines) {
        for (StopId& s : line.stops) s += offset;
        to.lines.push_back(std::move(line));
    }
    to.shapes.insert(to.shapes.end(), std::make_move_iterator(more.shapes.begin()),
                     std::make_move_iterator(more.shapes.end()));
    to.reports.insert(to.reports.end(), std::make_move_iterator(more.reports.begin()),
                      std::make_move_iterator(more.reports.end()));
    to.warnings.insert(to.warnings.end(), std::make_move_iterator(more.warnings.begin()),
                       std::make_move_iterator(more.warnings.end()));
}

}  // namespace

void check_bus_inputs(const CityConfig& config) {
    std::error_code ec;
    if (!config.gtfs.empty() && !std::filesystem::exists(config.gtfs, ec)) {
        throw InputError(config.gtfs.string(), "GTFS feed not found",
                         "fix 'gtfs' in [bus] of " + config.path.string() +
                             " (a .zip or a folder holding stops.txt, trips.txt, …; relative "
                             "to the config)");
    }
    for (const FileSourceConfig& f : config.bus_line_files) {
        if (!std::filesystem::exists(f.path, ec)) {
            throw InputError(f.where, "bus line file " + f.path.string() + " not found",
                             "fix 'path' of this [[bus.lines]] (relative to the config)");
        }
    }
}

BusAnalysis analyse_bus(const City& city, const BusAnalysisOptions& options, Progress* progress) {
    const CityConfig& config = city.config;
    const WalkGraph& g = city.osm.graph;
    BusAnalysis r;
    // The radius is an adult's walking distance, like every radius of the rules: another walker
    // gets the distance covered in the same time (City::radius_scale; elderly: 500 m -> 320 m),
    // for all three figures, so that they agree with the bus_stop category of the same run.
    r.radius_scale = city.radius_scale();
    r.radius_m = options.radius_m * r.radius_scale;
    r.budget_min = config.bus_budget_min;

    // Lines: the GTFS feed when the config names one, else the OSM route relations; plus the
    // planners' line files.
    auto t0 = Clock::now();
    BusLines lines;
    BusLineOptions bopt;
    bopt.bus_speed_kmh = config.bus_speed_kmh;
    bopt.default_headway_min = config.default_headway_min;
    if (!config.gtfs.empty()) {
        GtfsOptions gopt;
        gopt.window_start_s = config.gtfs_window_start_s;
        gopt.window_end_s = config.gtfs_window_end_s;
        // The city read the feed for its stops, with the config's window; another window
        // (lc15 bus --window) reads it again.
        GtfsFeed feed = city.gtfs && !options.gtfs
                            ? *city.gtfs
                            : read_gtfs(config.gtfs, options.gtfs.value_or(gopt));
        lines.stops = std::move(feed.stops);
        lines.lines = std::move(feed.lines);
        lines.shapes = std::move(feed.shapes);  // along shapes.txt where the feed has it
        lines.warnings = std::move(feed.warnings);
        r.line_source = "GTFS " + config.gtfs.filename().string();
    } else {
        lines = bus_lines_from_osm(city.osm, *city.snapper, bopt);
        r.line_source = "OSM route relations";
    }
    std::string files;
    for (const FileSourceConfig& f : config.bus_line_files) {
        const Crs crs = f.crs_declared ? Crs::parse(f.crs, f.where + ": crs") : Crs::wgs84();
        append_lines(lines, read_bus_lines_csv(f.path, *city.snapper, bopt, crs));
        files += (files.empty() ? "" : ", ") + f.path.filename().string();
    }
    if (!config.bus_line_files.empty()) {
        r.line_source += " + " + std::to_string(config.bus_line_files.size()) + " planners' line " +
                         (config.bus_line_files.size() == 1 ? "file (" : "files (") + files + ")";
    }
    r.warnings.insert(r.warnings.end(), lines.warnings.begin(), lines.warnings.end());
    r.ride_reports = lines.reports;
    TransitOptions topt;
    topt.walk_speed_m_per_s = city.walker.speed_m_per_s;
    topt.forbidden_flags = city.forbidden_flags;
    topt.access_legs = config.access_legs;
    topt.budget_s = config.bus_budget_min * 60.0;
    {
        ProgressStep step(progress, "bus network", 0);
        // The city's own index (stops snap to the nearest street, its island rule aside).
        r.network = build_transit(g, *city.snapper, lines.stops, lines.lines, topt);
    }
    const TransitNetwork& net = r.network;
    // The network keeps the lines of two or more stops, in input order (engine/transit.cpp).
    for (std::size_t l = 0; l < lines.lines.size(); ++l)
        if (lines.lines[l].stops.size() >= 2) r.line_shapes.push_back(std::move(lines.shapes[l]));
    if (r.line_shapes.size() != net.num_lines())
        throw std::logic_error("bus analysis: line shapes do not match the network's lines");
    r.warnings.insert(r.warnings.end(), net.warnings().begin(), net.warnings().end());
    r.timings.emplace_back("bus network", seconds_since(t0));

    // Catchment over the city's one set of stops (io/city.hpp: OSM, planners' stop and line
    // files, the GTFS feed's stops, each once), with or without service in the window.
    std::vector<LonLat> stop_pos;
    std::vector<SnapResult> stop_snaps;
    for (const auto& s : city.stops) {
        stop_pos.push_back(s.pos);
        stop_snaps.push_back(s.snap);
    }
    r.stops = stop_pos.size();
    CatchmentOptions copt;
    copt.radius_m = r.radius_m;
    copt.access_legs = config.access_legs;
    copt.forbidden_flags = city.forbidden_flags;
    const auto ncom = static_cast<std::uint32_t>(city.communities.size());
    t0 = Clock::now();
    {  // the catchment's copies of the homes and land, freed before the service area
        std::vector<CatchmentHome> homes;
        homes.reserve(city.homes.size());
        for (const auto& h : city.homes)
            homes.push_back({h.pos, h.snap, h.population, h.community});
        std::vector<MultiPolygon> community_areas;
        for (const auto& c : city.communities) community_areas.push_back(c.area);
        const PolygonIndex communities(community_areas);
        std::vector<ResidentialLand> land;
        for (const auto& f : city.osm.features) {
            auto it = f.tags.find("landuse");
            if (!f.is_area() || it == f.tags.end() || it->second != "residential") continue;
            land.push_back({f.area, communities.find(centroid(f.area))});
        }
        ProgressStep step(progress, "bus stop catchment", 0);
        r.catchment = compute_catchment(g, stop_pos, stop_snaps, homes, land, ncom, copt);
    }
    r.timings.emplace_back("bus catchment", seconds_since(t0));
    if (options.service_area) {
        t0 = Clock::now();
        ProgressStep step(progress, "bus service area", 0);
        r.service_area = walking_service_area(g, stop_snaps, copt);
        r.timings.emplace_back("bus service area", seconds_since(t0));
    }

    // Walk + bus to each [bus] category.
    t0 = Clock::now();
    std::vector<SnapResult> home_snaps;
    home_snaps.reserve(city.homes.size());
    for (const auto& h : city.homes) home_snaps.push_back(h.snap);
    // The homes' walks to nearby stops are the same for every category: found once.
    std::unique_ptr<StopAccess> stop_access;
    if (!config.bus_categories.empty())
        stop_access = std::make_unique<StopAccess>(net, home_snaps, topt);
    for (const std::string& id : config.bus_categories) {
        const std::uint32_t k =
            config.rules.index_of(id, config.path.string() + ": [bus] categories");
        std::vector<SnapResult> fac;
        for (const auto& f : city.facilities) {
            if (f.category == k && f.status == FacilityRecord::Status::Used) fac.push_back(f.snap);
        }
        if (fac.empty()) {
            r.warnings.push_back("[bus] category " + id +
                                 ": no facilities in the city; nobody reaches it, walking or by "
                                 "bus (add a [[facilities]] file or change [bus] categories)");
        }
        ProgressStep step(progress, "walk + bus: " + id, 0);
        const TransitAccess a = walk_bus_seconds(net, home_snaps, fac, topt, stop_access.get());
        BusCategoryAccess acc{id, fac.size(), std::vector<double>(ncom + 1, 0),
                              std::vector<double>(ncom + 1, 0), std::vector<double>(ncom + 1, 0)};
        for (std::size_t h = 0; h < city.homes.size(); ++h) {
            const double p = city.homes[h].population;
            for (std::uint32_t c : {city.homes[h].community, ncom}) {
                if (c > ncom) continue;
                acc.population[c] += p;
                if (a.walk_s[h] <= topt.budget_s) acc.walk_population[c] += p;
                if (a.walk_bus_s[h] <= topt.budget_s) acc.walk_bus_population[c] += p;
            }
        }
        r.access.push_back(std::move(acc));
    }
    r.timings.emplace_back("walk + bus", seconds_since(t0));
    return r;
}

const std::vector<std::string>& bus_output_files() {
    static const std::vector<std::string> files{"bus_catchment.csv", "bus_gaps.csv",
                                                "bus_access.csv",    "bus_routes.csv",
                                                "bus.gpkg",          "bus_warnings.txt"};
    return files;
}

namespace {

// The gap list as a point layer: bus_gaps.csv and bus.gpkg's layer gaps.
Layer gaps_layer(const City& city, const BusAnalysis& bus) {
    const auto ncom = static_cast<std::uint32_t>(city.communities.size());
    Layer gaps{"gaps",
               Layer::Point,
               {{"rank", Field::Int},
                {"population", Field::Real},
                {"homes", Field::Int},
                {"walk_to_stop_m", Field::Real},
                {"community", Field::String}},
               {}};
    const std::vector<CatchmentGap>& all = bus.catchment.gaps;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const CatchmentGap& g = all[i];
        gaps.rows.push_back({g.centroid,
                             {},
                             {},
                             {std::int64_t(i + 1), g.population, std::int64_t(g.homes),
                              g.walk_to_stop_m >= 0 ? Value(g.walk_to_stop_m) : Value{},
                              g.community < ncom ? city.communities[g.community].name : ""}});
    }
    return gaps;
}

}  // namespace

void write_bus_outputs(OutputDir& out, const City& city, const BusAnalysis& bus,
                       std::vector<std::pair<std::string, double>>* seconds, bool with_gpkg) {
    auto t0 = Clock::now();
    auto lap = [&](const char* file) {  // the file's rows built and written since t0
        if (seconds) seconds->emplace_back(file, seconds_since(t0));
        t0 = Clock::now();
    };
    const CatchmentResult& r = bus.catchment;
    const auto ncom = static_cast<std::uint32_t>(city.communities.size());
    // Shares are fractions of 1; empty where they do not apply (no residential land, no people),
    // never 0. The city row also says how many residents live outside every community.
    auto share_row = [](const std::string& id, const std::string& name, const CatchmentFigures& f,
                        Value outside) {
        const bool land = f.land_m2 > 0, people = f.population > 0;
        return std::vector<Value>{id,
                                  name,
                                  f.population,
                                  std::move(outside),
                                  f.land_m2,
                                  land ? Value(f.land_share) : Value{},
                                  people ? Value(f.straight_share) : Value{},
                                  people ? Value(f.walk_share) : Value{}};
    };
    std::vector<std::vector<Value>> rows{
        share_row("", "city", r.city, Value(city.population_outside_communities))};
    for (std::uint32_t c = 0; c < ncom; ++c) {
        rows.push_back(
            share_row(city.communities[c].id, city.communities[c].name, r.communities[c], Value{}));
    }
    write_csv_bom(out.stage("bus_catchment.csv"),
                  {"community_id", "community", "population", "population_outside_communities",
                   "residential_land_m2", "land_fraction_straight", "population_fraction_straight",
                   "population_fraction_walk"},
                  rows);
    lap("bus_catchment.csv");

    write_csv_bom(out.stage("bus_gaps.csv"), gaps_layer(city, bus));
    lap("bus_gaps.csv");

    // Walk + bus: fractions of 1 of the people reaching the category within the budget; empty
    // where they do not apply (a category without facilities, a community without people).
    std::vector<std::vector<Value>> arows;
    for (const auto& a : bus.access) {
        for (std::uint32_t c = 0; c <= ncom; ++c) {
            const double p = a.population[c];
            const bool applies = p > 0 && a.facilities > 0;
            arows.push_back({c < ncom ? city.communities[c].id : std::string(),
                             c < ncom ? city.communities[c].name : std::string("city"),
                             c < ncom ? Value{} : Value(city.population_outside_communities),
                             a.category, bus.budget_min, std::int64_t(a.facilities), p,
                             applies ? Value(a.share_walk(c)) : Value{},
                             applies ? Value(a.share_walk_bus(c)) : Value{}});
        }
    }
    write_csv_bom(out.stage("bus_access.csv"),
                  {"community_id", "community", "population_outside_communities", "category",
                   "budget_min", "facilities", "population", "walk_fraction", "walk_bus_fraction"},
                  arows);
    lap("bus_access.csv");

    std::vector<std::vector<Value>> route_rows;
    for (const LineRideReport& l : bus.ride_reports) {
        route_rows.push_back({l.line, l.name, l.source, std::int64_t(l.hops),
                              std::int64_t(l.along_ways), std::int64_t(l.shortest_path),
                              std::int64_t(l.fallback()), std::int64_t(l.no_ways),
                              std::int64_t(l.stop_off_route), std::int64_t(l.stop_out_of_order),
                              std::int64_t(l.path_too_long), std::int64_t(l.path_too_short),
                              std::int64_t(l.no_path)});
    }
    write_csv_bom(out.stage("bus_routes.csv"),
                  {"line_id", "line", "source", "hops", "hops_along_ways", "hops_by_shortest_path",
                   "hops_straight_line", "no_ways", "stop_off_route", "stop_out_of_order",
                   "path_much_longer", "path_shorter", "no_path_in_file"},
                  route_rows);
    lap("bus_routes.csv");

    if (with_gpkg) {
        write_bus_gpkg(out.stage("bus.gpkg"), city, bus);
        lap("bus.gpkg");
    }
    std::string text;
    for (const auto& w : bus.warnings) text += w + "\n";
    write_file_atomic(out.stage("bus_warnings.txt"), text);
    lap("bus_warnings.txt");
}

void write_bus_gpkg(const std::filesystem::path& path, const City& city, const BusAnalysis& bus) {
    const TransitNetwork& net = bus.network;
    // One feature per 500 m tile (engine/catchment.hpp ServiceArea): the tiles meet along
    // their edges only; QGIS's Dissolve merges them into one area if wanted.
    Layer service{"service_area",
                  Layer::MultiPolygon,
                  {{"tile", Field::String}, {"radius_m", Field::Real}, {"stops", Field::Int}},
                  {}};
    for (const ServiceAreaTile& t : bus.service_area.tiles) {
        service.rows.push_back({{},
                                {},
                                t.area,
                                {std::to_string(t.x) + "," + std::to_string(t.y), bus.radius_m,
                                 std::int64_t(bus.stops)}});
    }
    Layer line_layer{"lines",
                     Layer::LineString,
                     {{"id", Field::String},
                      {"name", Field::String},
                      {"headway_s", Field::Real},
                      {"hops", Field::Int},
                      {"hops_straight", Field::Int}},
                     {}};
    for (std::uint32_t l = 0; l < net.num_lines(); ++l) {
        // The course the ride times were measured along (BusAnalysis::line_shapes), the map's.
        const LineShape& shape = bus.line_shapes[l];
        Row row;
        row.line = shape.points;
        row.values = {net.line(l).id, net.line(l).name, net.line(l).headway_seconds,
                      std::int64_t(shape.hop_source.size()), std::int64_t(shape.straight_hops())};
        line_layer.rows.push_back(std::move(row));
    }
    const Layer gaps = gaps_layer(city, bus);
    write_gpkg(path, {&service, &gaps, &line_layer});  // no copies
}

}  // namespace lc15::io
