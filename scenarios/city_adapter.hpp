// lc15 scenarios — a loaded io::City as the scenario model and the optimiser see it.
//
//   io::City city = io::load_city(config);
//   ScenarioCity sc = make_scenario_city(city);          // points into city: keep it alive
//   ScenarioEvaluator ev(sc);
//   SitingInputs in = make_siting_inputs(city, cat);     // homes, existing sites, radius
//   CoverageSets sets = build_coverage_sets(city.osm.graph, cands, in.homes, in.existing,
//   in.options);
//
// make_scenario_city: the city's graph, rules, every facility record that is used or off the
// network (merged duplicates are left out, as in the city's own model) per category with its
// id, name, position and area polygon (OSM areas: snapped at their boundary point nearest a
// street, like the loader) and its places (capacity; 0 when unknown), every category's demand
// rule, the bus-stop category, homes as snapped, community names and
// areas, the bounding box (the config's bbox, else the graph's bounds), max_snap_m, coverage
// options and walker profiles. The evaluator's base model then equals io::make_coverage_model
// (same snaps, same facilities).
// make_siting_inputs: the homes, the existing facilities of one category (snapped, with their
// positions for the spacing rule), the residential land for candidate generation, and
// SitingOptions with the category's radius and the city's access legs / forbidden edges.
// Cost: linear in the city's records. Thread safety: pure; the results borrow from `city`.
#pragma once

#include <vector>

#include "io/city.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/siting.hpp"

namespace lc15::scenarios {

ScenarioCity make_scenario_city(const io::City& city);

struct SitingInputs {
    std::vector<Home> homes;
    std::vector<LonLat> home_points;
    std::vector<SnapResult> existing;       ///< the category's facilities as the city snapped them
    std::vector<LonLat> existing_pos;       ///< their snapped points (for min spacing)
    std::vector<MultiPolygon> residential;  ///< residential land, else the community areas
    SitingOptions options;                  ///< radius, access legs, forbidden edges (k = 1)
};

SitingInputs make_siting_inputs(const io::City& city, std::uint32_t category);

/// The city's bounding box: the config's bbox, else the bounds of the walking graph.
std::array<double, 4> city_bbox(const io::City& city);

}  // namespace lc15::scenarios
