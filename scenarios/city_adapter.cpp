#include "scenarios/city_adapter.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace lc15::scenarios {

std::array<double, 4> city_bbox(const io::City& city) {
    if (city.config.bbox) return *city.config.bbox;
    const WalkGraph& g = city.osm.graph;
    if (g.num_vertices() == 0) return {-180, -90, 180, 90};
    std::array<double, 4> b{180, 90, -180, -90};
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const LonLat p = g.coord(v);
        b[0] = std::min(b[0], p.lon);
        b[1] = std::min(b[1], p.lat);
        b[2] = std::max(b[2], p.lon);
        b[3] = std::max(b[3], p.lat);
    }
    return b;
}

ScenarioCity make_scenario_city(const io::City& city) {
    ScenarioCity sc;
    sc.graph = &city.osm.graph;
    sc.rules = city.config.rules.rules();
    sc.facilities.resize(sc.rules.size());
    sc.facility_areas.resize(sc.rules.size());
    sc.facility_places.resize(sc.rules.size());
    for (const io::CategoryDef& c : city.config.rules.categories) sc.demand.push_back(c.demand);
    sc.decay = city.config.places_decay;
    std::map<std::string, const MultiPolygon*> osm_areas;
    for (const io::Feature& f : city.osm.features)
        if (f.is_area()) osm_areas[f.id] = &f.area;
    for (const io::FacilityRecord& r : city.facilities) {
        if (r.status == io::FacilityRecord::Status::Merged) continue;
        MultiPolygon area;
        if (r.is_area && r.source == "osm") {
            if (auto it = osm_areas.find(r.id); it != osm_areas.end()) area = *it->second;
        }
        sc.facilities[r.category].push_back({r.id, r.name, r.pos});
        sc.facility_places[r.category].push_back(std::isnan(r.capacity) ? 0.0 : r.capacity);
        sc.facility_areas[r.category].push_back(std::move(area));
    }
    const auto& cats = city.config.rules.categories;
    for (const auto& c : cats) sc.entrance_modes.push_back(c.entrances);
    sc.gates = io::gate_points(city.osm.features);
    if (city.snapper && city.snapper->has_island_rule())
        sc.island_rule = city.snapper->island_rule();
    for (std::uint32_t c = 0; c < cats.size(); ++c) {
        if (cats[c].from_bus_stops) {
            sc.stop_category = c;
            break;
        }
    }
    for (const io::CompoundRecord& c : city.compounds)
        sc.compounds.push_back({c.id, c.name, c.area, c.gates});
    sc.home_pos.reserve(city.homes.size());
    sc.homes.reserve(city.homes.size());
    for (const io::HomeRecord& h : city.homes) {
        sc.home_pos.push_back(h.pos);
        sc.homes.push_back({h.snap, h.population, h.community});
        if (!city.compounds.empty()) sc.home_compound.push_back(h.compound);
    }
    for (const io::CommunityRecord& c : city.communities) {
        sc.community_names.push_back(c.name);
        sc.community_areas.push_back(c.area);
    }
    sc.bbox = city_bbox(city);
    sc.max_snap_m = city.config.max_snap_m;
    sc.options = city.coverage_options();
    sc.profile = city.walker.name;
    for (const auto& [name, p] : city.config.profiles)
        sc.profiles[name] = {p.speed_m_per_s, p.exclude_steps};
    return sc;
}

SitingInputs make_siting_inputs(const io::City& city, std::uint32_t category) {
    SitingInputs in;
    in.homes.reserve(city.homes.size());
    for (const io::HomeRecord& h : city.homes) {
        in.homes.push_back({h.snap, h.population, h.community});
        in.home_points.push_back(h.pos);
    }
    for (const io::FacilityRecord& r : city.facilities) {
        if (r.category != category || r.status != io::FacilityRecord::Status::Used) continue;
        for (const SnapResult& e : r.entrances) in.existing.push_back(e);  // every entrance
        in.existing_pos.push_back(r.snap.on_edge);
    }
    for (const io::Feature& f : city.osm.features) {
        if (!f.is_area()) continue;
        auto it = f.tags.find("landuse");
        if (it != f.tags.end() && it->second == "residential") in.residential.push_back(f.area);
    }
    if (in.residential.empty()) {
        for (const io::CommunityRecord& c : city.communities) in.residential.push_back(c.area);
    }
    const CoverageOptions o = city.coverage_options();
    in.options.radius_m = city.config.rules.categories.at(category).rule.radius_m;
    in.options.access_legs = o.access_legs;
    in.options.forbidden_flags = o.forbidden_flags;
    return in;
}

}  // namespace lc15::scenarios
