// lc15 scenarios — a scenario's outcome as the tables and layers its front ends show: the
// rows of community_changes.csv and the edits as point and line layers (changes.gpkg), so that
// `lc15 scenario` and the before/after map (maps/) print the same figures from one place.
//
//   auto header = community_changes_header();
//   auto rows = community_changes_rows(outcome, sc.rules);   // per community and category,
//                                                             // then the city ("全市 (city)")
//   auto [points, lines] = edit_layers(scenario, sc);        // "edits", "edit_lines"
//
// Numbers are formatted as the CSV holds them (io::fixed: residents to 0.1, shares to 1e-4).
// Cost: linear in communities x categories and in the edits (a close_way scans the edges).
// Thread safety: pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "io/vector_writer.hpp"
#include "scenarios/scenario.hpp"

namespace lc15::scenarios {

/// The community name of the city rows of community_changes.csv.
inline constexpr const char* kCityRowName = "全市 (city)";

std::vector<std::string> community_changes_header();
/// One row per community and category (in the order of the outcome and the rules), then one
/// per category for the city.
std::vector<std::vector<io::Value>> community_changes_rows(const ScenarioOutcome& o,
                                                           const std::vector<CategoryRule>& rules);

/// The edits as map layers with fields edit (1-based index), type, category, name, ref:
/// points (added sites, move targets, closed facilities and stops, close_link points,
/// population areas' centroids) and lines (links, moves from the old site, closed ways' edges).
/// Profile edits have no place and are left out.
std::pair<io::Layer, io::Layer> edit_layers(const Scenario& s, const ScenarioCity& sc);

}  // namespace lc15::scenarios
