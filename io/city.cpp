#include "io/city.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "engine/compounds.hpp"
#include "engine/entrances.hpp"
#include "engine/error.hpp"
#include "engine/places.hpp"
#include "engine/polygon.hpp"
#include "io/bus_lines.hpp"
#include "io/census.hpp"
#include "io/crs.hpp"
#include "io/files.hpp"
#include "io/gtfs.hpp"
#include "io/numbers.hpp"
#include "io/population_raster.hpp"
#include "io/timing.hpp"
#include "io/vector_reader.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

namespace {

struct Timer {
    City& city;
    std::string step;
    Clock::time_point start = Clock::now();
    ~Timer() { city.timings.emplace_back(step, seconds_since(start)); }
};

VectorSource vector_source(const FileSourceConfig& f) {
    VectorSource s;
    s.path = f.path;
    s.layer = f.layer;
    s.crs_declared = f.crs_declared;
    if (f.crs_declared) s.crs = Crs::parse(f.crs, f.where + ": crs");
    s.lon_field = f.lon_field;
    s.lat_field = f.lat_field;
    s.id_field = f.id_field;
    s.name_field = f.name_field;
    s.encoding = f.encoding;
    return s;
}

// [population.census]: each matched community takes its census figure (over a population
// the communities' own layer or an OSM tag gave); rows matching no community are warned about.
void apply_census(City& city, const CensusSource& src) {
    const std::vector<CensusFigure> figures = read_census(src);
    std::vector<std::pair<std::string, std::string>> ids;
    for (const auto& c : city.communities) ids.push_back({c.id, c.name});
    const CensusMatch m = match_census(figures, ids, src);
    for (std::size_t c = 0; c < city.communities.size(); ++c) {
        if (!m.figure_of[c]) continue;
        city.communities[c].population = figures[*m.figure_of[c]].population;
        city.communities[c].population_given_by = "census";
    }
    city.inputs.push_back({"census", src.path.string(), file_sha256(src.path)});
    if (!m.unmatched.empty()) {
        std::string names;
        for (std::size_t i = 0; i < m.unmatched.size(); ++i) {
            const CensusFigure& f = figures[m.unmatched[i]];
            if (i == 10) {
                names += ", ...";
                break;
            }
            names += (i ? ", " : "") + (f.name.empty() ? f.code : f.name) + " (line " +
                     std::to_string(f.line) + ")";
        }
        city.warnings.push_back("census " + src.path.filename().string() + ": " +
                                std::to_string(m.unmatched.size()) +
                                " rows match no community by id or name, their figures are not "
                                "used: " +
                                names);
    }
}

// One warning line with every scaled community's factor (total given / residents estimated):
// a factor far from 1 says the source and the figure disagree there.
void report_scaling(City& city) {
    std::string list;
    std::size_t n = 0;
    double lo = 1e300, hi = 0;
    for (const auto& c : city.communities) {
        if (!std::isfinite(c.scale_factor)) continue;
        char buf[48];
        std::snprintf(buf, sizeof buf, " %.3f", c.scale_factor);
        if (n < 20) list += (n ? ", " : "") + c.name + buf;
        lo = std::min(lo, c.scale_factor);
        hi = std::max(hi, c.scale_factor);
        ++n;
    }
    if (n == 0) return;
    char range[64];
    std::snprintf(range, sizeof range, "%.3f to %.3f", lo, hi);
    city.warnings.push_back(std::to_string(n) +
                            " communities scaled to their given populations, factor (given / "
                            "estimated) " +
                            range + ": " + list + (n > 20 ? ", ..." : "") +
                            " (communities.csv: scale_factor)");
}

std::string attribute(const Feature& f, const std::string& field) {
    if (field.empty()) return {};
    const auto it = f.tags.find(field);
    return it == f.tags.end() ? std::string{} : it->second;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        if (ch == ';' || ch == ',' || ch == '|') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (ch != ' ') {
            cur += ch;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

bool in_bbox(const CityConfig& c, LonLat p, double margin_m = 0) {
    if (!c.bbox) return true;
    const auto& b = *c.bbox;
    const double dlat = margin_m / 111195.0;
    const double dlon = dlat / std::max(0.01, std::cos(deg2rad(0.5 * (b[1] + b[3]))));
    return p.lon >= b[0] - dlon && p.lon <= b[2] + dlon && p.lat >= b[1] - dlat &&
           p.lat <= b[3] + dlat;
}

// Snaps a point or an area; returns the snap and the distance to the nearest street (m).
std::pair<SnapResult, double> snap_place(const Snapper& s, LonLat p, const MultiPolygon* area,
                                         double max_m) {
    SnapResult r = area && !area->empty() ? snap_area(s, *area, max_m) : s.snap(p, max_m);
    if (r.ok()) return {r, cm_to_metres(r.access)};
    return {r, s.nearest_metres(p)};
}

const std::set<std::string>& residential_building_values() {
    static const std::set<std::string> v{"residential",        "apartments", "house",
                                         "detached",           "dormitory",  "terrace",
                                         "semidetached_house", "bungalow",   "villa"};
    return v;
}

// Places of a facility from a capacity value ("270", "270 places" is refused): > 0, finite.
std::optional<double> places_value(const std::string& v) {
    if (v.empty()) return std::nullopt;
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    if (end == v.c_str() || (end && *end != '\0') || !std::isfinite(x) || x <= 0)
        return std::nullopt;
    return x;
}

// Capacity of every record: the planner's column, else OSM capacity=*, else the category's
// default flagged "assumed". A planner's value that is not a number > 0 is an error; an OSM
// value that is not is a warning (the default applies).
// `feature_of`: per record, its OSM feature (null for a planner's record, or where the extract
// has none).
void fill_capacities(City& city, const std::vector<const Feature*>& feature_of) {
    std::size_t bad_osm = 0;
    for (std::size_t i = 0; i < city.facilities.size(); ++i) {
        FacilityRecord& r = city.facilities[i];
        if (const Feature* f = feature_of[i]; std::isnan(r.capacity) && f) {
            if (auto t = f->tags.find("capacity"); t != f->tags.end()) {
                if (auto v = places_value(t->second)) {
                    r.capacity = *v;
                    r.capacity_source = "osm";
                } else {
                    ++bad_osm;
                }
            }
        }
        const DemandRule& d = city.config.rules.categories.at(r.category).demand;
        if (std::isnan(r.capacity) && !std::isnan(d.default_capacity)) {
            r.capacity = d.default_capacity;
            r.capacity_source = "assumed";
        }
    }
    if (bad_osm > 0) {
        city.warnings.push_back(std::to_string(bad_osm) +
                                " OSM facilities have a capacity=* that is not a number of "
                                "places; their category's default applies (capacity_source "
                                "assumed)");
    }
}

/// The city's one set of bus stops, deduplicated across sources (see load_city).
struct StopSet {
    std::vector<BusStopRecord>& stops;
    double radius_m;
    std::size_t merges = 0;
    std::unordered_map<std::int64_t, std::vector<std::size_t>> grid;  // cells of radius_m
    std::vector<std::vector<std::string>> absorbed;  // sources merged into each stop

    StopSet(std::vector<BusStopRecord>& s, double r) : stops(s), radius_m(std::max(r, 1.0)) {
        for (std::size_t i = 0; i < stops.size(); ++i) index(i);
    }
    std::pair<std::int64_t, std::int64_t> cell(LonLat p) const {
        const double m = deg2rad(1.0) * kEarthRadiusM;
        return {std::int64_t(std::floor(p.lon * m * std::cos(deg2rad(p.lat)) / radius_m)),
                std::int64_t(std::floor(p.lat * m / radius_m))};
    }
    static std::int64_t key(std::int64_t x, std::int64_t y) { return x * 4000037 + y; }
    void index(std::size_t i) {
        const auto [x, y] = cell(stops[i].pos);
        grid[key(x, y)].push_back(i);
        absorbed.resize(stops.size());
    }
    /// Adds b, or merges it into the nearest kept stop of another source within radius_m that
    /// has no stop of b's source merged yet; `replaces_osm`: b (a planner's) takes the place of
    /// the OSM stop it merges with.
    void add(BusStopRecord b, bool replaces_osm) {
        const auto [x, y] = cell(b.pos);
        std::size_t best = stops.size();
        double best_d = radius_m;
        for (std::int64_t dx = -1; dx <= 1; ++dx) {
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                const auto it = grid.find(key(x + dx, y + dy));
                if (it == grid.end()) continue;
                for (std::size_t i : it->second) {
                    const BusStopRecord& k = stops[i];
                    if (k.source == b.source) continue;
                    const auto& abs = absorbed[i];
                    if (std::find(abs.begin(), abs.end(), b.source) != abs.end()) continue;
                    const double d = haversine_m(k.pos, b.pos);
                    if (d < best_d || (d == best_d && i < best)) {
                        best = i;
                        best_d = d;
                    }
                }
            }
        }
        if (best == stops.size()) {
            stops.push_back(std::move(b));
            index(stops.size() - 1);
            return;
        }
        ++merges;
        BusStopRecord& k = stops[best];
        absorbed[best].push_back(b.source);
        for (const std::string& l : b.lines) {
            if (std::find(k.lines.begin(), k.lines.end(), l) == k.lines.end()) k.lines.push_back(l);
        }
        if (replaces_osm && k.source == "osm") {
            // The planner's record is kept where it lies (indexed still at the OSM position,
            // within radius_m of it).
            b.merged_ids = std::move(k.merged_ids);
            b.merged_ids.push_back(k.source + ":" + k.id);
            b.lines = k.lines;
            absorbed[best].push_back("osm");
            k = std::move(b);
        } else {
            k.merged_ids.push_back(b.source + ":" + b.id);
        }
    }
};

}  // namespace

std::vector<LonLat> gate_points(const std::vector<Feature>& features) {
    std::vector<LonLat> out;
    for (const Feature& f : features) {
        if (f.is_area() || f.id.empty() || f.id[0] != 'n') continue;
        const auto b = f.tags.find("barrier");
        if (f.tags.count("entrance") ||
            (b != f.tags.end() && (b->second == "gate" || b->second == "entrance")))
            out.push_back(f.point);
    }
    return out;
}

std::vector<FacilityCounts> facility_counts(const City& city) {
    std::vector<FacilityCounts> out(city.config.rules.categories.size());
    for (const FacilityRecord& r : city.facilities) {
        if (r.category >= out.size()) continue;
        FacilityCounts& n = out[r.category];
        n.used += r.status == FacilityRecord::Status::Used;
        n.on_island += r.status == FacilityRecord::Status::Used && r.on_island;
        n.merged += r.status == FacilityRecord::Status::Merged;
        n.off_network += r.status == FacilityRecord::Status::OffNetwork;
    }
    return out;
}

std::size_t drop_building_outlines(City& city) {
    std::vector<Feature>& features = city.osm.features;
    const std::size_t before = features.size();
    std::erase_if(features, [](const Feature& f) {
        if (!f.is_area() || f.tags.count("landuse") || f.tags.count("boundary")) return false;
        const auto b = f.tags.find("building");
        return b != f.tags.end() && b->second != "no";
    });
    features.shrink_to_fit();
    return before - features.size();
}

CoverageOptions City::coverage_options() const {
    CoverageOptions o;
    o.access_legs = config.access_legs;
    o.forbidden_flags = forbidden_flags;
    o.speed_m_per_s = walker.speed_m_per_s;
    return o;
}

double City::radius_scale() const {
    const auto it = config.profiles.find("adult");
    const double adult = it == config.profiles.end() ? 4.5 / 3.6 : it->second.speed_m_per_s;
    return walker.speed_m_per_s / adult;
}

std::vector<CategoryRule> City::effective_rules() const {
    std::vector<CategoryRule> rules = config.rules.rules();
    const double k = radius_scale();
    for (auto& r : rules) r.radius_m *= k;
    return rules;
}

City load_city(const CityConfig& config, const std::string& profile, Progress* progress) {
    City city;
    city.config = config;
    city.walker = config.walking_profile(profile.empty() ? config.profile : profile);
    city.forbidden_flags = kEdgeClosed | (city.walker.exclude_steps ? kEdgeSteps : 0);
    city.inputs.push_back({"config", config.path.string(), file_sha256(config.path)});
    city.inputs.push_back({"rules", config.rules.path.string(), file_sha256(config.rules.path)});
    const RuleSet& rules = config.rules;

    // 1. OSM.
    {
        Timer t{city, "read OSM"};
        ProgressStep step(progress, "reading OSM", 0);
        require_readable(config.osm,
                         "OSM extract (config " + config.path.string() + ", [city] osm)");
        OsmReadOptions o;
        o.profile.private_walkable = config.private_walkable;
        // The extract's hash beside the reading, which leaves a core partly idle at its start.
        auto osm_hash = std::async(beside_launch(), [&] { return file_sha256(config.osm); });
        city.osm = read_osm(config.osm, o);
        city.inputs.push_back({"osm", config.osm.string(), osm_hash.get()});
        for (const auto& w : city.osm.warnings) city.warnings.push_back(w);
        // An extract cut or filtered without its relations (osmium extract -s simple, a tag
        // filter) still has streets, so it runs: say what is lost when the config needs them.
        if (city.osm.relations == 0) {
            std::vector<std::string> lost;
            if (config.osm_bus_stops && config.gtfs.empty() && config.bus_line_files.empty())
                lost.push_back("the bus routes (route=bus relations: stops show no lines)");
            if (config.communities_source == "osm_admin")
                lost.push_back(
                    "the multipolygon communities (boundary relations at "
                    "admin_level " +
                    std::to_string(config.admin_level) + ")");
            if (!lost.empty()) {
                std::string what;
                for (const auto& l : lost) what += (what.empty() ? "" : " and ") + l;
                city.warnings.push_back(
                    config.osm.string() + ": the extract holds no relations at all, so " + what +
                    " are missing; cut it again keeping relations (osmium extract -s "
                    "complete_ways or smart, not simple) or export it with relations");
            }
        }
    }
    // 1b. Compounds: the ways from their homes to their gates join the graph before anything
    // is snapped onto it (engine/compounds.hpp).
    std::vector<CompoundHomePoint> compound_homes;
    if (config.compounds) {
        Timer t{city, "compounds"};
        const CompoundsConfig& cc = *config.compounds;
        std::vector<std::string> warnings;
        const VectorSource gates = cc.gates ? vector_source(*cc.gates) : VectorSource{};
        city.compounds =
            read_compounds(cc, vector_source(cc.polygons), cc.gates ? &gates : nullptr, warnings);
        city.inputs.push_back(
            {"compounds", cc.polygons.path.string(), file_sha256(cc.polygons.path)});
        if (cc.gates)
            city.inputs.push_back({"gates", cc.gates->path.string(), file_sha256(cc.gates->path)});
        for (auto& w : warnings) city.warnings.push_back(w);
        HomeOptions ho;
        ho.floor_area_per_person_m2 = config.floor_area_per_person_m2;
        ho.default_levels = static_cast<int>(config.default_levels);
        ho.max_samples = config.max_samples;
        compound_homes =
            place_compound_homes(city.compounds, city.osm.features, ho, config.sample_spacing_m);
        std::vector<GatedCompound> gated;
        for (const CompoundRecord& c : city.compounds) gated.push_back({c.area, c.gates});
        std::vector<CompoundHome> hs;
        for (const CompoundHomePoint& h : compound_homes) hs.push_back({h.pos, h.compound});
        std::vector<std::string> notes;
        std::uint64_t key = 0;
        city.osm.graph = add_compound_access(city.osm.graph, gated, hs, city.forbidden_flags,
                                             config.max_snap_m, key, &notes);
        for (auto& n : notes)
            city.warnings.push_back(cc.polygons.path.filename().string() + ": " + n);
        std::size_t open = 0;
        std::string ids;
        for (const CompoundRecord& c : city.compounds) {
            if (!c.gates.empty()) continue;
            if (++open <= 5) ids += (ids.empty() ? "" : ", ") + c.id;
        }
        if (open > 0) {
            city.warnings.push_back(
                std::to_string(open) + " of " + std::to_string(city.compounds.size()) +
                " compounds have no gate given (" + ids + (open > 5 ? ", ..." : "") +
                "): their homes reach the nearest street, as without compounds; give their "
                "gates in [compounds.gates] to make the gates their only exits");
        }
    }
    // The street index is built beside the facilities' classification, which needs none of
    // it (its build is on one thread); its time keeps its place among the steps.
    const std::size_t index_step = city.timings.size();
    auto index = std::async(beside_launch(), [&city, &config] {
        const auto t0 = Clock::now();
        auto snapper = std::make_unique<Snapper>(city.osm.graph, city.forbidden_flags);
        if (config.snap_to_main) {
            IslandRule rule;
            rule.main_component_m = config.main_component_m;
            snapper->set_island_rule(rule);
        }
        return std::pair{std::move(snapper), seconds_since(t0)};
    });
    const double max_snap = config.max_snap_m;

    // 2. Facilities: OSM first, then planners' files; a planner's record wins a duplicate.
    // OSM's facilities as (feature, category), in feature order: their records are made once,
    // in place in city.facilities, after the planners' (a copy of a million records moved
    // there after was 300 MB of memory touched for nothing).
    std::vector<std::pair<std::size_t, std::uint32_t>> osm_hits;
    std::vector<FacilityRecord> file_records, stop_records;
    {
        Timer t{city, "facilities"};
        if (config.osm_facilities) {
            std::size_t outside = 0;
            // Objects pulled in from far away (stations of a route relation) are not the
            // city's facilities: the bbox filters them before anything is snapped. A facility
            // just outside still serves the homes inside, so the bbox is widened by the
            // longest radius plus max_snap_m: anything farther reaches no home within it.
            double reach = config.max_snap_m;
            for (const auto& r : city.effective_rules()) reach = std::max(reach, r.radius_m);
            if (config.max_snap_m > 0) reach += config.max_snap_m;
            // Every feature against the rules, in parallel over fixed chunks of the feature
            // list; each chunk's (feature, category) hits in feature order, so the records
            // come out in the order of a serial pass whatever the thread count.
            const std::vector<Feature>& features = city.osm.features;
            constexpr std::size_t kChunk = 4096;
            struct Hits {
                std::vector<std::pair<std::size_t, std::uint32_t>> hits;
                std::size_t outside = 0;
            };
            std::vector<Hits> chunks((features.size() + kChunk - 1) / kChunk);
            tbb::parallel_for(std::size_t{0}, chunks.size(), [&](std::size_t c) {
                Hits& h = chunks[c];
                for (std::size_t i = c * kChunk; i < std::min(features.size(), (c + 1) * kChunk);
                     ++i) {
                    const std::vector<std::uint32_t> cats = classify(rules, features[i]);
                    if (cats.empty()) continue;
                    if (!in_bbox(config, features[i].point, reach)) {
                        ++h.outside;
                        continue;
                    }
                    for (std::uint32_t cat : cats) h.hits.emplace_back(i, cat);
                }
            });
            std::size_t hits = 0;
            for (const Hits& h : chunks) hits += h.hits.size();
            osm_hits.reserve(hits);
            for (const Hits& h : chunks) {
                outside += h.outside;
                osm_hits.insert(osm_hits.end(), h.hits.begin(), h.hits.end());
            }
            if (outside > 0) {
                city.warnings.push_back(std::to_string(outside) +
                                        " OSM facilities lie farther outside the config's bbox "
                                        "than any radius reaches and are not counted (the "
                                        "extract reaches beyond the city)");
            }
        }
        for (const FileSourceConfig& fc : config.facility_files) {
            std::vector<std::string> warnings;
            const std::vector<Feature> features = read_features(vector_source(fc), &warnings);
            city.inputs.push_back({"facilities", fc.path.string(), file_sha256(fc.path)});
            for (auto& w : warnings) city.warnings.push_back(w);
            std::size_t unclassified = 0;
            for (const Feature& f : features) {
                std::vector<std::uint32_t> cats;
                if (!fc.category.empty()) {
                    cats.push_back(rules.index_of(fc.category, fc.where));
                } else if (!fc.category_field.empty()) {
                    const std::string v = attribute(f, fc.category_field);
                    if (v.empty()) {
                        throw InputError(fc.path.string() + ": " + f.id,
                                         "no value in column '" + fc.category_field + "'",
                                         "give each row a category id (" + rules.ids_list() + ")");
                    }
                    cats.push_back(rules.index_of(v, fc.path.string() + ": " + f.id));
                } else {
                    // The type column holds an Amap type path ("科教文化服务;学校;小学") or
                    // OSM-style tags ("amenity=school"); both are understood.
                    const std::string type = attribute(f, fc.type_field);
                    Feature tagged = f;
                    for (const std::string& kv : split_list(type)) {
                        if (const auto eq = kv.find('='); eq != std::string::npos)
                            tagged.tags[kv.substr(0, eq)] = kv.substr(eq + 1);
                    }
                    cats = classify(rules, tagged, type);
                }
                if (cats.empty()) ++unclassified;
                for (std::uint32_t cat : cats) {
                    FacilityRecord r;
                    r.category = cat;
                    r.source = fc.path.filename().string();
                    r.id = f.id;
                    r.name = f.name;
                    r.pos = f.point;
                    r.is_area = f.is_area();
                    if (!fc.capacity_field.empty()) {
                        const std::string v = attribute(f, fc.capacity_field);
                        if (auto places = places_value(v)) {
                            r.capacity = *places;
                            r.capacity_source = "file";
                        } else if (!v.empty()) {
                            throw InputError(fc.path.string() + ": " + f.id,
                                             "capacity '" + v + "' in column '" +
                                                 fc.capacity_field + "' is not a number > 0",
                                             "give the places as a number (e.g. 270), or leave "
                                             "the cell empty for the category's default");
                        }
                    }
                    if (!in_bbox(config, f.point)) {
                        city.warnings.push_back(
                            fc.path.string() + ": " + f.id + " (" + f.name +
                            ") lies outside the city's bbox; check its coordinates and crs");
                    }
                    file_records.push_back(std::move(r));
                }
            }
            if (unclassified > 0) {
                city.warnings.push_back(
                    fc.path.string() + ": " + std::to_string(unclassified) +
                    " rows match no category (not an error: a list may hold other places); "
                    "set category or category_field to classify them explicitly");
            }
            // A file taken as WGS84 (declared so, or with no CRS declared) whose points sit a
            // GCJ-02 shift away from OSM's twins: the usual mistake with Amap exports.
            if ((!fc.crs_declared || Crs::parse(fc.crs, fc.where) == Crs::wgs84()) &&
                config.osm_facilities) {
                std::vector<LonLat> declared, reference;
                for (const auto& r : file_records)
                    if (r.source == fc.path.filename().string()) declared.push_back(r.pos);
                for (const auto& [i, cat] : osm_hits)
                    reference.push_back(city.osm.features[i].point);
                if (auto w = check_gcj_mismatch(declared, reference, fc.path.string()))
                    city.warnings.push_back(*w);
            }
        }
    }
    {
        auto [index_built, seconds] = index.get();
        city.snapper = std::move(index_built);
        city.timings.insert(city.timings.begin() + static_cast<std::ptrdiff_t>(index_step),
                            {"index streets", seconds});
    }
    const Snapper& snapper = *city.snapper;
    // Bus stops: OSM and files; they are also the facilities of from_bus_stops categories.
    {
        Timer t{city, "bus stops"};
        if (config.osm_bus_stops) {
            for (const OsmBusStop& s : city.osm.stops) {
                BusStopRecord b;
                b.source = "osm";
                b.id = s.id;
                b.name = s.name;
                b.pos = s.pos;
                city.stops.push_back(std::move(b));
            }
            for (StopId i = 0; i < city.osm.routes.size(); ++i) {
                const auto& route = city.osm.routes[i];
                for (StopId s : route.stops) {
                    auto& lines = city.stops[s].lines;
                    const std::string ref = route.ref.empty() ? route.id : route.ref;
                    if (std::find(lines.begin(), lines.end(), ref) == lines.end())
                        lines.push_back(ref);
                }
            }
        }
        // One set of stops: every stop lc15 uses (OSM, planners' stop files, the GTFS feed's
        // stops near the extract's streets, the stops of planners' line files) once. A stop of
        // another source within dedupe_m of a kept stop is that stop (one per source and kept
        // stop, the nearest), listed in its merged_ids; a planner's stop replaces the OSM one.
        StopSet set(city.stops, config.dedupe_m);
        for (const FileSourceConfig& fc : config.bus_stop_files) {
            std::vector<std::string> warnings;
            for (const Feature& f : read_features(vector_source(fc), &warnings)) {
                BusStopRecord b;
                b.source = fc.path.filename().string();
                b.id = f.id;
                b.name = f.name;
                b.pos = f.point;
                b.lines = split_list(attribute(f, fc.lines_field));
                set.add(std::move(b), true);
            }
            city.inputs.push_back({"bus_stops", fc.path.string(), file_sha256(fc.path)});
            for (auto& w : warnings) city.warnings.push_back(w);
        }
        if (!config.gtfs.empty()) {
            GtfsOptions gopt;
            gopt.window_start_s = config.gtfs_window_start_s;
            gopt.window_end_s = config.gtfs_window_end_s;
            auto feed = std::make_shared<GtfsFeed>(read_gtfs(config.gtfs, gopt));
            const std::string source = "GTFS " + config.gtfs.filename().string();
            std::size_t away = 0;
            for (const TransitStopInput& st : feed->stops) {
                // A feed covers more than the extract: its stops away from the streets are not
                // this city's.
                if (!(snapper.nearest_metres(st.pos) <= max_snap)) {
                    ++away;
                    continue;
                }
                set.add({source, st.id, st.name, st.pos, {}, {}, 0, {}}, false);
            }
            if (away > 0) {
                city.warnings.push_back(config.gtfs.string() + ": " + std::to_string(away) +
                                        " of " + std::to_string(feed->stops.size()) +
                                        " stops farther than max_snap_m from the extract's "
                                        "streets; not counted as the city's stops");
            }
            city.inputs.push_back({"gtfs", config.gtfs.string(), file_sha256(config.gtfs)});
            city.gtfs = std::move(feed);
        }
        for (const FileSourceConfig& fc : config.bus_line_files) {
            const Crs crs = fc.crs_declared ? Crs::parse(fc.crs, fc.where + ": crs") : Crs::wgs84();
            const BusLines lines = read_bus_lines_csv(fc.path, snapper, BusLineOptions{}, crs);
            std::vector<std::vector<std::string>> served(lines.stops.size());
            for (const TransitLineInput& l : lines.lines) {
                for (StopId st : l.stops) served[st].push_back(l.name.empty() ? l.id : l.name);
            }
            for (StopId st = 0; st < lines.stops.size(); ++st) {
                const TransitStopInput& in = lines.stops[st];
                set.add(
                    {fc.path.filename().string(), in.id, in.name, in.pos, served[st], {}, 0, {}},
                    false);
            }
            city.inputs.push_back({"bus_lines", fc.path.string(), file_sha256(fc.path)});
        }
        city.stop_merges = set.merges;
        tbb::parallel_for(std::size_t{0}, city.stops.size(), [&](std::size_t i) {
            auto [snap, d] = snap_place(snapper, city.stops[i].pos, nullptr, max_snap);
            city.stops[i].snap = snap;
            city.stops[i].street_m = d;
        });
        for (std::uint32_t cat = 0; cat < rules.categories.size(); ++cat) {
            if (!rules.categories[cat].from_bus_stops) continue;
            for (const BusStopRecord& b : city.stops) {
                FacilityRecord r;
                r.category = cat;
                r.source = b.source == "osm" ? "osm" : b.source;
                r.id = b.id;
                r.name = b.name;
                r.pos = b.pos;
                stop_records.push_back(std::move(r));  // deduplicated already: kept as they are
            }
        }
    }
    // Dedupe per category: the planner's list first (kept), then OSM.
    std::vector<const Feature*> feature_of;  // per record: its OSM feature, or null
    {
        Timer t{city, "merge facilities"};
        std::vector<FacilityPoint> a, b;
        for (const auto& r : file_records) a.push_back({r.category, r.pos, r.id, r.name});
        if (!a.empty()) {  // else nothing is merged: no copy of OSM's list
            b.reserve(osm_hits.size());
            for (const auto& [i, cat] : osm_hits) {
                const Feature& f = city.osm.features[i];
                b.push_back({cat, f.point, f.id, f.name});
            }
        }
        const DedupeResult d = dedupe_facilities(a, b, config.dedupe_m);
        std::vector<std::string> merged_into(osm_hits.size());
        for (const FacilityMerge& m : d.merges)
            merged_into[m.b] = file_records[m.a].source + ":" + file_records[m.a].id;
        // One allocation of the final size: growing by doubling would hold up to three times
        // the records at the last reallocation (the old buffer, the new one and the sources).
        city.facilities.reserve(file_records.size() + osm_hits.size() + stop_records.size());
        for (auto& r : file_records) city.facilities.push_back(std::move(r));
        feature_of.assign(city.facilities.capacity(), nullptr);
        for (std::size_t k = 0; k < osm_hits.size(); ++k) {
            const Feature& f = city.osm.features[osm_hits[k].first];
            feature_of[city.facilities.size()] = &f;
            FacilityRecord& r = city.facilities.emplace_back();
            r.category = osm_hits[k].second;
            r.source = "osm";
            r.id = f.id;
            r.name = f.name;
            r.pos = f.point;
            r.is_area = f.is_area();
            if (!merged_into[k].empty()) {
                r.status = FacilityRecord::Status::Merged;
                r.merged_into = std::move(merged_into[k]);
            }
        }
        for (auto& r : stop_records) {
            if (config.osm_facilities && r.source == "osm")
                feature_of[city.facilities.size()] = find_osm_feature(city.osm.features, r.id);
            city.facilities.push_back(std::move(r));
        }
        std::vector<FacilityRecord>().swap(file_records);
        std::vector<std::pair<std::size_t, std::uint32_t>>().swap(osm_hits);
        std::vector<FacilityRecord>().swap(stop_records);
        fill_capacities(city, feature_of);
    }
    {
        Timer t{city, "snap facilities"};
        ProgressStep step(progress, "snapping facilities", city.facilities.size());
        // Areas are snapped at their nearest boundary point (their polygons: feature_of).
        const std::vector<LonLat> gates = gate_points(city.osm.features);
        tbb::parallel_for(std::size_t{0}, city.facilities.size(), [&](std::size_t i) {
            FacilityRecord& r = city.facilities[i];
            const MultiPolygon* area = nullptr;
            if (r.is_area && feature_of[i]) area = &feature_of[i]->area;
            if (area && !area->empty()) {
                EntranceOptions eo;
                eo.mode = rules.categories[r.category].entrances;
                r.entrances = area_entrances(snapper, *area, gates, eo, max_snap);
                r.entrance_rule = entrance_mode_name(eo.mode);
                SnapResult best;  // the record's snap: the entrance with the shortest leg
                for (const SnapResult& e : r.entrances)
                    if (!best.ok() || e.access < best.access) best = e;
                r.snap = best;
                r.street_m = best.ok() ? cm_to_metres(best.access) : snapper.nearest_metres(r.pos);
            } else {
                auto [snap, d] = snap_place(snapper, r.pos, nullptr, max_snap);
                r.snap = snap;
                r.street_m = d;
                if (snap.ok()) r.entrances = {snap};
            }
            r.on_island =
                !r.entrances.empty() &&
                std::all_of(r.entrances.begin(), r.entrances.end(),
                            [&](const SnapResult& e) { return snapper.on_island(e.edge); });
            if (!r.snap.ok() && r.status == FacilityRecord::Status::Used)
                r.status = FacilityRecord::Status::OffNetwork;
            step.advance();
        });
        std::size_t off = 0;
        for (const auto& r : city.facilities) off += r.status == FacilityRecord::Status::OffNetwork;
        if (off > 0) {
            city.warnings.push_back(
                std::to_string(off) +
                " facilities lie farther than max_snap_m = " + number_text(max_snap) +
                " m from any walkable street; they are listed in facilities "
                "(status off_network) and not counted");
        }
        std::size_t island = 0;
        for (const auto& r : city.facilities) {
            if (r.status != FacilityRecord::Status::Used || !r.on_island) continue;
            ++island;
            city.warnings.push_back("facility " + r.source + ":" + r.id + " (" + r.name + ", " +
                                    rules.categories[r.category].rule.id +
                                    ") is reached only from an island of the walking network "
                                    "that does not connect to the main network; it reaches only "
                                    "the homes on that island (facilities layer, on_island)");
        }
        // A category with facilities of which none reaches the main network shows 0 % with
        // "n facilities": say why.
        const std::vector<FacilityCounts> counts = facility_counts(city);
        for (std::uint32_t cat = 0; cat < rules.categories.size(); ++cat) {
            const std::size_t off = counts[cat].off_network, isl = counts[cat].on_island;
            const std::size_t listed = counts[cat].used + off;  // every status but merged
            if (listed > 0 && off + isl == listed) {
                city.warnings.push_back(
                    "category " + rules.categories[cat].rule.id + ": all " +
                    std::to_string(listed) + " facilities lie off the network (" +
                    std::to_string(off) + ") or on islands (" + std::to_string(isl) +
                    "), so its coverage is 0 % or nearly; check them in the facilities layer");
            }
        }
        (void)island;
    }

    // 3. Communities.
    std::vector<MultiPolygon> residential_land;
    {
        Timer t{city, "communities"};
        for (const Feature& f : city.osm.features) {
            if (f.is_area() && f.tags.count("landuse") && f.tags.at("landuse") == "residential")
                residential_land.push_back(f.area);
        }
        if (config.communities_source == "file") {
            const FileSourceConfig& fc = *config.communities_file;
            std::vector<std::string> warnings;
            for (const Feature& f : read_features(vector_source(fc), &warnings)) {
                require_valid_area(f, fc.path.string() + ": " + f.id, "community",
                                   "communities must be polygons (a planner's boundaries); "
                                   "points belong in [population]");
                CommunityRecord c;
                c.id = f.id;
                c.name = f.name;
                c.area = f.area;
                if (!fc.population_field.empty()) {
                    c.population_given_by = "community_layer";
                    const std::string v = attribute(f, fc.population_field);
                    c.population =
                        parse_number(v, Range::closed(0, 1e8, "residents"),
                                     fc.path.string() + ": " + f.id, "population",
                                     "give residents as a number from 0 to 1e8 in column '" +
                                         fc.population_field + "'");
                }
                city.communities.push_back(std::move(c));
            }
            city.inputs.push_back({"communities", fc.path.string(), file_sha256(fc.path)});
            for (auto& w : warnings) city.warnings.push_back(w);
        } else if (config.communities_source == "whole") {
            // One community: the config's bbox, else the walking graph's bounds widened by
            // max_snap_m (any home that can reach a street lies inside).
            const WalkGraph& g = city.osm.graph;
            if (config.bbox || g.num_vertices() > 0) {
                std::array<double, 4> b{};
                if (config.bbox) {
                    b = *config.bbox;
                } else {
                    b = {180, 90, -180, -90};
                    for (VertexId v = 0; v < g.num_vertices(); ++v) {
                        const LonLat p = g.coord(v);
                        b = {std::min(b[0], p.lon), std::min(b[1], p.lat), std::max(b[2], p.lon),
                             std::max(b[3], p.lat)};
                    }
                    const double dlat = config.max_snap_m / 111320.0;
                    const double dlon = dlat / std::max(0.01, std::cos(deg2rad((b[1] + b[3]) / 2)));
                    b = {b[0] - dlon, b[1] - dlat, b[2] + dlon, b[3] + dlat};
                }
                Polygon box{{{b[0], b[1]}, {b[2], b[1]}, {b[2], b[3]}, {b[0], b[3]}, {b[0], b[1]}},
                            {}};
                CommunityRecord c;
                c.id = "whole";
                c.name = config.name;
                c.area = {std::move(box)};
                city.communities.push_back(std::move(c));
            }
        } else {
            for (const Feature& f : city.osm.features) {
                if (!f.is_area()) continue;
                bool take = false;
                if (config.communities_source == "osm_admin") {
                    take = f.tags.count("boundary") && f.tags.at("boundary") == "administrative" &&
                           f.tags.count("admin_level") &&
                           f.tags.at("admin_level") == std::to_string(config.admin_level);
                } else {
                    take = f.tags.count("landuse") && f.tags.at("landuse") == "residential";
                }
                if (!take) continue;
                std::optional<double> pop;
                if (auto it = f.tags.find("population"); it != f.tags.end()) {
                    std::string why;
                    pop = try_parse_number(it->second, Range::closed(0, 1e8), &why);
                    if (!pop)
                        city.warnings.push_back(f.id + ": population tag '" + it->second + "' " +
                                                why + "; population estimated instead");
                }
                CommunityRecord c;
                c.id = f.id;
                c.name = f.name.empty() ? "(unnamed " + f.id + ")" : f.name;
                c.area = f.area;
                c.population = pop;
                if (pop) c.population_given_by = "osm_tag";
                city.communities.push_back(std::move(c));
            }
        }
        if (city.communities.empty()) {
            throw InputError(
                config.path.string(),
                "no communities found (source = \"" + config.communities_source + "\")",
                config.communities_source == "osm_admin"
                    ? "the extract has no complete boundary at admin_level " +
                          std::to_string(config.admin_level) +
                          (city.osm.relations == 0
                               ? " (it holds no relations at all: cut it again keeping them, "
                                 "osmium extract -s complete_ways)"
                               : "") +
                          "; use source = \"residential_landuse\" or a planner's file"
                    : "give a planner's community polygons: [communities] source = \"file\", path "
                      "= ...");
        }
    }

    // Residential buildings (OSM), for the buildings and raster sources.
    // In parallel over fixed chunks of the features, each chunk's buildings in feature order:
    // the list is that of a serial pass for any thread count.
    auto residential_buildings = [&] {
        const PolygonIndex land(residential_land);
        const std::vector<Feature>& features = city.osm.features;
        constexpr std::size_t kChunk = 4096;
        std::vector<std::vector<Building>> chunks((features.size() + kChunk - 1) / kChunk);
        tbb::parallel_for(std::size_t{0}, chunks.size(), [&](std::size_t c) {
            const std::size_t end = std::min(features.size(), (c + 1) * kChunk);
            for (std::size_t i = c * kChunk; i < end; ++i) {
                const Feature& f = features[i];
                auto it = f.tags.find("building");
                if (it == f.tags.end() || !f.is_area()) continue;
                Building b;
                b.centroid = f.point;
                b.footprint_m2 = area_m2(f.area);
                if (auto lv = f.tags.find("building:levels"); lv != f.tags.end()) {
                    // A tag that is not a number of levels in [0, 200] keeps the default.
                    if (auto l = try_parse_number(lv->second, Range::closed(0, 200)))
                        b.levels = static_cast<int>(std::lround(*l));
                }
                b.residential = residential_building_values().count(it->second) ||
                                (it->second == "yes" && land.find(f.point) != kInvalidId);
                chunks[c].push_back(b);
            }
        });
        std::size_t n = 0;
        for (const auto& c : chunks) n += c.size();
        std::vector<Building> buildings;
        buildings.reserve(n);
        for (const auto& c : chunks) buildings.insert(buildings.end(), c.begin(), c.end());
        return buildings;
    };

    // 3b. Census totals ([population.census]): the figures the homes are scaled to.
    if (config.census) apply_census(city, *config.census);

    // 4. Homes. Every source but sampling estimates residents without the given totals
    // (`bare`); the totals are applied afterwards so that each community's factor is known.
    std::vector<CommunityArea> areas, bare;
    for (const auto& c : city.communities) {
        areas.push_back({c.area, c.population});
        bare.push_back({c.area, std::nullopt});
    }
    std::string base_source;  // the homes' source, for each community's population_source
    bool scale_after = true;
    std::vector<HomePoint> homes;
    {
        Timer t{city, "homes"};
        HomeOptions ho;
        ho.floor_area_per_person_m2 = config.floor_area_per_person_m2;
        ho.default_levels = static_cast<int>(config.default_levels);
        ho.max_samples = config.max_samples;
        std::vector<CommunityId> unhoused;
        // Sampling places no one by itself: a community without a given population takes
        // default_community_population (spread over its points); with neither, refuse.
        std::vector<CommunityArea> sampled = areas;
        for (auto& a : sampled)
            if (!a.population && config.default_community_population > 0)
                a.population = config.default_community_population;
        auto check_sampled = [&](const std::vector<HomePoint>& hs) {
            double total = 0;
            for (const HomePoint& h : hs) total += h.population;
            if (!hs.empty() && !(total > 0)) {
                throw InputError(
                    config.path.string() + ": [population]",
                    "sampling places " + std::to_string(hs.size()) +
                        " homes but gives them no residents: no community has a population",
                    "set [population] default_community_population = 3000 (residents per "
                    "community), give the communities' populations (a file with "
                    "population_field), or use source = \"file\"");
            }
        };
        if (config.population_source == "file") {
            const FileSourceConfig& fc = *config.population_file;
            std::vector<std::string> warnings;
            std::vector<PopulationPoint> pts;
            for (const Feature& f : read_features(vector_source(fc), &warnings)) {
                const std::string v = attribute(f, fc.population_field);
                const double p =
                    parse_number(v, Range::closed(0, 1e8, "residents"),
                                 fc.path.string() + ": " + f.id, "population",
                                 "give residents as a non-negative number in column '" +
                                     fc.population_field + "'");
                pts.push_back({f.point, p});
            }
            city.inputs.push_back({"population", fc.path.string(), file_sha256(fc.path)});
            for (auto& w : warnings) city.warnings.push_back(w);
            homes = homes_from_grid(pts, bare);
            base_source = "population_file";
            city.population_method =
                "planner's population file (" + fc.path.filename().string() + ")";
        } else if (config.population_source == "raster") {
            const RasterSource& rs = *config.population_raster;
            const PopulationRaster raster = read_population_raster(rs, config.bbox);
            city.inputs.push_back({"population", rs.path.string(), file_sha256(rs.path)});
            const std::string name = rs.path.filename().string();
            if (raster.nodata_cells > 0)
                city.warnings.push_back("population raster " + name + ": " +
                                        std::to_string(raster.nodata_cells) +
                                        " nodata cells skipped (nobody placed there)");
            if (raster.negative_cells > 0)
                city.warnings.push_back(
                    "population raster " + name + ": " + std::to_string(raster.negative_cells) +
                    " negative cells skipped as nodata ([population] negative = \"nodata\")");
            if (raster.outside_cells > 0)
                city.warnings.push_back("population raster " + name + ": " +
                                        std::to_string(raster.outside_cells) + " cells with " +
                                        std::to_string(std::llround(raster.outside_population)) +
                                        " people lie outside the city's bbox and are not read");
            if (raster.cells.empty())
                throw InputError(rs.path.string(), "the raster places nobody in the city",
                                 "check that the raster covers the city's bbox (gdalinfo) and "
                                 "that its band holds people per cell");
            const RasterSpread spread =
                spread_raster(raster, residential_buildings(), residential_land, ho);
            homes = homes_from_grid(spread.points, bare);
            base_source = "raster";
            city.population_method =
                "population raster " + name + " (" + raster.crs_name + ", " +
                std::to_string(raster.cells.size()) +
                " cells with people): spread over "
                "residential buildings by floor area in " +
                std::to_string(spread.cells_on_buildings) + " cells, over residential land in " +
                std::to_string(spread.cells_on_land) + ", at the cell centre in " +
                std::to_string(spread.cells_at_centre);
        } else if (config.population_source == "buildings") {
            homes = homes_from_buildings(residential_buildings(), bare, ho);
            base_source = "osm_buildings";
            city.population_method =
                "residential buildings: footprint × levels ÷ " +
                std::to_string(static_cast<int>(config.floor_area_per_person_m2)) +
                " m² per resident";
            if (homes.empty()) {
                scale_after = false;
                base_source = "residential_land";
                homes = homes_from_sampling(residential_land, config.sample_spacing_m, sampled, ho,
                                            &unhoused);
                check_sampled(homes);
                city.population_method = "no residential buildings mapped: points every " +
                                         std::to_string(static_cast<int>(config.sample_spacing_m)) +
                                         " m over residential land";
                city.warnings.push_back(
                    "no residential buildings in the extract; population sampled over residential "
                    "land instead");
            }
        } else {
            scale_after = false;
            base_source = "sampling";
            ho.persons_per_hectare = 0;
            homes = homes_from_sampling(residential_land.empty() ? [&] {
                std::vector<MultiPolygon> v;
                for (const auto& c : city.communities) v.push_back(c.area);
                return v;
            }() : residential_land, config.sample_spacing_m, sampled, ho, &unhoused);
            check_sampled(homes);
            city.population_method = "points every " +
                                     std::to_string(static_cast<int>(config.sample_spacing_m)) +
                                     " m over residential land";
            if (config.default_community_population > 0)
                city.population_method += ", " +
                                          std::to_string(static_cast<long long>(
                                              std::llround(config.default_community_population))) +
                                          " residents per community without a population";
        }
        // Compounds first, then the scaling to given totals: a community's figure holds
        // exactly, compound homes included.
        std::vector<std::uint8_t> in_compounds(city.communities.size(), 0);
        if (!city.compounds.empty()) {
            // Inside a compound the compound's own residents and homes stand instead of the
            // population source's, and come first (a home's index is its vertex key).
            std::vector<MultiPolygon> ca;
            for (const CompoundRecord& c : city.compounds) ca.push_back(c.area);
            const PolygonIndex in_compound(ca);
            std::vector<MultiPolygon> cm;
            for (const CommunityRecord& c : city.communities) cm.push_back(c.area);
            const PolygonIndex in_community(cm);
            std::vector<HomePoint> merged;
            for (const CompoundHomePoint& h : compound_homes) {
                merged.push_back({h.pos, h.population, in_community.find(h.pos)});
                if (merged.back().community != kInvalidId)
                    in_compounds[merged.back().community] = 1;
            }
            std::size_t replaced = 0;
            double replaced_people = 0;
            for (const HomePoint& h : homes) {
                if (in_compound.find(h.pos) != kInvalidId) {
                    ++replaced;
                    replaced_people += h.population;
                } else {
                    merged.push_back(h);
                }
            }
            homes = std::move(merged);
            double residents = 0;
            for (const CompoundRecord& c : city.compounds) residents += c.residents;
            char buf[160];
            std::snprintf(buf, sizeof buf,
                          "%zu compounds: %.0f residents on %zu homes; %zu homes (%.0f residents) "
                          "of the population source inside them replaced",
                          city.compounds.size(), residents, compound_homes.size(), replaced,
                          replaced_people);
            city.warnings.push_back(buf);
            city.population_method +=
                "; compounds from " + config.compounds->polygons.path.filename().string();
        }
        if (scale_after) {
            std::vector<std::optional<double>> given;
            for (const auto& c : city.communities) given.push_back(c.population);
            const ScaleResult scaled = scale_to_totals(homes, given);
            for (std::size_t c = 0; c < city.communities.size(); ++c) {
                city.communities[c].estimated_population = scaled.estimate[c];
                city.communities[c].scale_factor = scaled.factor[c];
            }
            unhoused = scaled.unhoused;
            report_scaling(city);
        }
        for (auto& c : city.communities)
            c.population_source = base_source +
                                  (in_compounds[&c - city.communities.data()] ? "+compounds" : "") +
                                  (c.population ? "×" + c.population_given_by : std::string());
        for (CommunityId c : unhoused) {
            CommunityRecord& cr = city.communities[c];
            if (!cr.population) continue;  // only the default, not a figure
            cr.population_source = cr.population_given_by + " (no residential place)";
            city.warnings.push_back("community " + cr.id + " (" + cr.name +
                                    ") has a population but no home inside it; its residents are "
                                    "not placed (" +
                                    std::to_string(std::llround(*cr.population)) +
                                    " residents given by " + cr.population_given_by +
                                    ", kept in communities.csv as population_given)");
        }
        for (const HomePoint& h : homes) {
            if (h.community == kInvalidId) {
                ++city.homes_outside_communities;
                city.population_outside_communities += h.population;
            }
        }
    }
    {
        Timer t{city, "snap homes"};
        ProgressStep step(progress, "snapping homes", homes.size());
        city.homes.resize(homes.size());
        // A home of a gated compound sits on its own vertex and leaves through the gates.
        const std::vector<SnapResult> gated =
            compound_home_snaps(city.osm.graph, compound_homes.size());
        tbb::parallel_for(std::size_t{0}, homes.size(), [&](std::size_t i) {
            HomeRecord& h = city.homes[i];
            h.pos = homes[i].pos;
            h.population = homes[i].population;
            h.community = homes[i].community;
            if (i < compound_homes.size()) h.compound = compound_homes[i].compound;
            if (i < gated.size() && gated[i].ok()) {
                h.snap = gated[i];
                h.street_m = snapper.nearest_metres(h.pos);
                step.advance();
                return;
            }
            auto [snap, d] = snap_place(snapper, h.pos, nullptr, max_snap);
            h.snap = snap;
            h.street_m = d;
            h.on_island = snap.ok() && snapper.on_island(snap.edge);
            step.advance();
        });
        {
            std::size_t n = 0;
            double residents = 0;
            for (const auto& h : city.homes) {
                if (!h.on_island) continue;
                ++n;
                residents += h.population;
            }
            if (n > 0) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.0f", residents);
                city.warnings.push_back(
                    std::to_string(n) + " homes (" + buf +
                    " residents) are reached only from islands of the walking network, no "
                    "main street within reach; they reach only facilities on the same island "
                    "(homes layer, on_island; lc15 inspect lists the islands)");
            }
        }
        std::size_t off = 0;
        for (const auto& h : city.homes) off += !h.snap.ok();
        if (off > 0) {
            city.warnings.push_back(
                std::to_string(off) +
                " homes lie farther than max_snap_m from any walkable street; "
                "they count as residents but are never covered (homes layer, street_m)");
        }
    }
    if (city.homes.empty()) {
        throw InputError(config.path.string(), "no homes: nobody lives in the communities found",
                         "give a population file ([population] source = \"file\") or check the "
                         "communities source");
    }
    // A category with no usable facility reports 0 % everywhere: say so, so that nobody reads
    // it as a measured gap.
    {
        std::vector<std::size_t> used(config.rules.categories.size(), 0);
        for (const FacilityRecord& f : city.facilities) {
            if (f.status == FacilityRecord::Status::Used && f.category < used.size())
                ++used[f.category];
        }
        for (std::size_t k = 0; k < used.size(); ++k) {
            if (used[k] > 0) continue;
            const CategoryRule& r = config.rules.categories[k].rule;
            city.warnings.push_back("category " + r.id + " (" + r.name_zh +
                                    ") has no facility on the network: its 0 % means no data, "
                                    "not a measured gap; add a planner's list ([[facilities]] "
                                    "with category = \"" +
                                    r.id + "\") or remove the category");
        }
    }
    return city;
}

CoverageModel make_coverage_model(const City& city, std::vector<FacilityHandle>* handle_of_record) {
    CoverageModel model(city.osm.graph, city.effective_rules(), city.coverage_options());
    std::vector<Home> homes;
    homes.reserve(city.homes.size());
    for (const HomeRecord& h : city.homes) homes.push_back({h.snap, h.population, h.community});
    model.set_homes(std::move(homes));
    if (handle_of_record) handle_of_record->assign(city.facilities.size(), kInvalidId);
    model.reserve_facilities(static_cast<std::size_t>(std::count_if(
        city.facilities.begin(), city.facilities.end(),
        [](const FacilityRecord& r) { return r.status == FacilityRecord::Status::Used; })));
    for (std::size_t i = 0; i < city.facilities.size(); ++i) {
        const FacilityRecord& r = city.facilities[i];
        if (r.status != FacilityRecord::Status::Used) continue;
        const FacilityHandle h = model.add_facility(
            r.category, r.entrances.empty() ? std::vector<SnapResult>{r.snap} : r.entrances);
        if (handle_of_record) (*handle_of_record)[i] = h;
    }
    return model;
}

}  // namespace lc15::io
