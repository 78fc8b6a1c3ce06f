#include "io/coverage_output.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <tuple>

#include "engine/components.hpp"
#include "engine/error.hpp"

#include "io/network_figures.hpp"
#include "io/timing.hpp"
#include "io/vector_writer.hpp"
#include "lc15_version.hpp"

namespace lc15::io {

namespace {

// A radius as shown (0.1 m): an elderly walker's 875 m x 0.64 prints as 560, not
// 559.9999999999999; the model keeps the exact figure.
double shown_radius(double m) { return std::round(m * 10) / 10; }

// The category's entrance rule as the rule set gives it.
std::string rules_entrances(const City& city, std::uint32_t c) {
    return entrance_mode_name(city.config.rules.categories.at(c).entrances);
}

const char* status_text(FacilityRecord::Status s) {
    switch (s) {
        case FacilityRecord::Status::Used:
            return "used";
        case FacilityRecord::Status::Merged:
            return "merged";
        case FacilityRecord::Status::OffNetwork:
            return "off_network";
    }
    return "?";
}

Value metres_or_null(double m) { return m < 0 ? Value{} : Value{std::round(m * 10) / 10}; }
double rounded_share(double s) { return std::round(s * 10000) / 10000; }
Value share_value(double s) { return rounded_share(s); }

std::string lacking_names(const CommunityMetrics& cm, const std::vector<CategoryRule>& rules) {
    std::string s;
    for (std::uint32_t c : cm.lacking) s += (s.empty() ? "" : "、") + rules[c].name_zh;
    return s;
}

// --- Network indicators (engine/network_metrics.hpp): their own columns, after the bus ones.
const char* const kNetworkFields[] = {
    "area_km2",  "street_km_per_km2", "road_km_per_km2", "intersections_per_km2",
    "dead_ends", "dead_ends_per_km2", "mean_block_ha",   "gated_share"};

void add_network_fields(Layer& layer) {
    for (const char* f : kNetworkFields)
        layer.fields.push_back({f, std::string_view(f) == "dead_ends" ? Field::Int : Field::Real});
}

// Rounded to a power of ten (unit 0.01, 0.1, 1e-4, ...), divided last so that 22.7 stays 22.7.
double round_to(double v, double unit) {
    const double inv = std::round(1.0 / unit);
    return std::round(v * inv) / inv;
}

void add_network_values(Row& row, const NetworkMetrics& m) {
    const bool area = m.area_km2 > 0;
    row.values.push_back(round_to(m.area_km2, 1e-4));
    row.values.push_back(area ? Value{round_to(m.walk_density(), 0.01)} : Value{});
    row.values.push_back(area ? Value{round_to(m.road_density(), 0.01)} : Value{});
    row.values.push_back(area ? Value{round_to(m.intersection_density(), 0.1)} : Value{});
    row.values.push_back(static_cast<std::int64_t>(m.dead_ends));
    row.values.push_back(area ? Value{round_to(m.dead_end_density(), 0.1)} : Value{});
    row.values.push_back(m.blocks > 0 ? Value{round_to(m.mean_block_ha(), 0.01)} : Value{});
    row.values.push_back(m.walk_km > 0 ? Value{rounded_share(m.gated_share())} : Value{});
}

nlohmann::ordered_json network_indicators(const NetworkMetrics& m) {
    using nlohmann::ordered_json;
    auto or_null = [](bool ok, double v) { return ok ? ordered_json(v) : ordered_json(); };
    const bool area = m.area_km2 > 0;
    return {{"area_km2", round_to(m.area_km2, 1e-4)},
            {"street_km", round_to(m.walk_km, 0.001)},
            {"road_km", round_to(m.road_km, 0.001)},
            {"street_km_per_km2", or_null(area, round_to(m.walk_density(), 0.01))},
            {"road_km_per_km2", or_null(area, round_to(m.road_density(), 0.01))},
            {"intersections", m.intersections},
            {"intersections_per_km2", or_null(area, round_to(m.intersection_density(), 0.1))},
            {"dead_ends", m.dead_ends},
            {"extract_edge_ends", m.extract_ends},
            {"dead_ends_per_km2", or_null(area, round_to(m.dead_end_density(), 0.1))},
            {"blocks", m.blocks},
            {"mean_block_ha", or_null(m.blocks > 0, round_to(m.mean_block_ha(), 0.01))},
            {"gated_share", or_null(m.walk_km > 0, rounded_share(m.gated_share()))}};
}
// --- end of the network indicators

}  // namespace

std::string network_indicators_json(const NetworkMetrics& m) {
    return network_indicators(m).dump();
}

std::string coverage_summary_json(const City& city, const CoverageModel& model,
                                  const CoverageReport& report, const NetworkReport& network,
                                  const RunInfo& run, const BusAnalysis* bus) {
    using nlohmann::ordered_json;
    const auto& rules = model.rules();
    ordered_json j;
    j["program"] = "lc15";
    j["version"] = LC15_VERSION;
    j["command"] = run.command;
    j["city"] = city.config.name;
    j["config"] = city.config.path.string();
    j["config_hash"] = city.config.config_hash;
    j["osm_timestamp"] = city.osm.timestamp;
    j["walker_profile"] = {{"name", city.walker.name},
                           {"speed_m_per_s", city.walker.speed_m_per_s},
                           {"exclude_steps", city.walker.exclude_steps},
                           {"radius_scale", city.radius_scale()}};
    j["access_legs"] = city.config.access_legs;
    j["private_compounds_walkable"] = city.config.private_walkable;
    j["population_method"] = city.population_method;
    ordered_json inputs = ordered_json::array();
    for (const auto& f : city.inputs)
        inputs.push_back({{"role", f.role}, {"path", f.path}, {"sha256", f.sha256}});
    j["inputs"] = inputs;
    const Components comp = connected_components(city.osm.graph);
    j["network"] = {{"vertices", city.osm.graph.num_vertices()},
                    {"edges", city.osm.graph.num_edges()},
                    {"walkable_km", std::round(city.osm.profile.walkable_km * 10.0) / 10.0},
                    {"components", comp.count()},
                    {"largest_component_share", city.osm.graph.num_vertices()
                                                    ? double(comp.size.empty() ? 0 : comp.size[0]) /
                                                          city.osm.graph.num_vertices()
                                                    : 0.0}};
    j["network_indicators"] = network_indicators(network.city);
    double pop = 0;
    for (const auto& h : city.homes) pop += h.population;
    j["population"] = {
        {"homes", city.homes.size()},
        {"residents", std::round(pop)},
        {"homes_outside_communities", city.homes_outside_communities},
        {"residents_outside_communities", std::round(city.population_outside_communities)}};
    j["communities"] = city.communities.size();
    j["city_score"] = std::round(report.city_score * 10) / 10;
    const std::vector<FacilityCounts> counts = facility_counts(city);
    ordered_json cats = ordered_json::array();
    for (std::uint32_t c = 0; c < rules.size(); ++c) {
        const auto [used, merged, off, island] = counts.at(c);
        std::size_t passing = 0;
        for (const auto& cm : report.communities) passing += cm.by_category[c].pass;
        cats.push_back({{"id", rules[c].id},
                        {"name_zh", rules[c].name_zh},
                        {"level_minutes", rules[c].level_minutes},
                        {"radius_m", shown_radius(rules[c].radius_m)},
                        {"target_share", rules[c].target_share},
                        {"facilities", used},
                        {"merged_duplicates", merged},
                        {"off_network", off},
                        {"on_islands", island},  // counted in facilities, reaching few homes
                        {"entrances", rules_entrances(city, c)},
                        {"population", std::round(report.city[c].population)},
                        {"covered_population", std::round(report.city[c].covered_population)},
                        {"share", std::round(report.city[c].share * 10000) / 10000},
                        {"communities_passing", passing},
                        {"clause", rules[c].clause}});
    }
    j["categories"] = cats;
    if (bus) {
        const CatchmentFigures& f = bus->catchment.city;
        const std::size_t ci = bus->city_index();
        ordered_json access = ordered_json::array();
        for (const auto& a : bus->access) {
            access.push_back(
                {{"category", a.category},
                 {"facilities", a.facilities},
                 {"population", std::round(a.population[ci])},
                 {"share_walk", a.population[ci] > 0 && a.facilities > 0
                                    ? ordered_json(rounded_share(a.share_walk(ci)))
                                    : ordered_json()},
                 {"share_walk_bus", a.population[ci] > 0 && a.facilities > 0
                                        ? ordered_json(rounded_share(a.share_walk_bus(ci)))
                                        : ordered_json()}});
        }
        j["bus"] = {
            {"radius_m", bus->radius_m},
            {"line_source", bus->line_source},
            {"lines", bus->network.num_lines()},
            {"radius_scale", bus->radius_scale},
            {"stops", bus->stops},
            {"stops_merged_across_sources", city.stop_merges},
            {"residential_land_m2", std::round(f.land_m2)},
            {"land_share_straight",
             f.land_m2 > 0 ? ordered_json(rounded_share(f.land_share)) : ordered_json()},
            {"population", std::round(f.population)},
            {"population_outside_communities", std::round(city.population_outside_communities)},
            {"population_share_straight",
             f.population > 0 ? ordered_json(rounded_share(f.straight_share)) : ordered_json()},
            {"population_share_walk",
             f.population > 0 ? ordered_json(rounded_share(f.walk_share)) : ordered_json()},
            {"gap_cells", bus->catchment.gaps.size()},
            {"largest_gap_population", bus->catchment.gaps.empty()
                                           ? 0.0
                                           : std::round(bus->catchment.gaps.front().population)},
            {"budget_min", bus->budget_min},
            {"access", access},
            {"warnings", bus->warnings.size()}};
    } else {
        j["bus"] = nullptr;
    }
    ordered_json timings = ordered_json::object();
    for (const auto& [k, v] : city.timings) timings[k] = std::round(v * 1000) / 1000;
    for (const auto& [k, v] : run.timings) timings[k] = std::round(v * 1000) / 1000;
    if (!run.outputs.empty()) {
        ordered_json files = ordered_json::object();
        for (const auto& [k, v] : run.outputs) files[k] = std::round(v * 1000) / 1000;
        timings["outputs"] = files;
    }
    if (!run.gpkg_layers.empty()) {
        ordered_json layers = ordered_json::object();
        for (const auto& [k, v] : run.gpkg_layers) layers[k] = std::round(v * 1000) / 1000;
        timings["coverage.gpkg layers"] = layers;
    }
    j["timings_s"] = timings;
    // The per-home layer, or the grid standing for it ([outputs] home_points_max).
    j["homes_layer"] = {{"points", run.home_points},
                        {"home_points_max", city.config.home_points_max},
                        {"grid_cell_m", kHomesGridM},
                        {"grid_cells", run.grid_cells}};
    j["warnings"] = city.warnings.size() + run.warnings.size();
    return j.dump(2) + "\n";
}

HomesGrid::HomesGrid(const City& city, const CoverageModel& model) : city_(city), model_(model) {
    const auto& rules = model.rules();
    nc_ = static_cast<std::uint32_t>(rules.size());
    header_ = {"homes_grid",
               Layer::Polygon,
               {{"cell_x", Field::Int},
                {"cell_y", Field::Int},
                {"homes", Field::Int},
                {"residents", Field::Real}},
               {}};
    for (const auto& r : rules) {
        header_.fields.push_back({r.id + "_covered", Field::Real});
        header_.fields.push_back({r.id + "_share", Field::Real});
    }
    if (city.homes.empty()) return;
    if (city.homes.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("homes_grid: more than 2^32 homes");
    corner_ = {city.homes.front().pos.lon, city.homes.front().pos.lat};
    for (const auto& h : city.homes) {
        corner_.lon = std::min(corner_.lon, h.pos.lon);
        corner_.lat = std::min(corner_.lat, h.pos.lat);
    }
    corner_ = {std::floor(corner_.lon * 100) / 100, std::floor(corner_.lat * 100) / 100};
    const LocalProjection proj(corner_);
    // Cell indices of 32 bits reach ±214,000 km: any city (homes are within a few hundred km
    // of the corner, which lies south-west of all of them).
    struct Keyed {
        std::int32_t iy, ix;
        HomeId h;
    };
    std::vector<Keyed> keyed(city.homes.size());
    for (HomeId h = 0; h < city.homes.size(); ++h) {
        const auto [x, y] = proj.forward(city.homes[h].pos);
        const double cx = std::floor(x / kHomesGridM), cy = std::floor(y / kHomesGridM);
        if (!(std::abs(cx) < 2e9 && std::abs(cy) < 2e9))
            throw std::logic_error("homes_grid: a home lies outside any city's cells");
        keyed[h] = {static_cast<std::int32_t>(cy), static_cast<std::int32_t>(cx), h};
    }
    // Rows south to north, west to east; homes in id order within a cell, so that every sum
    // adds in the same order as before.
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
        return std::tie(a.iy, a.ix, a.h) < std::tie(b.iy, b.ix, b.h);
    });
    order_.resize(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        if (i == 0 || keyed[i].iy != keyed[i - 1].iy || keyed[i].ix != keyed[i - 1].ix)
            cells_.push_back({keyed[i].ix, keyed[i].iy, static_cast<std::uint32_t>(i)});
        order_[i] = keyed[i].h;
    }
    cells_.shrink_to_fit();
}

void HomesGrid::row(std::size_t i, Row& row) const {
    auto round2 = [](double v) { return std::round(v * 100) / 100; };
    const LocalProjection proj(corner_);
    const Cell& c = cells_[i];
    const std::size_t end = i + 1 < cells_.size() ? cells_[i + 1].first : order_.size();
    const std::span<const HomeId> homes(order_.data() + c.first, end - c.first);
    double residents = 0;
    for (const HomeId h : homes) residents += city_.homes[h].population;
    const double x0 = static_cast<double>(c.ix) * kHomesGridM;
    const double y0 = static_cast<double>(c.iy) * kHomesGridM;
    row.area = {lc15::Polygon{{proj.inverse(x0, y0), proj.inverse(x0 + kHomesGridM, y0),
                               proj.inverse(x0 + kHomesGridM, y0 + kHomesGridM),
                               proj.inverse(x0, y0 + kHomesGridM), proj.inverse(x0, y0)},
                              {}}};
    row.values.clear();
    row.values.insert(row.values.end(),
                      {std::int64_t{c.ix}, std::int64_t{c.iy},
                       static_cast<std::int64_t>(homes.size()), round2(residents)});
    for (std::uint32_t k = 0; k < nc_; ++k) {
        double covered = 0;
        for (const HomeId h : homes)
            if (model_.covered(k, h)) covered += city_.homes[h].population;
        row.values.push_back(round2(covered));
        row.values.push_back(residents > 0 ? share_value(covered / residents) : Value{});
    }
}

// ---- places against demand ---------------------------------------------------------------

std::vector<double> places_by_handle(const City& city, std::vector<char>* assumed) {
    std::vector<double> out;
    if (assumed) assumed->clear();
    for (const FacilityRecord& r : city.facilities) {
        if (r.status != FacilityRecord::Status::Used) continue;  // make_coverage_model's order
        out.push_back(std::isnan(r.capacity) ? 0.0 : r.capacity);
        if (assumed) assumed->push_back(r.capacity_source == "assumed");
    }
    return out;
}

std::vector<CategoryPlaces> city_places(const City& city, const CoverageModel& model, Decay decay) {
    const auto& cats = city.config.rules.categories;
    std::vector<char> assumed;
    const std::vector<double> places = places_by_handle(city, &assumed);
    if (places.size() != model.num_facility_handles())
        throw std::logic_error("city_places: the model is not make_coverage_model(city)'s");
    const auto nc = static_cast<std::uint32_t>(city.communities.size());
    std::vector<CategoryPlaces> out(cats.size());
    for (std::uint32_t k = 0; k < cats.size(); ++k) {
        const DemandRule& rule = cats[k].demand;
        if (!rule.enabled()) continue;
        std::vector<double> supply(places.size(), 0.0), supply_assumed(places.size(), 0.0);
        for (FacilityHandle f = 0; f < places.size(); ++f) {
            if (!model.facility_active(f) || model.facility_category(f) != k) continue;
            supply[f] = places[f];
            if (assumed[f]) supply_assumed[f] = places[f];
        }
        CategoryPlaces& cp = out[k];
        const ReachMatrix w = reach_matrix(model, k, decay);
        const std::vector<double> demand = demand_of(model, rule);
        // Both supplies on one transpose of w.
        const std::span<const double> supplies[] = {supply, supply_assumed};
        std::vector<TwoStepResult> steps = two_step(w, demand, supplies);
        cp.report.detail = std::move(steps[0]);
        for (FacilityHandle f = 0; f < places.size(); ++f) {
            cp.report.supply += supply[f];
            if (cp.report.detail.ratio[f] > 0) cp.report.supply_reached += supply[f];
        }
        sum_places(model, demand, cp.report.detail.places, rule, nc, cp.report);
        // 2SFCA is linear in the supply: the assumed facilities' part on its own.
        const TwoStepResult& a = steps[1];
        cp.assumed.assign(std::size_t{nc} + 1, 0.0);
        for (HomeId h = 0; h < a.places.size(); ++h) {
            const CommunityId c = model.homes()[h].community;
            cp.assumed[c < nc ? c : nc] += a.places[h];
            cp.assumed_city += a.places[h];
        }
        // The outputs are the sums; the per-home and per-facility figures (24 bytes a home
        // and 8 a facility handle, per category) would stay for the whole run.
        cp.report.detail = {};
    }
    return out;
}

namespace {

/// Gives the bus analysis (or null: none), waiting for it if it is still being computed.
using BusWhenNeeded = std::function<const BusAnalysis*()>;

/// Every output file. `bus_when_needed` is called once, after the layers of coverage.gpkg that
/// need nothing of it (facilities, stops, entrances, homes, homes_grid) are written, so that
/// the bus analysis can be computed meanwhile; its timings join summary.json's.
/// `bus_gpkg_seconds` waits for bus.gpkg, written beside from the analysis (so
/// write_bus_outputs leaves it be), and gives its time: called after `bus_when_needed`, just
/// before summary.json.
void write_outputs(OutputDir& out, const City& city, const CoverageModel& model,
                   const CoverageReport& report, const RunInfo& run_in,
                   const BusWhenNeeded& bus_when_needed, NetworkFigures& network,
                   const std::function<double()>& bus_gpkg_seconds, CityLayers* city_layers);

}  // namespace

namespace {

/// One layer into `gpkg`: `rows(emit)` calls emit(row) for every row, in order; its seconds,
/// its index included, appended to `layer_s`.
template <class Rows>
void write_layer(GpkgWriter& gpkg, const Layer& header, Rows&& rows,
                 std::vector<std::pair<std::string, double>>& layer_s) {
    const auto t0 = Clock::now();
    gpkg.begin(header);
    rows([&](const Row& row) { gpkg.row(row); });
    gpkg.end();
    layer_s.emplace_back(header.name, seconds_since(t0));
}

/// The rows of a layer held whole, as write_layer takes them.
auto all_rows(const Layer& l) {
    return [&l](auto&& emit) {
        for (const Row& row : l.rows) emit(row);
    };
}

/// The snapped point's columns: its edge, offsets and access leg (cm) and the point itself.
void snap_values(std::vector<Value>& v, const SnapResult& s) {
    if (!s.ok()) {
        for (int i = 0; i < 6; ++i) v.push_back(Value{});
        return;
    }
    v.push_back(static_cast<std::int64_t>(s.edge));
    v.push_back(static_cast<std::int64_t>(s.off_tail));
    v.push_back(static_cast<std::int64_t>(s.off_head));
    v.push_back(static_cast<std::int64_t>(s.access));
    v.push_back(std::round(s.on_edge.lon * 1e7) / 1e7);
    v.push_back(std::round(s.on_edge.lat * 1e7) / 1e7);
}

/// coverage.gpkg's layers of the loaded city: facilities, stops, entrances; each layer's
/// seconds appended to `layer_s`.
void write_city_layers(GpkgWriter& gpkg, const City& city, const std::vector<CategoryRule>& rules,
                       std::vector<std::pair<std::string, double>>& layer_s) {
    Layer fac{"facilities",
              Layer::Point,
              {{"category", Field::String},
               {"category_zh", Field::String},
               {"source", Field::String},
               {"id", Field::String},
               {"name", Field::String},
               {"status", Field::String},
               {"street_m", Field::Real},
               {"merged_into", Field::String},
               {"capacity", Field::Real},
               {"capacity_source", Field::String},
               {"entrance_rule", Field::String},
               {"entrances", Field::Int},
               {"on_island", Field::Int}},
              {}};
    // One row per entrance of every facility (a point facility has one), at the snapped point.
    Layer ent{"entrances",
              Layer::Point,
              {{"facility_row", Field::Int},
               {"category", Field::String},
               {"source", Field::String},
               {"id", Field::String},
               {"status", Field::String},
               {"snap_edge", Field::Int},
               {"snap_off_tail_cm", Field::Int},
               {"snap_off_head_cm", Field::Int},
               {"access_cm", Field::Int},
               {"snap_lon", Field::Real},
               {"snap_lat", Field::Real}},
              {}};
    // The facilities' and entrances' rows, made as the writer takes them (a city has ~1M).
    auto facility_rows = [&](auto&& emit) {
        Row row;
        for (const auto& r : city.facilities) {
            row.point = r.pos;
            row.values = {rules[r.category].id,
                          rules[r.category].name_zh,
                          r.source,
                          r.id,
                          r.name,
                          std::string(status_text(r.status)),
                          std::round(r.street_m * 10) / 10,
                          r.merged_into,
                          std::isnan(r.capacity) ? Value{} : Value{r.capacity},
                          r.capacity_source,
                          r.entrance_rule,
                          static_cast<std::int64_t>(r.entrances.size()),
                          static_cast<std::int64_t>(r.on_island)};
            emit(row);
        }
    };
    auto entrance_rows = [&](auto&& emit) {
        Row row;
        for (std::size_t i = 0; i < city.facilities.size(); ++i) {
            const auto& r = city.facilities[i];
            for (const SnapResult& e : r.entrances) {
                if (!e.ok()) continue;
                row.point = e.on_edge;
                row.values = {static_cast<std::int64_t>(i), rules[r.category].id, r.source, r.id,
                              std::string(status_text(r.status))};
                snap_values(row.values, e);
                emit(row);
            }
        }
    };

    Layer stops{"stops",
                Layer::Point,
                {{"source", Field::String},
                 {"id", Field::String},
                 {"name", Field::String},
                 {"lines", Field::String},
                 {"street_m", Field::Real}},
                {}};
    for (const auto& s : city.stops) {
        std::string lines;
        for (const auto& l : s.lines) lines += (lines.empty() ? "" : ";") + l;
        Row row;
        row.point = s.pos;
        row.values = {s.source, s.id, s.name, lines, std::round(s.street_m * 10) / 10};
        stops.rows.push_back(std::move(row));
    }
    write_layer(gpkg, fac, facility_rows, layer_s);
    write_layer(gpkg, stops, all_rows(stops), layer_s);
    write_layer(gpkg, ent, entrance_rows, layer_s);
}

}  // namespace

CityLayers::CityLayers(OutputDir& out, const City& city, const std::vector<CategoryRule>& rules) {
    pending_ = std::async(beside_launch(), [&city, &rules, path = out.stage("coverage.gpkg")] {
        const auto t0 = Clock::now();
        Written w;
        w.gpkg = std::make_unique<GpkgWriter>(path);
        write_city_layers(*w.gpkg, city, rules, w.layers);
        w.seconds = seconds_since(t0);
        return w;
    });
}

CityLayers::~CityLayers() {
    if (pending_.valid()) pending_.wait();
}

CityLayers::Written CityLayers::take() { return pending_.get(); }

BusBeside::BusBeside(OutputDir* out, const City& city, Progress* progress) {
    std::optional<std::filesystem::path> path;
    if (out) path = out->stage("bus.gpkg");
    const std::launch launch = beside_launch();
    deferred_ = launch == std::launch::deferred;
    // The analysis is handed on as soon as it is made (the communities layer and the CSVs
    // need it), while bus.gpkg is written from it on this thread.
    pending_ = std::async(launch, [this, &city, progress, path] {
                   BusAnalysisOptions options;
                   options.service_area = path.has_value();  // drawn for bus.gpkg only
                   try {
                       result_.emplace(analyse_bus(city, options, progress));
                   } catch (...) {
                       analysed_.set_exception(std::current_exception());
                       throw;
                   }
                   analysed_.set_value();
                   if (path) {
                       const auto t0 = Clock::now();
                       write_bus_gpkg(*path, city, *result_);
                       gpkg_seconds_ = seconds_since(t0);
                   }
               }).share();
}

BusBeside::~BusBeside() {
    if (pending_.valid()) pending_.wait();
}

const BusAnalysis& BusBeside::analysis() {
    if (deferred_) pending_.wait();  // runs the task here
    analysed_future_.get();
    return *result_;
}

double BusBeside::gpkg_seconds() {
    pending_.get();
    return gpkg_seconds_;
}

BusBeside::Done BusBeside::take() {
    pending_.get();
    return Done{std::move(*result_), gpkg_seconds_};
}

std::optional<BusAnalysis> write_coverage_outputs(OutputDir* out, const City& city,
                                                  const CoverageModel& model,
                                                  const CoverageReport& report, RunInfo& run,
                                                  bool with_bus, Progress* progress,
                                                  NetworkFigures* network, CityLayers* city_layers,
                                                  BusBeside* bus_beside) {
    // The bus analysis beside the GeoPackage's first layers (SQLite, one core), and bus.gpkg on
    // the same thread, while coverage.gpkg is still being written; started here unless the
    // caller started it already.
    std::optional<BusBeside> own;
    if (with_bus && !bus_beside) bus_beside = &own.emplace(out, city, progress);
    std::optional<BusAnalysis> bus;
    // The analysis as soon as it is made; bus.gpkg's seconds once it is written too.
    auto get = [&]() -> const BusAnalysis* { return with_bus ? &bus_beside->analysis() : nullptr; };
    auto gpkg_seconds = [&] { return with_bus ? bus_beside->gpkg_seconds() : 0.0; };
    if (out) {
        if (!with_bus)
            for (const std::string& f : bus_output_files()) out->discard(f);  // none stale
        NetworkFigures figures;
        write_outputs(*out, city, model, report, run, get, figures, gpkg_seconds, city_layers);
        if (network) *network = std::move(figures);
    }
    if (with_bus) bus = bus_beside->take().bus;
    if (bus) run.timings.insert(run.timings.end(), bus->timings.begin(), bus->timings.end());
    return bus;
}

namespace {

void write_outputs(OutputDir& out, const City& city, const CoverageModel& model,
                   const CoverageReport& report, const RunInfo& run_in,
                   const BusWhenNeeded& bus_when_needed, NetworkFigures& network,
                   const std::function<double()>& bus_gpkg_seconds, CityLayers* city_layers) {
    RunInfo run = run_in;  // gains the steps and files timed here
    // Runs `write`, recording its seconds under `file` (summary.json: timings_s.outputs).
    auto timed = [&](const std::string& file, auto&& write) {
        const auto t0 = Clock::now();
        write();
        run.outputs.emplace_back(file, seconds_since(t0));
    };
    const auto& rules = model.rules();
    const std::uint32_t nc = static_cast<std::uint32_t>(rules.size());
    const double speed = city.walker.speed_m_per_s;
    // Places against demand and the network indicators: needed by the communities layer (the
    // last) and the CSVs only, so computed beside the first layers, whose SQLite writing holds
    // one core (on this thread when only one may run).
    std::vector<CategoryPlaces> places;
    auto figures = std::async(beside_launch(), [&] {
        auto t = Clock::now();
        places = city_places(city, model, city.config.places_decay);
        const double places_s = seconds_since(t);
        t = Clock::now();
        network = network_figures(city);
        return std::pair{places_s, seconds_since(t)};
    });
    auto has_places = [&](std::uint32_t k) { return !places[k].report.communities.empty(); };
    auto round1 = [](double v) { return std::round(v * 10) / 10; };

    const auto t_gpkg = Clock::now();  // coverage.gpkg: its rows built, then written
    const BusAnalysis* bus = nullptr;
    double waited = 0;
    Layer comm;  // the communities, wide: one row per community (also communities.csv)
    Layer homes{
        "homes",
        Layer::Point,
        {{"community", Field::String}, {"population", Field::Real}, {"street_m", Field::Real}},
        {}};
    for (const auto& r : rules) {
        homes.fields.push_back({r.id + "_m", Field::Real});
        homes.fields.push_back({r.id + "_n", Field::Int});
    }
    // What a reader needs to check a distance (scripts/check_distances.py): the snapped point,
    // its edge (ids of lc15 graph export) and offsets, the access leg, and the distances in
    // whole centimetres as computed.
    for (const char* f : {"snap_edge", "snap_off_tail_cm", "snap_off_head_cm", "access_cm"})
        homes.fields.push_back({f, Field::Int});
    homes.fields.push_back({"snap_lon", Field::Real});
    homes.fields.push_back({"snap_lat", Field::Real});
    homes.fields.push_back({"on_island", Field::Int});
    for (const auto& r : rules) homes.fields.push_back({r.id + "_cm", Field::Int});
    // One home's row, into `row` (reused: the layer goes into the file row by row, never
    // held whole).
    auto home_row = [&](HomeId h, Row& row) {
        const auto& hr = city.homes[h];
        row.point = hr.pos;
        row.values.clear();
        row.values.push_back(hr.community == kInvalidId ? Value{}
                                                        : Value{city.communities[hr.community].id});
        row.values.push_back(std::round(hr.population * 100) / 100);
        row.values.push_back(std::round(hr.street_m * 10) / 10);
        for (std::uint32_t k = 0; k < nc; ++k) {
            const auto& res = model.home(k, h);
            row.values.push_back(res.nearest == kInfDistance
                                     ? Value{}
                                     : Value{std::round(res.nearest / 10.0) / 10.0});
            row.values.push_back(static_cast<std::int64_t>(res.count_within));
        }
        snap_values(row.values, hr.snap);
        row.values.push_back(static_cast<std::int64_t>(hr.on_island));
        for (std::uint32_t k = 0; k < nc; ++k) {
            const auto& res = model.home(k, h);
            row.values.push_back(res.nearest == kInfDistance
                                     ? Value{}
                                     : Value{static_cast<std::int64_t>(res.nearest)});
        }
    };
    const bool home_points = static_cast<double>(city.homes.size()) <= city.config.home_points_max;
    const HomesGrid grid(city, model);

    // The city's layers first: written already beside the computation, or now (their time
    // is first.seconds, the wait for them left out of the rest).
    std::optional<CityLayers> own;
    CityLayers& city_part = city_layers ? *city_layers : own.emplace(out, city, rules);
    const auto t_take = Clock::now();
    CityLayers::Written first = city_part.take();
    waited += seconds_since(t_take);
    run.gpkg_layers.insert(run.gpkg_layers.end(), first.layers.begin(), first.layers.end());
    {
        GpkgWriter& gpkg = *first.gpkg;
        auto layer = [&](const Layer& header, auto&& rows) {
            write_layer(gpkg, header, rows, run.gpkg_layers);
        };
        // The rows of homes and homes_grid are made beside while SQLite writes them (the
        // last long step of the run, other cores idle by then).
        constexpr std::size_t kRowsAhead = 4096;
        if (home_points) {
            layer(homes, [&](auto&& emit) {
                emit_made_beside<Row>(
                    city.homes.size(), kRowsAhead,
                    [&](std::size_t h, Row& row) { home_row(static_cast<HomeId>(h), row); }, emit);
            });
        } else {
            run.warnings.push_back(
                "coverage.gpkg: " + std::to_string(city.homes.size()) +
                " homes, more than [outputs] home_points_max = " +
                fixed(city.config.home_points_max, 0) +
                ": the per-home layer 'homes' is left out; 'homes_grid' (100 m cells) holds "
                "the homes, residents and residents covered per category");
        }
        layer(grid.header(), [&](auto&& emit) {
            emit_made_beside<Row>(
                grid.size(), kRowsAhead, [&](std::size_t i, Row& row) { grid.row(i, row); }, emit);
        });
        // The communities, last: the only layer that needs the bus figures, places and network
        // indicators, which may be computed while the layers above are written.
        const auto t_wait = Clock::now();
        const auto [places_s, network_s] = figures.get();
        run.timings.emplace_back("places", places_s);
        run.timings.emplace_back("network indicators", network_s);
        bus = bus_when_needed();
        waited += seconds_since(t_wait);
        if (bus) run.timings.insert(run.timings.end(), bus->timings.begin(), bus->timings.end());
        // communities layer (wide): one row per community.
        comm = Layer{"communities",
                     Layer::MultiPolygon,
                     {{"id", Field::String},
                      {"name", Field::String},
                      {"population", Field::Real},
                      {"score", Field::Real},
                      {"categories_passed", Field::Int},
                      {"lacking", Field::String}},
                     {}};
        for (const auto& r : rules) {
            comm.fields.push_back({r.id + "_share", Field::Real});
            comm.fields.push_back({r.id + "_median_m", Field::Real});
            comm.fields.push_back({r.id + "_p90_m", Field::Real});
            comm.fields.push_back({r.id + "_within", Field::Int});
            comm.fields.push_back({r.id + "_pass", Field::Int});
        }
        if (bus) {
            // Named by the adult radius (the columns stay the same for every walker profile).
            const std::string p =
                "bus" + std::to_string(std::lround(bus->radius_m / bus->radius_scale));
            comm.fields.push_back({p + "_land_share", Field::Real});
            comm.fields.push_back({p + "_people_straight_share", Field::Real});
            comm.fields.push_back({p + "_people_walk_share", Field::Real});
        }
        add_network_fields(comm);
        // Places against demand: one block per category with a demand group.
        for (std::uint32_t k = 0; k < nc; ++k) {
            if (!has_places(k)) continue;
            for (const char* f : {"_demand", "_places", "_places_per_1000", "_place_gap"})
                comm.fields.push_back({rules[k].id + f, Field::Real});
        }
        // Where the population figure comes from (io/city.hpp, CommunityRecord).
        comm.fields.push_back({"population_source", Field::String});
        comm.fields.push_back({"population_given", Field::Real});
        comm.fields.push_back({"population_estimated", Field::Real});
        comm.fields.push_back({"scale_factor", Field::Real});
        for (std::size_t i = 0; i < city.communities.size(); ++i) {
            const auto& c = city.communities[i];
            const auto& m = report.communities[i];
            double population = m.by_category.empty() ? 0 : m.by_category[0].population;
            std::int64_t passed = 0;
            for (const auto& x : m.by_category) passed += x.pass;
            Row row;
            row.area = c.area;
            row.values = {c.id,
                          c.name,
                          std::round(population * 10) / 10,
                          std::round(m.score * 10) / 10,
                          passed,
                          lacking_names(m, rules)};
            for (std::uint32_t k = 0; k < nc; ++k) {
                const auto& x = m.by_category[k];
                // Not applicable (nobody lives there) is empty, never 0.
                row.values.push_back(x.population > 0 ? share_value(x.share) : Value{});
                row.values.push_back(metres_or_null(x.median_m));
                row.values.push_back(metres_or_null(x.p90_m));
                row.values.push_back(static_cast<std::int64_t>(x.facilities_within));
                row.values.push_back(static_cast<std::int64_t>(x.pass));
            }
            if (bus) {
                const CatchmentFigures& f = bus->catchment.communities[i];
                row.values.push_back(f.land_m2 > 0 ? share_value(f.land_share) : Value{});
                row.values.push_back(f.population > 0 ? share_value(f.straight_share) : Value{});
                row.values.push_back(f.population > 0 ? share_value(f.walk_share) : Value{});
            }
            add_network_values(row, network.report.communities[i]);  // network indicators
            for (std::uint32_t k = 0; k < nc; ++k) {                 // places against demand
                if (!has_places(k)) continue;
                const CommunityPlaces& p = places[k].report.communities[i];
                row.values.push_back(round1(p.demand));
                row.values.push_back(round1(p.places));
                row.values.push_back(p.demand > 0 ? Value{round1(p.per_1000)} : Value{});
                row.values.push_back(round1(p.gap));
            }
            row.values.push_back(c.population_source);
            row.values.push_back(c.population ? Value{round1(*c.population)} : Value{});
            row.values.push_back(std::isfinite(c.estimated_population)
                                     ? Value{round1(c.estimated_population)}
                                     : Value{});
            row.values.push_back(std::isfinite(c.scale_factor)
                                     ? Value{std::round(c.scale_factor * 10000) / 10000}
                                     : Value{});
            comm.rows.push_back(std::move(row));
        }
        layer(comm, all_rows(comm));
        gpkg.close();
    }
    // (not counting the wait for the bus figures)
    run.outputs.emplace_back("coverage.gpkg", first.seconds + seconds_since(t_gpkg) - waited);
    run.home_points = home_points;
    run.grid_cells = grid.size();
    timed("communities.csv", [&] {
        comm.geometry = Layer::None;  // the same columns, without the polygons
        write_csv_bom(out.stage("communities.csv"), comm);
    });

    // Long format: one row per community and category.
    std::vector<std::vector<Value>> long_rows;
    for (std::size_t i = 0; i < city.communities.size(); ++i) {
        for (std::uint32_t k = 0; k < nc; ++k) {
            const auto& x = report.communities[i].by_category[k];
            long_rows.push_back(
                {city.communities[i].id, city.communities[i].name, rules[k].id, rules[k].name_zh,
                 static_cast<std::int64_t>(rules[k].level_minutes), shown_radius(rules[k].radius_m),
                 std::round(x.population * 10) / 10, std::round(x.covered_population * 10) / 10,
                 x.population > 0 ? share_value(x.share) : Value{}, metres_or_null(x.median_m),
                 metres_or_null(x.p90_m),
                 x.median_m < 0 ? Value{} : Value{std::round(x.median_m / speed / 6.0) / 10.0},
                 static_cast<std::int64_t>(x.facilities_within), rules[k].target_share,
                 static_cast<std::int64_t>(x.pass)});
            auto& row = long_rows.back();  // places against demand (empty without a group)
            if (has_places(k)) {
                const CommunityPlaces& p = places[k].report.communities[i];
                row.insert(row.end(),
                           {city.config.rules.categories[k].demand.group, round1(p.demand),
                            round1(p.places), p.demand > 0 ? Value{round1(p.per_1000)} : Value{},
                            round1(p.gap), round1(places[k].assumed[i])});
            } else {
                row.resize(row.size() + 6);
            }
        }
    }
    timed("community_categories.csv", [&] {
        write_csv_bom(out.stage("community_categories.csv"),
                      {"community_id",
                       "community",
                       "category",
                       "category_zh",
                       "level_min",
                       "radius_m",
                       "population",
                       "covered_population",
                       "share",
                       "median_m",
                       "p90_m",
                       "median_min",
                       "facilities_within",
                       "target_share",
                       "pass",
                       "demand_group",
                       "demand",
                       "places",
                       "places_per_1000",
                       "place_gap",
                       "places_assumed"},
                      long_rows);
    });

    std::vector<std::vector<Value>> city_rows;
    const std::vector<FacilityCounts> counts = facility_counts(city);
    for (std::uint32_t k = 0; k < nc; ++k) {
        const auto used = static_cast<std::int64_t>(counts.at(k).used);
        city_rows.push_back(
            {rules[k].id, rules[k].name_zh, rules[k].name_en,
             static_cast<std::int64_t>(rules[k].level_minutes), shown_radius(rules[k].radius_m),
             std::round(rules[k].radius_m / speed / 6.0) / 10.0, used,
             std::round(report.city[k].population), std::round(report.city[k].covered_population),
             share_value(report.city[k].share), rules[k].target_share,
             static_cast<std::int64_t>(report.city[k].share >= rules[k].target_share),
             rules[k].clause});
        auto& row = city_rows.back();  // places against demand (empty without a group)
        if (has_places(k)) {
            const CommunityPlaces& p = places[k].report.city;
            row.insert(row.end(), {round1(p.demand), round1(p.places), round1(p.gap),
                                   round1(places[k].assumed_city)});
        } else {
            row.resize(row.size() + 4);
        }
    }
    timed("city_summary.csv", [&] {
        write_csv_bom(
            out.stage("city_summary.csv"),
            {"category", "category_zh", "category_en", "level_min", "radius_m", "walk_min",
             "facilities", "population", "covered_population", "share", "target_share", "pass",
             "clause", "demand", "places", "place_gap", "places_assumed"},
            city_rows);
    });

    timed("warnings.txt", [&] {
        std::string text;
        for (const auto& w : city.warnings) text += w + "\n";
        for (const auto& w : run.warnings) text += w + "\n";
        write_text(out.stage("warnings.txt"), text);
    });
    if (bus) {
        write_bus_outputs(out, city, *bus, &run.outputs, false);
        run.outputs.emplace_back("bus.gpkg", bus_gpkg_seconds());
    }
    // Last, so that it holds the time of every other file.
    write_text(out.stage("summary.json"),
               coverage_summary_json(city, model, report, network.report, run, bus));
}

}  // namespace

}  // namespace lc15::io
