#include "scenarios/scenario_report.hpp"

#include <cstdint>

namespace lc15::scenarios {

std::vector<std::string> community_changes_header() {
    return {"community",       "category",        "category_zh",  "covered_before",
            "covered_after",   "gained",          "lost",         "share_before",
            "share_after",     "places_before",   "places_after", "place_gap_before",
            "place_gap_after", "place_gap_closed"};
}

std::vector<std::vector<io::Value>> community_changes_rows(const ScenarioOutcome& o,
                                                           const std::vector<CategoryRule>& rules) {
    auto num = [](double v, int decimals) { return io::fixed(v, decimals); };
    std::vector<std::vector<io::Value>> rows;
    auto row = [&](const std::string& community, std::uint32_t k, const CategoryChange& c) {
        rows.push_back({community, rules[k].id, rules[k].name_zh, num(c.covered_before, 1),
                        num(c.covered_after, 1), num(c.gained, 1), num(c.lost, 1),
                        num(c.share_before, 4), num(c.share_after, 4)});
        // Places against demand (empty for a category without a demand group).
        auto& r = rows.back();
        if (c.has_places) {
            r.insert(r.end(),
                     {num(c.places_before, 1), num(c.places_after, 1), num(c.gap_before, 1),
                      num(c.gap_after, 1), num(c.gap_before - c.gap_after, 1)});
        } else {
            r.resize(r.size() + 5);
        }
    };
    for (const auto& cc : o.communities) {
        for (std::uint32_t k = 0; k < rules.size(); ++k) row(cc.name, k, cc.by_category[k]);
    }
    for (std::uint32_t k = 0; k < rules.size(); ++k) row(kCityRowName, k, o.city[k]);
    return rows;
}

namespace {

// A facility named by an edit (id first, then name), for the edits layer; null if not found
// (the evaluator has already refused such an edit, so this only happens for the layer).
const ScenarioFacility* find_facility(const ScenarioCity& sc, const Edit& e, std::uint32_t only) {
    const ScenarioFacility* by_name = nullptr;
    for (std::uint32_t c = 0; c < sc.facilities.size(); ++c) {
        if (only != kInvalidId && c != only) continue;
        for (const auto& f : sc.facilities[c]) {
            if (f.id == e.ref) return &f;
            if (!by_name && f.name == e.ref) by_name = &f;
        }
    }
    return by_name;
}

}  // namespace

std::pair<io::Layer, io::Layer> edit_layers(const Scenario& s, const ScenarioCity& sc) {
    const std::vector<io::Field> fields{{"edit", io::Field::Int},
                                        {"type", io::Field::String},
                                        {"category", io::Field::String},
                                        {"name", io::Field::String},
                                        {"ref", io::Field::String}};
    io::Layer points{"edits", io::Layer::Point, fields, {}};
    io::Layer lines{"edit_lines", io::Layer::LineString, fields, {}};
    for (const Edit& e : s.edits) {
        if (e.type == EditType::kProfile) continue;
        std::string category = e.category;
        if (e.type == EditType::kAddStop || e.type == EditType::kRemoveStop) {
            category = sc.stop_category < sc.rules.size() ? sc.rules[sc.stop_category].id : "";
        }
        auto values = [&](const std::string& name) {
            return std::vector<io::Value>{static_cast<std::int64_t>(e.index),
                                          std::string(edit_type_name(e.type)), category, name,
                                          e.ref};
        };
        switch (e.type) {
            case EditType::kAddFacility:
            case EditType::kAddStop:
                for (std::size_t i = 0; i < e.points.size(); ++i) {
                    points.rows.push_back({e.points[i], {}, {}, values(e.point_names[i])});
                }
                break;
            case EditType::kMoveFacility:
            case EditType::kCloseFacility:
            case EditType::kRemoveStop: {
                std::uint32_t only = kInvalidId;
                if (e.type == EditType::kRemoveStop) only = sc.stop_category;
                const auto* f = find_facility(sc, e, only);
                const std::string name = f ? f->name : e.name;
                if (e.type == EditType::kMoveFacility) {
                    points.rows.push_back({e.points.front(), {}, {}, values(name)});
                    if (f) lines.rows.push_back({{}, {f->pos, e.points.front()}, {}, values(name)});
                } else if (f) {
                    points.rows.push_back({f->pos, {}, {}, values(name)});
                }
                break;
            }
            case EditType::kCloseLink:
            case EditType::kOpenGate:  // the new gate, where the planner put it
                points.rows.push_back({e.points.front(), {}, {}, values(e.name)});
                break;
            case EditType::kSetPopulation:
                points.rows.push_back(
                    {e.area.empty() ? e.points.front() : centroid(e.area), {}, {}, values(e.name)});
                break;
            case EditType::kAddLink:
                lines.rows.push_back({{}, {e.points[0], e.points[1]}, {}, values(e.name)});
                break;
            case EditType::kCloseWay: {
                const WalkGraph& g = *sc.graph;
                for (EdgeId x = 0; x < g.num_edges(); ++x) {
                    if (g.edge_source_id(x) != e.way_id) continue;
                    const auto shape = g.edge_shape(x);
                    lines.rows.push_back(
                        {{}, std::vector<LonLat>(shape.begin(), shape.end()), {}, values(e.name)});
                }
                break;
            }
            case EditType::kProfile:
                break;
        }
    }
    return {std::move(points), std::move(lines)};
}

}  // namespace lc15::scenarios
