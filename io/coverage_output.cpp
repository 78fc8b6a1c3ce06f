#include "io/coverage_output.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/components.hpp"
#include "engine/error.hpp"

#include "io/vector_writer.hpp"
#include "lc15_version.hpp"

namespace lc15::io {

namespace {

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

}  // namespace

std::string coverage_summary_json(const City& city, const CoverageModel& model,
                                  const CoverageReport& report, const RunInfo& run,
                                  const BusAnalysis* bus) {
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
    double pop = 0;
    for (const auto& h : city.homes) pop += h.population;
    j["population"] = {
        {"homes", city.homes.size()},
        {"residents", std::round(pop)},
        {"homes_outside_communities", city.homes_outside_communities},
        {"residents_outside_communities", std::round(city.population_outside_communities)}};
    j["communities"] = city.communities.size();
    j["city_score"] = std::round(report.city_score * 10) / 10;
    ordered_json cats = ordered_json::array();
    for (std::uint32_t c = 0; c < rules.size(); ++c) {
        std::size_t used = 0, merged = 0, off = 0;
        for (const auto& r : city.facilities) {
            if (r.category != c) continue;
            used += r.status == FacilityRecord::Status::Used;
            merged += r.status == FacilityRecord::Status::Merged;
            off += r.status == FacilityRecord::Status::OffNetwork;
        }
        std::size_t passing = 0;
        for (const auto& cm : report.communities) passing += cm.by_category[c].pass;
        cats.push_back({{"id", rules[c].id},
                        {"name_zh", rules[c].name_zh},
                        {"level_minutes", rules[c].level_minutes},
                        {"radius_m", rules[c].radius_m},
                        {"target_share", rules[c].target_share},
                        {"facilities", used},
                        {"merged_duplicates", merged},
                        {"off_network", off},
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
    j["timings_s"] = timings;
    j["warnings"] = city.warnings.size();
    return j.dump(2) + "\n";
}

void write_coverage_outputs(OutputDir& out, const City& city, const CoverageModel& model,
                            const CoverageReport& report, const RunInfo& run,
                            const BusAnalysis* bus) {
    const auto& rules = model.rules();
    const std::uint32_t nc = static_cast<std::uint32_t>(rules.size());
    const double speed = city.walker.speed_m_per_s;

    // communities layer (wide): one row per community.
    Layer comm{"communities",
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
            row.values.push_back(share_value(x.share));
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
        comm.rows.push_back(std::move(row));
    }

    Layer homes{
        "homes",
        Layer::Point,
        {{"community", Field::String}, {"population", Field::Real}, {"street_m", Field::Real}},
        {}};
    for (const auto& r : rules) {
        homes.fields.push_back({r.id + "_m", Field::Real});
        homes.fields.push_back({r.id + "_n", Field::Int});
    }
    for (HomeId h = 0; h < city.homes.size(); ++h) {
        const auto& hr = city.homes[h];
        Row row;
        row.point = hr.pos;
        row.values = {
            hr.community == kInvalidId ? Value{} : Value{city.communities[hr.community].id},
            std::round(hr.population * 100) / 100, std::round(hr.street_m * 10) / 10};
        for (std::uint32_t k = 0; k < nc; ++k) {
            const auto& res = model.home(k, h);
            row.values.push_back(res.nearest == kInfDistance
                                     ? Value{}
                                     : Value{std::round(res.nearest / 10.0) / 10.0});
            row.values.push_back(static_cast<std::int64_t>(res.count_within));
        }
        homes.rows.push_back(std::move(row));
    }

    Layer fac{"facilities",
              Layer::Point,
              {{"category", Field::String},
               {"category_zh", Field::String},
               {"source", Field::String},
               {"id", Field::String},
               {"name", Field::String},
               {"status", Field::String},
               {"street_m", Field::Real},
               {"merged_into", Field::String}},
              {}};
    for (const auto& r : city.facilities) {
        Row row;
        row.point = r.pos;
        row.values = {rules[r.category].id,
                      rules[r.category].name_zh,
                      r.source,
                      r.id,
                      r.name,
                      std::string(status_text(r.status)),
                      std::round(r.street_m * 10) / 10,
                      r.merged_into};
        fac.rows.push_back(std::move(row));
    }

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
    write_gpkg(out.stage("coverage.gpkg"), {comm, homes, fac, stops});
    write_csv_bom(out.stage("communities.csv"), Layer{comm.name, Layer::None, comm.fields,
                                                      [&] {
                                                          auto rows = comm.rows;
                                                          for (auto& r : rows) r.area.clear();
                                                          return rows;
                                                      }(),
                                                      4326});

    // Long format: one row per community and category.
    std::vector<std::vector<Value>> long_rows;
    for (std::size_t i = 0; i < city.communities.size(); ++i) {
        for (std::uint32_t k = 0; k < nc; ++k) {
            const auto& x = report.communities[i].by_category[k];
            long_rows.push_back(
                {city.communities[i].id, city.communities[i].name, rules[k].id, rules[k].name_zh,
                 static_cast<std::int64_t>(rules[k].level_minutes), rules[k].radius_m,
                 std::round(x.population * 10) / 10, std::round(x.covered_population * 10) / 10,
                 share_value(x.share), metres_or_null(x.median_m), metres_or_null(x.p90_m),
                 x.median_m < 0 ? Value{} : Value{std::round(x.median_m / speed / 6.0) / 10.0},
                 static_cast<std::int64_t>(x.facilities_within), rules[k].target_share,
                 static_cast<std::int64_t>(x.pass)});
        }
    }
    write_csv_bom(out.stage("community_categories.csv"),
                  {"community_id", "community", "category", "category_zh", "level_min", "radius_m",
                   "population", "covered_population", "share", "median_m", "p90_m", "median_min",
                   "facilities_within", "target_share", "pass"},
                  long_rows);

    std::vector<std::vector<Value>> city_rows;
    for (std::uint32_t k = 0; k < nc; ++k) {
        std::int64_t used = 0;
        for (const auto& r : city.facilities)
            used += r.category == k && r.status == FacilityRecord::Status::Used;
        city_rows.push_back(
            {rules[k].id, rules[k].name_zh, rules[k].name_en,
             static_cast<std::int64_t>(rules[k].level_minutes), rules[k].radius_m,
             std::round(rules[k].radius_m / speed / 6.0) / 10.0, used,
             std::round(report.city[k].population), std::round(report.city[k].covered_population),
             share_value(report.city[k].share), rules[k].target_share,
             static_cast<std::int64_t>(report.city[k].share >= rules[k].target_share),
             rules[k].clause});
    }
    write_csv_bom(out.stage("city_summary.csv"),
                  {"category", "category_zh", "category_en", "level_min", "radius_m", "walk_min",
                   "facilities", "population", "covered_population", "share", "target_share",
                   "pass", "clause"},
                  city_rows);

    {
        std::ofstream f(out.stage("summary.json"), std::ios::binary);
        f << coverage_summary_json(city, model, report, run, bus);
        if (!f)
            throw InputError(out.dir().string(), "cannot write summary.json",
                             "free disk space or choose another --out");
    }
    {
        std::ofstream f(out.stage("warnings.txt"), std::ios::binary);
        for (const auto& w : city.warnings) f << w << "\n";
    }
    if (bus) write_bus_outputs(out, city, *bus);
}

}  // namespace lc15::io
