#include "io/compounds.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "engine/entrances.hpp"
#include "engine/error.hpp"
#include "io/numbers.hpp"

namespace lc15::io {
namespace {

std::string field(const Feature& f, const std::string& name) {
    const auto it = f.tags.find(name);
    return it == f.tags.end() ? std::string{} : it->second;
}

std::string fmt_m(double m) {
    return std::to_string(static_cast<long long>(std::llround(m))) + " m";
}

// Buildings that house no one whatever their compound (OSM building=* values).
bool non_residential(const std::string& v) {
    static const std::set<std::string> no = {"garage",
                                             "garages",
                                             "parking",
                                             "carport",
                                             "shed",
                                             "roof",
                                             "kiosk",
                                             "commercial",
                                             "retail",
                                             "office",
                                             "industrial",
                                             "warehouse",
                                             "school",
                                             "kindergarten",
                                             "hospital",
                                             "church",
                                             "temple",
                                             "service",
                                             "transformer_tower",
                                             "toilets",
                                             "no"};
    return no.count(v) > 0;
}

}  // namespace

std::vector<CompoundRecord> read_compounds(const CompoundsConfig& cfg, const VectorSource& polygons,
                                           const VectorSource* gates,
                                           std::vector<std::string>& warnings) {
    const std::string file = polygons.path.string();
    std::vector<CompoundRecord> out;
    for (const Feature& f : read_features(polygons, &warnings)) {
        const std::string where = file + ": " + f.id;
        require_valid_area(f, where, "compound",
                           "compounds must be polygons (an Amap AOI, the housing office's "
                           "outline); gates belong in [compounds.gates]");
        CompoundRecord c;
        c.id = f.id;
        c.name = f.name;
        c.area = f.area;
        if (!cfg.residents_field.empty()) {
            c.residents = parse_number(
                field(f, cfg.residents_field), Range::closed(0, 1e6, "residents"), where,
                "residents",
                "give residents as a number from 0 to 1e6 in column '" + cfg.residents_field + "'");
            c.residents_from = "residents";
        } else {
            const double hh = parse_number(field(f, cfg.households_field),
                                           Range::closed(0, 1e6, "households"), where, "households",
                                           "give households as a number from 0 to 1e6 in column '" +
                                               cfg.households_field + "'");
            c.residents = hh * cfg.persons_per_household;
            char buf[64];
            std::snprintf(buf, sizeof buf, "households × %.2f", cfg.persons_per_household);
            c.residents_from = buf;
        }
        out.push_back(std::move(c));
    }
    if (out.empty()) {
        throw InputError(file, "no compounds in the file",
                         "give at least one polygon, or remove [compounds] from the config");
    }
    if (!gates) return out;
    const std::string gfile = gates->path.string();
    for (const Feature& f : read_features(*gates, &warnings)) {
        const std::string where = gfile + ": " + f.id;
        if (f.is_area() || !f.line.empty()) {
            throw InputError(where, "gate is not a point",
                             "give each gate (出入口) as a point on its compound's wall");
        }
        std::size_t best = out.size();
        double best_m = std::numeric_limits<double>::infinity();
        if (!cfg.gate_compound_field.empty()) {
            const std::string ref = field(f, cfg.gate_compound_field);
            for (std::size_t i = 0; i < out.size() && best == out.size(); ++i)
                if (out[i].id == ref) best = i;
            if (best == out.size()) {
                throw InputError(
                    where, "gate names compound '" + ref + "', which is not in " + file,
                    "use a compound id from column '" +
                        (polygons.id_field.empty() ? std::string("id") : polygons.id_field) +
                        "' of the compounds file");
            }
            best_m = boundary_distance_m(out[best].area, f.point);
        } else {
            for (std::size_t i = 0; i < out.size(); ++i) {
                const double d = boundary_distance_m(out[i].area, f.point);
                if (d < best_m) {
                    best_m = d;
                    best = i;
                }
            }
        }
        if (!(best_m <= cfg.gate_wall_m)) {
            throw InputError(where,
                             "gate lies " + fmt_m(best_m) + " from the wall of compound " +
                                 out[best].id + " (at most " + fmt_m(cfg.gate_wall_m) + ")",
                             "check the gate's CRS (Amap points are GCJ-02), or raise "
                             "[compounds] gate_wall_m");
        }
        out[best].gates.push_back(f.point);
    }
    return out;
}

std::vector<CompoundHomePoint> place_compound_homes(std::vector<CompoundRecord>& compounds,
                                                    const std::vector<Feature>& features,
                                                    const HomeOptions& options, double spacing_m) {
    std::vector<MultiPolygon> areas;
    for (const auto& c : compounds) areas.push_back(c.area);
    const PolygonIndex index(areas);
    struct Found {
        LonLat pos;
        double weight;
    };
    std::vector<std::vector<Found>> inside(compounds.size());
    for (const Feature& f : features) {
        auto it = f.tags.find("building");
        if (it == f.tags.end() || !f.is_area() || non_residential(it->second)) continue;
        const std::uint32_t c = index.find(f.point);
        if (c == kInvalidId) continue;
        double levels = options.default_levels;
        if (auto lv = f.tags.find("building:levels"); lv != f.tags.end())
            if (auto l = try_parse_number(lv->second, Range::closed(1, 200))) levels = *l;
        inside[c].push_back({f.point, area_m2(f.area) * levels});
    }
    std::vector<CompoundHomePoint> out;
    for (std::uint32_t c = 0; c < compounds.size(); ++c) {
        CompoundRecord& r = compounds[c];
        double total = 0;
        for (const Found& b : inside[c]) total += b.weight;
        const std::size_t before = out.size();
        if (!inside[c].empty() && total > 0) {
            for (const Found& b : inside[c])
                out.push_back({b.pos, r.residents * b.weight / total, c});
            r.homes_on = "buildings";
        } else {
            HomeOptions ho = options;
            ho.persons_per_hectare = 0;
            const std::vector<HomePoint> pts = homes_from_sampling(
                {r.area}, spacing_m, {CommunityArea{r.area, r.residents}}, ho, nullptr);
            for (const HomePoint& p : pts) {
                // A lattice point inside an earlier compound belongs to that one.
                if (index.find(p.pos) != c) continue;
                out.push_back({p.pos, p.population, c});
            }
            if (out.size() == before) out.push_back({centroid(r.area), r.residents, c});
            // Points lost to an overlapping compound: the residents stay this compound's.
            double placed = 0;
            for (std::size_t i = before; i < out.size(); ++i) placed += out[i].population;
            if (placed > 0)
                for (std::size_t i = before; i < out.size(); ++i)
                    out[i].population *= r.residents / placed;
            r.homes_on = "points every " + fmt_m(spacing_m);
        }
        r.homes = out.size() - before;
    }
    return out;
}

}  // namespace lc15::io
