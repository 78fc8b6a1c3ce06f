#include "scenarios/scenario.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>

#include "engine/capacity.hpp"
#include "engine/compounds.hpp"
#include "engine/error.hpp"
#include "engine/places.hpp"
#include "io/crs.hpp"
#include "io/files.hpp"
#include "io/numbers.hpp"
#include "io/sites_file.hpp"

namespace fs = std::filesystem;

namespace lc15::scenarios {

const char* edit_type_name(EditType t) {
    switch (t) {
        case EditType::kAddFacility:
            return "add_facility";
        case EditType::kMoveFacility:
            return "move_facility";
        case EditType::kCloseFacility:
            return "close_facility";
        case EditType::kAddStop:
            return "add_stop";
        case EditType::kRemoveStop:
            return "remove_stop";
        case EditType::kAddLink:
            return "add_link";
        case EditType::kCloseWay:
            return "close_way";
        case EditType::kCloseLink:
            return "close_link";
        case EditType::kSetPopulation:
            return "set_population";
        case EditType::kProfile:
            return "profile";
        case EditType::kOpenGate:
            return "open_gate";
    }
    return "?";
}

namespace {

constexpr EditType kAllTypes[] = {
    EditType::kAddFacility, EditType::kMoveFacility, EditType::kCloseFacility,
    EditType::kAddStop,     EditType::kRemoveStop,   EditType::kAddLink,
    EditType::kCloseWay,    EditType::kCloseLink,    EditType::kSetPopulation,
    EditType::kProfile,     EditType::kOpenGate};

std::string at(const fs::path& file, const toml::source_region& r) {
    if (!r.begin) return file.string();
    return file.string() + ":" + std::to_string(r.begin.line) + ":" +
           std::to_string(r.begin.column);
}

std::string fmt_point(LonLat p) {
    std::ostringstream o;
    o.precision(7);
    o << std::fixed << p.lon << ", " << p.lat;
    return o.str();
}

std::string fmt_m(double m) {
    std::ostringstream o;
    o << std::lround(m) << " m";
    return o.str();
}

// Reads one [[edit]] table; `where` is "file:line:col (edit n)".
class EditReader {
  public:
    EditReader(const fs::path& file, const toml::table& t, std::string where)
        : file_(file), t_(t), where_(std::move(where)) {}

    std::string where_of(const char* key) const {
        const toml::node* n = t_.get(key);
        if (!n) return where_;
        return at(file_, n->source()) + where_.substr(where_.find(" ("));
    }
    bool has(const char* key) const { return t_.contains(key); }

    std::string str(const char* key, bool required) const {
        const toml::node* n = t_.get(key);
        if (!n) {
            if (required)
                throw InputError(where_, std::string("missing '") + key + "'", hint_for(key));
            return {};
        }
        if (auto v = n->value<std::string>()) return *v;
        throw InputError(where_of(key), std::string("'") + key + "' must be a string",
                         std::string("write ") + key + " = \"...\"");
    }
    double num(const char* key, bool required, double fallback = 0) const {
        const toml::node* n = t_.get(key);
        if (!n) {
            if (required)
                throw InputError(where_, std::string("missing '") + key + "'", hint_for(key));
            return fallback;
        }
        if (auto v = n->value<double>()) {
            if (!std::isfinite(*v))
                throw InputError(where_of(key), std::string("'") + key + "' is not a finite number",
                                 hint_for(key));
            return *v;
        }
        throw InputError(where_of(key), std::string("'") + key + "' must be a number", {});
    }
    std::int64_t integer(const char* key) const {
        const toml::node* n = t_.get(key);
        if (!n) throw InputError(where_, std::string("missing '") + key + "'", hint_for(key));
        if (auto v = n->value<std::int64_t>()) return *v;
        throw InputError(where_of(key), std::string("'") + key + "' must be an integer", {});
    }
    // [lon, lat] array under `key`.
    LonLat pair(const char* key, const io::CrsTransformer& crs) const {
        const toml::node* n = t_.get(key);
        if (!n) throw InputError(where_, std::string("missing '") + key + "'", hint_for(key));
        const toml::array* a = n->as_array();
        if (!a || a->size() != 2 || !(*a)[0].value<double>() || !(*a)[1].value<double>()) {
            throw InputError(where_of(key), std::string("'") + key + "' must be [lon, lat]",
                             std::string("write ") + key + " = [113.54, 22.27]");
        }
        return convert(*(*a)[0].value<double>(), *(*a)[1].value<double>(), crs, where_of(key));
    }
    LonLat lonlat(const io::CrsTransformer& crs) const {
        const double lon = num("lon", true), lat = num("lat", true);
        return convert(lon, lat, crs, where_of("lon"));
    }
    MultiPolygon polygon(const char* key, const io::CrsTransformer& crs) const {
        const toml::array* a = t_.get(key)->as_array();
        Ring ring;
        if (a) {
            for (const toml::node& p : *a) {
                const toml::array* xy = p.as_array();
                if (!xy || xy->size() != 2 || !(*xy)[0].value<double>() ||
                    !(*xy)[1].value<double>()) {
                    ring.clear();
                    break;
                }
                ring.push_back(convert(*(*xy)[0].value<double>(), *(*xy)[1].value<double>(), crs,
                                       where_of(key)));
            }
        }
        if (ring.size() < 3) {
            throw InputError(
                where_of(key),
                std::string("'") + key + "' must be a list of at least 3 [lon, lat] points",
                "write polygon = [[113.540, 22.270], [113.542, 22.270], [113.542, 22.272]]");
        }
        return {Polygon{std::move(ring), {}}};
    }
    void check_keys(std::initializer_list<const char*> allowed) const {
        for (const auto& [k, v] : t_) {
            if (k.str() == "type" || k.str() == "note") continue;
            const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                        [&k = k](const char* a) { return k.str() == a; });
            if (!ok) {
                std::string list = "type, note";
                for (const char* a : allowed) list += ", " + std::string(a);
                throw InputError(at(file_, v.source()) + where_.substr(where_.find(" (")),
                                 "unknown key '" + std::string(k.str()) + "' in this edit",
                                 "use one of: " + list);
            }
        }
    }
    const std::string& where() const { return where_; }

  private:
    static std::string hint_for(const char* key) {
        const std::string k = key;
        if (k == "lon" || k == "lat")
            return "give the point as lon = 113.54, lat = 22.27 (and crs = \"GCJ-02\" if it comes "
                   "from Amap)";
        if (k == "category") return "name the category id, e.g. category = \"kindergarten\"";
        if (k == "residents") return "give the number of residents, e.g. residents = 1200";
        if (k == "way") return "give the OSM way id, e.g. way = 123456789";
        if (k == "compound")
            return "name the compound by its id or name in the [compounds] file, e.g. compound = "
                   "\"c12\"";
        return {};
    }
    static LonLat convert(double x, double y, const io::CrsTransformer& crs,
                          const std::string& where) {
        const LonLat p = crs.to_wgs84(x, y);
        if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || std::abs(p.lat) > 90 ||
            std::abs(p.lon) > 180) {
            throw InputError(where,
                             "coordinates (" + std::to_string(x) + ", " + std::to_string(y) +
                                 ") are not a valid position in " + crs.crs().text(),
                             "coordinates are lon, lat in degrees (lon first)");
        }
        return p;
    }
    const fs::path& file_;
    const toml::table& t_;
    std::string where_;
};

// A facility is named by id or by name; with both, one would be ignored.
void refuse_id_and_name(const EditReader& r) {
    if (r.has("id") && r.has("name")) {
        throw InputError(r.where(), "give either id or name of the facility, not both",
                         "keep id = \"...\" (ids are unique; names may repeat)");
    }
}

// A sites file written by `lc15 optimize` (sites.csv), or any point file; values in the
// edit's crs when the file does not declare one (CSV).
void read_sites(const fs::path& path, const std::string& where, const io::CrsTransformer& crs,
                Edit& e) {
    for (const io::Site& site : io::read_sites(path, crs.crs(), where)) {
        e.points.push_back(site.pos);
        e.point_names.push_back(site.name.empty() ? e.name : site.name);
    }
}

}  // namespace

Scenario load_scenario(const fs::path& path) {
    io::require_readable(path, "scenario file");
    toml::table t;
    try {
        t = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw InputError(
            at(path, e.source()), "not valid TOML: " + std::string(e.description()),
            "fix the syntax at that line (strings need quotes, edits are [[edit]] tables)");
    }
    Scenario s;
    s.path = path;
    for (const auto& [k, v] : t) {
        static const char* top[] = {"name", "description", "base", "profile", "edit"};
        if (std::none_of(std::begin(top), std::end(top),
                         [&k = k](const char* a) { return k.str() == a; })) {
            throw InputError(at(path, v.source()), "unknown key '" + std::string(k.str()) + "'",
                             "a scenario has name, description, base, profile and [[edit]] tables");
        }
    }
    s.name = t["name"].value_or(path.stem().string());
    s.description = t["description"].value_or(std::string{});
    const auto base = t["base"].value<std::string>();
    if (!base) {
        throw InputError(path.string(), "missing 'base' (the city config this scenario changes)",
                         "add base = \"../configs/city.toml\" (relative to this file)");
    }
    s.base = (path.parent_path() / *base).lexically_normal();
    if (auto prof = t["profile"].value<std::string>()) {
        Edit e;
        e.type = EditType::kProfile;
        e.profile = *prof;
        e.where = at(path, t.get("profile")->source()) + " (profile)";
        s.edits.push_back(std::move(e));
    }

    const toml::array* edits = t["edit"].as_array();
    if (t.contains("edit") && !edits) {
        throw InputError(at(path, t.get("edit")->source()), "'edit' must be [[edit]] tables", {});
    }
    if (!edits) return s;
    std::size_t index = 0;
    for (const toml::node& node : *edits) {
        ++index;
        const toml::table* et = node.as_table();
        const std::string where = at(path, node.source()) + " (edit " + std::to_string(index) + ")";
        if (!et)
            throw InputError(where, "an edit must be a table",
                             "write [[edit]] then key = value lines");
        EditReader r(path, *et, where);
        Edit e;
        e.index = index;
        e.where = where;
        const std::string type = r.str("type", false);
        bool known = false;
        for (EditType k : kAllTypes) {
            if (type == edit_type_name(k)) {
                e.type = k;
                known = true;
            }
        }
        if (!known) {
            std::string list;
            for (EditType k : kAllTypes)
                list += (list.empty() ? "" : ", ") + std::string(edit_type_name(k));
            throw InputError(r.where_of("type"),
                             type.empty() ? "missing 'type'" : "unknown edit type '" + type + "'",
                             "use one of: " + list);
        }
        const std::string crs_text = r.str("crs", false);
        const io::CrsTransformer crs(
            crs_text.empty() ? io::Crs::wgs84() : io::Crs::parse(crs_text, r.where_of("crs")));
        switch (e.type) {
            case EditType::kAddFacility:
                r.check_keys({"category", "lon", "lat", "crs", "name", "capacity", "sites"});
                e.category = r.str("category", true);
                e.name = r.str("name", false);
                if (r.has("capacity")) {
                    e.capacity = io::check_number(r.num("capacity", true), io::Range::above(0, 1e7),
                                                  r.where_of("capacity"), "capacity");
                }
                if (r.has("sites")) {
                    if (r.has("lon") || r.has("lat")) {
                        throw InputError(where, "give either lon/lat or sites, not both", {});
                    }
                    read_sites(path.parent_path() / r.str("sites", true), r.where_of("sites"), crs,
                               e);
                } else {
                    e.points.push_back(r.lonlat(crs));
                    e.point_names.push_back(e.name);
                }
                break;
            case EditType::kAddStop:
                r.check_keys({"lon", "lat", "crs", "name"});
                e.name = r.str("name", false);
                e.points.push_back(r.lonlat(crs));
                e.point_names.push_back(e.name);
                break;
            case EditType::kMoveFacility:
                r.check_keys({"category", "id", "name", "lon", "lat", "crs"});
                refuse_id_and_name(r);
                e.category = r.str("category", false);
                e.ref = r.has("id") ? r.str("id", true) : r.str("name", false);
                if (e.ref.empty())
                    throw InputError(where, "missing 'id' or 'name' of the facility to move",
                                     "add id = \"...\" (as in the city's facility list)");
                e.points.push_back(r.lonlat(crs));
                break;
            case EditType::kCloseFacility:
            case EditType::kRemoveStop:
                r.check_keys({"category", "id", "name"});
                refuse_id_and_name(r);
                e.category = r.str("category", false);
                e.ref = r.has("id") ? r.str("id", true) : r.str("name", false);
                if (e.ref.empty())
                    throw InputError(where, "missing 'id' or 'name'",
                                     "add id = \"...\" (as in the city's facility or stop list)");
                break;
            case EditType::kAddLink:
                r.check_keys({"from", "to", "crs", "name"});
                e.name = r.str("name", false);
                e.points.push_back(r.pair("from", crs));
                e.points.push_back(r.pair("to", crs));
                break;
            case EditType::kCloseWay:
                r.check_keys({"way"});
                e.way_id = r.integer("way");
                break;
            case EditType::kCloseLink:
                r.check_keys({"lon", "lat", "crs"});
                e.points.push_back(r.lonlat(crs));
                break;
            case EditType::kSetPopulation:
                r.check_keys({"lon", "lat", "polygon", "crs", "residents", "name"});
                e.name = r.str("name", false);
                e.residents = io::check_number(r.num("residents", true),
                                               io::Range::closed(0, 1e8, "residents"),
                                               r.where_of("residents"), "residents");
                if (r.has("polygon") && (r.has("lon") || r.has("lat"))) {
                    throw InputError(where, "give either polygon or lon/lat, not both",
                                     "a polygon scales the homes inside it; a point adds a home");
                }
                if (r.has("polygon")) {
                    e.area = r.polygon("polygon", crs);
                } else {
                    e.points.push_back(r.lonlat(crs));
                }
                break;
            case EditType::kProfile:
                r.check_keys({"profile"});
                e.profile = r.str("profile", true);
                break;
            case EditType::kOpenGate:
                r.check_keys({"compound", "lon", "lat", "crs", "name"});
                e.ref = r.str("compound", true);
                e.name = r.str("name", false);
                e.points.push_back(r.lonlat(crs));
                break;
        }
        s.edits.push_back(std::move(e));
    }
    return s;
}

// ------------------------------------------------------------------------------------------
// Evaluation

std::vector<SnapResult> snap_facility(const ScenarioCity& c, const Snapper& s, std::uint32_t cat,
                                      std::size_t i, double max_snap) {
    const MultiPolygon* area = cat < c.facility_areas.size() && i < c.facility_areas[cat].size()
                                   ? &c.facility_areas[cat][i]
                                   : nullptr;
    if (area && !area->empty()) {
        EntranceOptions o;
        if (cat < c.entrance_modes.size()) o.mode = c.entrance_modes[cat];
        return area_entrances(s, *area, c.gates, o, max_snap);
    }
    return {s.snap(c.facilities[cat][i].pos, max_snap)};
}

std::unique_ptr<Snapper> make_snapper(const ScenarioCity& c, const WalkGraph& g,
                                      std::uint8_t forbidden) {
    auto s = std::make_unique<Snapper>(g, forbidden);
    if (c.island_rule) s->set_island_rule(*c.island_rule);
    return s;
}

namespace {

constexpr std::uint64_t kScenarioKey = (std::uint64_t{1} << 63) | (std::uint64_t{1} << 62);
// An opened gate lies in the compound's wall: at most this far from its boundary (m).
constexpr double kGateWallM = 20.0;

bool structural(EditType t) {
    return t == EditType::kAddLink || t == EditType::kCloseWay || t == EditType::kCloseLink ||
           t == EditType::kSetPopulation || t == EditType::kProfile || t == EditType::kOpenGate;
}

// The network, points and options a scenario model is built on.
struct World {
    std::unique_ptr<WalkGraph> owned;  // null: the city's graph
    const WalkGraph* graph = nullptr;
    std::unique_ptr<Snapper> snapper;
    std::vector<Home> homes;
    std::vector<LonLat> home_pos;
    CoverageOptions options;
    std::vector<CategoryRule> rules;
    std::string profile;  // the walker profile (the last profile edit's, else the city's)
    std::uint64_t next_key = 0;
};

}  // namespace

struct ScenarioEvaluator::Impl {
    const ScenarioCity& city;
    std::unique_ptr<Snapper> snapper;
    std::unique_ptr<CoverageModel> model;
    std::vector<std::vector<FacilityHandle>> handles;  // per category, like city.facilities
    std::vector<std::vector<char>> base_covered;       // [cat][home]
    std::vector<std::vector<Distance>> base_nearest;   // [cat][home]
    CoverageReport base_report;
    // Per handle of the base model: places. A scenario writes the places of the facilities it
    // adds here, and they stay: those handles are inactive once it is undone (and never
    // reused), so they count nowhere, and no scenario copies the city's list.
    std::vector<double> handle_places;
    // Per category with a demand group: the base model's places, kept up to date through a
    // scenario's facility edits and undone with them (empty for the other categories).
    std::vector<std::optional<PlaceTracker>> trackers;

    explicit Impl(const ScenarioCity& c) : city(c) {
        snapper = make_snapper(c, *c.graph, c.options.forbidden_flags);
        model = std::make_unique<CoverageModel>(*c.graph, c.rules, c.options);
        model->set_homes(c.homes);
        handles = add_all(*model, *snapper, c.max_snap_m);
        model->compute();
        index_facilities();
        base_report = model->report(num_communities());
        handle_places = places_of_handles(*model);
        trackers.resize(c.rules.size());
        for (std::uint32_t k = 0; k < c.rules.size(); ++k) {
            if (demand_rule(k).enabled())
                trackers[k].emplace(*model, k, demand_rule(k), handle_places, num_communities(),
                                    c.decay);
        }
        base_covered = covered_flags(*model);
        base_nearest.resize(c.rules.size());
        for (std::uint32_t k = 0; k < c.rules.size(); ++k) {
            base_nearest[k].resize(c.homes.size());
            for (HomeId h = 0; h < c.homes.size(); ++h)
                base_nearest[k][h] = model->home(k, h).nearest;
        }
    }

    std::uint32_t num_communities() const {
        return static_cast<std::uint32_t>(city.community_names.size());
    }

    // ---- places against demand (engine/capacity.hpp) ----
    const DemandRule& demand_rule(std::uint32_t cat) const {
        static const DemandRule none;
        return cat < city.demand.size() ? city.demand[cat] : none;
    }
    // Places per handle of a model whose facilities add_all added (same order).
    std::vector<double> places_of_handles(const CoverageModel& m) const {
        std::vector<double> out;
        out.reserve(m.num_facility_handles());
        for (std::uint32_t cat = 0; cat < city.facilities.size(); ++cat)
            for (std::size_t i = 0; i < city.facilities[cat].size(); ++i)
                out.push_back(cat < city.facility_places.size() &&
                                      i < city.facility_places[cat].size()
                                  ? city.facility_places[cat][i]
                                  : 0.0);
        return out;
    }
    // Places of one site an add_facility edit adds; refuses a capacity that would do nothing.
    double site_places(const Edit& e, std::uint32_t cat, std::string& note) const {
        const DemandRule& d = demand_rule(cat);
        if (!std::isnan(e.capacity)) {
            if (!d.enabled()) {
                throw InputError(e.where,
                                 "capacity given for category '" + city.rules[cat].id +
                                     "', which has no demand group: the places would change "
                                     "nothing",
                                 "remove capacity, or give the category a demand table in the "
                                 "rules (docs/METHOD.md, places against demand)");
            }
            note = ", " + fmt_places(e.capacity) + " places";
            return e.capacity;
        }
        if (!d.enabled()) return 0.0;
        if (!std::isnan(d.default_capacity)) {
            note = ", " + fmt_places(d.default_capacity) +
                   " places (assumed: " + d.capacity_source + ")";
            return d.default_capacity;
        }
        note = ", no capacity given: adds coverage, no places";
        return 0.0;
    }
    static std::string fmt_places(double v) {
        std::ostringstream o;
        o << v;
        return o.str();
    }

    std::vector<std::vector<FacilityHandle>> add_all(CoverageModel& m, const Snapper& s,
                                                     double max_snap) const {
        std::vector<std::vector<FacilityHandle>> h(city.facilities.size());
        for (std::uint32_t cat = 0; cat < city.facilities.size(); ++cat) {
            for (std::size_t i = 0; i < city.facilities[cat].size(); ++i)
                h[cat].push_back(m.add_facility(cat, snap_facility(city, s, cat, i, max_snap)));
        }
        return h;
    }

    std::vector<std::vector<char>> covered_flags(const CoverageModel& m) const {
        std::vector<std::vector<char>> out(m.rules().size());
        for (std::uint32_t cat = 0; cat < out.size(); ++cat) {
            out[cat].resize(m.homes().size());
            for (HomeId h = 0; h < m.homes().size(); ++h) out[cat][h] = m.covered(cat, h) ? 1 : 0;
        }
        return out;
    }

    // Refuses a point outside the city or too far from the network; returns its snap.
    SnapResult place(const Snapper& s, LonLat p, const Edit& e) const {
        const auto& b = city.bbox;
        if (p.lon < b[0] || p.lon > b[2] || p.lat < b[1] || p.lat > b[3]) {
            throw InputError(e.where,
                             std::string(edit_type_name(e.type)) + ": point " + fmt_point(p) +
                                 " (WGS84) lies outside the city's bounds [" +
                                 fmt_point({b[0], b[1]}) + " – " + fmt_point({b[2], b[3]}) + "]",
                             "check the coordinates (lon first) and the crs: Amap coordinates "
                             "need crs = \"GCJ-02\"");
        }
        const SnapResult r = s.snap(p, city.max_snap_m);
        if (!r.ok()) {
            const double d = s.nearest_metres(p);
            const SnapResult n = s.snap(p, std::isfinite(d) ? d + 1 : 1e9);
            throw InputError(e.where,
                             std::string(edit_type_name(e.type)) + ": point " + fmt_point(p) +
                                 " lies " + fmt_m(d) + " from the nearest walkable street (limit " +
                                 fmt_m(city.max_snap_m) + ")",
                             n.ok()
                                 ? "the nearest valid place is " + fmt_point(n.on_edge) + " (WGS84)"
                                 : "the network is empty");
        }
        return r;
    }

    std::uint32_t category_of(const std::string& id, const Edit& e) const {
        for (std::uint32_t c = 0; c < city.rules.size(); ++c)
            if (city.rules[c].id == id) return c;
        std::string list;
        for (const auto& r : city.rules) list += (list.empty() ? "" : ", ") + r.id;
        throw InputError(e.where, "unknown category '" + id + "'", "use one of: " + list);
    }

    // Finds the facility `ref` (id, else name) among the categories allowed.
    std::pair<std::uint32_t, std::size_t> find_facility(const Edit& e,
                                                        std::uint32_t only_cat) const {
        std::vector<std::pair<std::uint32_t, std::size_t>> found =
            named(facility_ids, e.ref, only_cat);
        if (found.empty()) found = named(facility_names, e.ref, only_cat);
        if (found.size() == 1) return found.front();
        if (found.empty()) {
            throw InputError(e.where, "no facility with id or name '" + e.ref + "'",
                             "use an id from the city's facility list (lc15 coverage writes them)");
        }
        std::string ids;
        for (const auto& [c, i] : found)
            ids += (ids.empty() ? "" : ", ") + city.facilities[c][i].id;
        throw InputError(e.where, "the name '" + e.ref + "' is ambiguous", "name it by id: " + ids);
    }

    // The city's facilities by id or by name: (key, category << 32 | index), sorted, so a
    // reference is looked up instead of compared with every facility of the city. Views into
    // city.facilities; empty keys left out (a reference is never empty).
    using FacilityKey = std::pair<std::string_view, std::uint64_t>;
    std::vector<FacilityKey> facility_ids, facility_names;
    void index_facilities() {
        for (std::uint32_t c = 0; c < city.facilities.size(); ++c) {
            for (std::size_t i = 0; i < city.facilities[c].size(); ++i) {
                const std::uint64_t at = (std::uint64_t{c} << 32) | i;
                const ScenarioFacility& f = city.facilities[c][i];
                if (!f.id.empty()) facility_ids.emplace_back(f.id, at);
                if (!f.name.empty()) facility_names.emplace_back(f.name, at);
            }
        }
        std::sort(facility_ids.begin(), facility_ids.end());
        std::sort(facility_names.begin(), facility_names.end());
    }
    // The facilities under `key` in (category, index) order, of category `only_cat` unless it
    // is kInvalidId.
    static std::vector<std::pair<std::uint32_t, std::size_t>> named(
        const std::vector<FacilityKey>& index, std::string_view key, std::uint32_t only_cat) {
        struct ByKey {
            bool operator()(const FacilityKey& a, std::string_view b) const { return a.first < b; }
            bool operator()(std::string_view a, const FacilityKey& b) const { return a < b.first; }
        };
        std::vector<std::pair<std::uint32_t, std::size_t>> out;
        const auto [lo, hi] = std::equal_range(index.begin(), index.end(), key, ByKey{});
        for (auto it = lo; it != hi; ++it) {
            const auto c = static_cast<std::uint32_t>(it->second >> 32);
            if (only_cat == kInvalidId || c == only_cat)
                out.emplace_back(c, static_cast<std::size_t>(it->second & 0xffffffffu));
        }
        return out;
    }

    // open_gate: the homes of the named compound gain a way to a new gate in its wall.
    void open_gate(const Edit& e, World& w, std::vector<std::string>& log) const {
        std::vector<std::size_t> by_id, by_name;
        for (std::size_t c = 0; c < city.compounds.size(); ++c) {
            if (city.compounds[c].id == e.ref)
                by_id.push_back(c);
            else if (city.compounds[c].name == e.ref)
                by_name.push_back(c);
        }
        const auto& found = by_id.empty() ? by_name : by_id;
        if (found.size() != 1) {
            std::string ids;
            for (std::size_t c : found) ids += (ids.empty() ? "" : ", ") + city.compounds[c].id;
            if (found.empty()) {
                throw InputError(e.where, "open_gate: no compound with id or name '" + e.ref + "'",
                                 city.compounds.empty()
                                     ? "the base city has no compounds: add a [compounds] "
                                       "file to its config"
                                     : "use an id from the [compounds] file");
            }
            throw InputError(e.where, "open_gate: the name '" + e.ref + "' is ambiguous",
                             "name the compound by id: " + ids);
        }
        const std::size_t c = found.front();
        const ScenarioCompound& sc = city.compounds[c];
        if (sc.gates.empty()) {
            throw InputError(e.where,
                             "open_gate: compound " + sc.id +
                                 " has no gates, so its homes "
                                 "already reach the nearest street",
                             "give the compound's gates in the [compounds] config first");
        }
        const LonLat p = e.points.front();
        const double off_wall = boundary_distance_m(sc.area, p);
        if (!(off_wall <= kGateWallM)) {
            throw InputError(
                e.where,
                "open_gate: the gate lies " + fmt_m(off_wall) +
                    " from the wall of "
                    "compound " +
                    sc.id,
                "put the gate on the compound's boundary (within " + fmt_m(kGateWallM) + ")");
        }
        std::vector<GatedCompound> cs{{sc.area, {p}}};
        std::vector<CompoundHome> hs(w.homes.size());
        std::size_t n = 0;
        for (HomeId h = 0; h < hs.size(); ++h) {
            hs[h].pos = w.home_pos[h];
            if (h < city.home_compound.size() && city.home_compound[h] == c) {
                hs[h].compound = 0;
                ++n;
            }
        }
        std::vector<std::string> notes;
        std::uint64_t key = 0;
        auto g = std::make_unique<WalkGraph>(add_compound_access(
            *w.graph, cs, hs, w.options.forbidden_flags, city.max_snap_m, key, &notes));
        if (!notes.empty()) {
            throw InputError(e.where,
                             "open_gate: no walkable street within " + fmt_m(city.max_snap_m) +
                                 " of the gate at " + fmt_point(p),
                             "put the gate where the wall meets a street or path");
        }
        w.owned = std::move(g);
        w.graph = w.owned.get();
        log.push_back("open_gate" + (e.name.empty() ? "" : " '" + e.name + "'") + " in compound " +
                      sc.id + " at " + fmt_point(p) + ": " + std::to_string(n) +
                      " homes gain a gate");
    }

    // Builds the modified network and homes for the structural edits, in file order.
    World build_world(const Scenario& s, std::vector<std::string>& log) const {
        World w;
        w.graph = city.graph;
        w.homes = city.homes;
        w.home_pos = city.home_pos;
        w.options = city.options;
        w.options.forbidden_flags |= kEdgeClosed;  // what a scenario closes is never walked
        w.rules = city.rules;
        w.profile = city.profile;
        double speed_now = 0;
        for (const auto& [name, p] : city.profiles)
            if (name == city.profile) speed_now = p.speed_m_per_s;
        if (speed_now <= 0) speed_now = city.options.speed_m_per_s;
        // Homes, facilities and edit points never snap onto a scenario's own links (walked, not
        // lived on): a home re-snapped onto the middle of a long footbridge would walk farther
        // than before, so a new link could cost coverage. Streets split for a link keep their
        // geometry, so every snap lands where it did and distances can only shrink.
        auto unsnappable = [&w] {  // the flags in force when a snapper is made
            return static_cast<std::uint8_t>(w.options.forbidden_flags | kEdgeArtificial);
        };
        std::unique_ptr<Snapper> snap = make_snapper(city, *w.graph, unsnappable());
        // A link or a closure names a street: its points go to the nearest street, island or
        // not (a link is how a planner joins an island to the network).
        std::unique_ptr<Snapper> street;
        auto street_snapper = [&]() -> const Snapper& {
            if (!street) street = std::make_unique<Snapper>(*w.graph, unsnappable());
            return *street;
        };
        bool network_changed = false;
        for (const Edit& e : s.edits) {
            if (!structural(e.type)) continue;
            if (e.type == EditType::kProfile) {
                auto it = city.profiles.find(e.profile);
                if (it == city.profiles.end()) {
                    std::string list;
                    for (const auto& [n, p] : city.profiles) list += (list.empty() ? "" : ", ") + n;
                    throw InputError(e.where, "unknown walker profile '" + e.profile + "'",
                                     "use one of: " + list);
                }
                // Radii are walks of the category's minutes at the adult pace; a slower walker
                // covers proportionally less street in the same time.
                const double f = it->second.speed_m_per_s / speed_now;
                for (auto& r : w.rules) r.radius_m *= f;
                w.options.speed_m_per_s = it->second.speed_m_per_s;
                if (it->second.exclude_steps) w.options.forbidden_flags |= kEdgeSteps;
                network_changed = true;
                w.profile = e.profile;
                log.push_back("profile " + e.profile + ": radii x " + std::to_string(f));
                continue;
            }
            if (e.type == EditType::kSetPopulation) {
                if (!e.area.empty()) {
                    double sum = 0;
                    std::vector<HomeId> inside;
                    for (HomeId h = 0; h < w.homes.size(); ++h) {
                        if (contains(e.area, w.home_pos[h])) {
                            inside.push_back(h);
                            sum += w.homes[h].population;
                        }
                    }
                    if (sum > 0) {
                        for (HomeId h : inside) w.homes[h].population *= e.residents / sum;
                        log.push_back(
                            "set_population" + (e.name.empty() ? "" : " '" + e.name + "'") + ": " +
                            std::to_string(inside.size()) + " homes in the area scaled to " +
                            std::to_string(e.residents));
                        continue;
                    }
                }
                const LonLat p = e.area.empty() ? e.points.front() : centroid(e.area);
                Home h;
                h.population = e.residents;
                h.snap = place(*snap, p, e);
                if (!city.community_areas.empty()) {
                    h.community = PolygonIndex(city.community_areas).find(p);
                }
                w.homes.push_back(h);
                w.home_pos.push_back(p);
                log.push_back("set_population" + (e.name.empty() ? "" : " '" + e.name + "'") +
                              ": new home of " + std::to_string(e.residents) + " residents at " +
                              fmt_point(p));
                continue;
            }
            if (e.type == EditType::kOpenGate) {
                open_gate(e, w, log);
                snap = make_snapper(city, *w.graph, unsnappable());
                street.reset();
                network_changed = true;
                continue;
            }
            // Network edits: a modified copy of the current graph.
            const WalkGraph& g = *w.graph;
            std::vector<std::uint8_t> extra(g.num_edges(), 0);
            GraphBuilder b;
            if (e.type == EditType::kCloseWay) {
                std::size_t n = 0;
                for (EdgeId x = 0; x < g.num_edges(); ++x) {
                    if (g.edge_source_id(x) == e.way_id) {
                        extra[x] |= kEdgeClosed;
                        ++n;
                    }
                }
                if (n == 0) {
                    throw InputError(
                        e.where, "no walkable street has OSM way id " + std::to_string(e.way_id),
                        "take the way id from openstreetmap.org (way/…), or use close_link with a "
                        "point");
                }
                b = GraphBuilder::from_graph(g, extra);
                log.push_back("close_way " + std::to_string(e.way_id) + ": " + std::to_string(n) +
                              " street segments closed");
            } else if (e.type == EditType::kCloseLink) {
                const SnapResult r = place(street_snapper(), e.points.front(), e);
                extra[r.edge] |= kEdgeClosed;
                b = GraphBuilder::from_graph(g, extra);
                log.push_back("close_link at " + fmt_point(e.points.front()) +
                              ": street segment of way " +
                              std::to_string(g.edge_source_id(r.edge)) + " closed");
            } else {  // add_link: split the two streets at the snapped points, join them
                const SnapResult a = place(street_snapper(), e.points[0], e);
                const SnapResult c = place(street_snapper(), e.points[1], e);
                if (a.edge == c.edge) {
                    throw InputError(
                        e.where, "add_link: both ends lie on the same street segment",
                        "a link joins two different streets (or two ends of a dead end)");
                }
                extra[a.edge] |= kEdgeClosed;
                extra[c.edge] |= kEdgeClosed;
                b = GraphBuilder::from_graph(g, extra);
                auto split = [&](const SnapResult& r) {
                    const std::uint64_t mid = kScenarioKey | w.next_key++;
                    const auto shape = g.edge_shape(r.edge);
                    const auto offs = g.edge_shape_offsets(r.edge);
                    std::vector<WayNode> first{{g.vertex_key(g.edge_tail(r.edge)), shape.front()}};
                    std::vector<WayNode> second{{mid, r.on_edge}};
                    for (std::size_t i = 1; i + 1 < shape.size(); ++i) {
                        WayNode n{kScenarioKey | w.next_key++, shape[i]};
                        (offs[i] < r.off_tail ? first : second).push_back(n);
                    }
                    first.push_back({mid, r.on_edge});
                    second.push_back({g.vertex_key(g.edge_head(r.edge)), shape.back()});
                    const std::uint8_t fl = g.edge_flags(r.edge);
                    b.add_way(g.edge_source_id(r.edge), first, fl);
                    b.add_way(g.edge_source_id(r.edge), second, fl);
                    return WayNode{mid, r.on_edge};
                };
                const WayNode ma = split(a), mc = split(c);
                std::vector<WayNode> link{ma, mc};
                b.add_way(-static_cast<std::int64_t>(e.index), link, kEdgeArtificial);
                log.push_back("add_link " + (e.name.empty() ? std::string("link") : e.name) + ": " +
                              fmt_m(haversine_m(ma.pos, mc.pos)) + " from " + fmt_point(ma.pos) +
                              " to " + fmt_point(mc.pos));
            }
            w.owned = std::make_unique<WalkGraph>(std::move(b).build());
            w.graph = w.owned.get();
            snap = make_snapper(city, *w.graph, unsnappable());
            street.reset();
            network_changed = true;
        }
        if (network_changed) {
            snap = make_snapper(city, *w.graph, unsnappable());
            // A home of a gated compound stays on its own vertex: it leaves through the gates.
            const std::vector<SnapResult> gated =
                city.compounds.empty() ? std::vector<SnapResult>{}
                                       : compound_home_snaps(*w.graph, w.homes.size());
            for (HomeId h = 0; h < w.homes.size(); ++h)
                w.homes[h].snap = h < gated.size() && gated[h].ok()
                                      ? gated[h]
                                      : snap->snap(w.home_pos[h], city.max_snap_m);
        }
        w.snapper = std::move(snap);
        return w;
    }

    // What undoes one facility edit (and names the facility it edited).
    struct Undo {
        enum Kind { kRemove, kRestore, kMoveBack } kind;
        FacilityHandle handle;
        std::uint32_t cat;
        std::vector<SnapResult> snap;  // the entrances to restore
    };

    // Applies the facility edits incrementally on `m`, appending to `undo` what undoes each
    // as soon as it is made (so that edits made before one that is refused can be undone).
    // Every edit's changes are appended to `all` when given.
    // `places` (per handle) gains the places of every added site; `touched` the categories.
    void apply_facility_edits(const Scenario& s, CoverageModel& m, const Snapper& snap,
                              const std::vector<std::vector<FacilityHandle>>& hs,
                              std::vector<std::string>& log, std::size_t& changed,
                              std::vector<double>& places, std::vector<char>& touched,
                              std::vector<Undo>& undo, Delta* all = nullptr) const {
        auto keep = [&](const Delta& d) {
            if (all) all->changes.insert(all->changes.end(), d.changes.begin(), d.changes.end());
        };
        std::vector<std::vector<char>> closed(hs.size());
        for (std::size_t c = 0; c < hs.size(); ++c) closed[c].assign(hs[c].size(), 0);
        for (const Edit& e : s.edits) {
            if (structural(e.type)) continue;
            Delta d;
            switch (e.type) {
                case EditType::kAddFacility:
                case EditType::kAddStop: {
                    std::uint32_t cat;
                    if (e.type == EditType::kAddStop) {
                        if (city.stop_category == kInvalidId) {
                            throw InputError(
                                e.where, "add_stop: the rule set has no bus-stop category",
                                "add a category with from_bus_stops = true to the rules");
                        }
                        cat = city.stop_category;
                    } else {
                        cat = category_of(e.category, e);
                    }
                    std::string note;
                    const double site =
                        e.type == EditType::kAddFacility ? site_places(e, cat, note) : 0.0;
                    touched.at(cat) = 1;
                    for (std::size_t i = 0; i < e.points.size(); ++i) {
                        const SnapResult r = place(snap, e.points[i], e);
                        Delta di;
                        const FacilityHandle f = m.add_facility(cat, r, &di);
                        undo.push_back({Undo::kRemove, f, cat, {r}});
                        places.resize(m.num_facility_handles(), 0.0);
                        places[f] = site;
                        changed += di.changes.size();
                        keep(di);
                        log.push_back(
                            std::string(edit_type_name(e.type)) + " " + city.rules[cat].id + " '" +
                            e.point_names[i] + "' at " + fmt_point(e.points[i]) + ": " +
                            std::to_string(di.changes.size()) + " home results changed" + note);
                    }
                    continue;
                }
                case EditType::kMoveFacility:
                case EditType::kCloseFacility:
                case EditType::kRemoveStop: {
                    std::uint32_t only = kInvalidId;
                    if (e.type == EditType::kRemoveStop)
                        only = city.stop_category;
                    else if (!e.category.empty())
                        only = category_of(e.category, e);
                    const auto [cat, i] = find_facility(e, only);
                    if (closed[cat][i]) {
                        throw InputError(
                            e.where,
                            "facility '" + e.ref + "' was already closed by an earlier edit", {});
                    }
                    const FacilityHandle f = hs[cat][i];
                    const std::vector<SnapResult> old = m.facility_entrances(f);
                    touched.at(cat) = 1;
                    if (e.type == EditType::kMoveFacility) {
                        const SnapResult r = place(snap, e.points.front(), e);
                        m.move_facility(f, r, &d);
                        undo.push_back({Undo::kMoveBack, f, cat, old});
                        log.push_back("move_facility " + city.facilities[cat][i].id + " to " +
                                      fmt_point(e.points.front()) + ": " +
                                      std::to_string(d.changes.size()) + " home results changed");
                    } else {
                        m.remove_facility(f, &d);
                        closed[cat][i] = 1;
                        undo.push_back({Undo::kRestore, f, cat, old});
                        log.push_back(
                            std::string(edit_type_name(e.type)) + " " + city.facilities[cat][i].id +
                            " (" + city.facilities[cat][i].name +
                            "): " + std::to_string(d.changes.size()) + " home results changed");
                    }
                    changed += d.changes.size();
                    keep(d);
                    continue;
                }
                default:
                    continue;
            }
        }
    }

    // Place figures of every category with a demand group, before (the base's) and after:
    // the base's for a category no edit touched; else, with `edited` (the undo list of the
    // facility edits applied to the base model itself), the base's tracker brought up to date
    // with the facilities they edited (undo_places takes that back); without, a fresh
    // measure_places on `m`. `places` is per handle of `m`.
    void add_places(ScenarioOutcome& out, const CoverageModel& m, std::vector<double>& places,
                    const std::vector<char>& touched, const std::vector<Undo>* edited) {
        places.resize(m.num_facility_handles(), 0.0);
        for (std::uint32_t k = 0; k < city.rules.size(); ++k) {
            if (!trackers[k]) continue;
            PlaceTracker& t = *trackers[k];
            fill_places(out, k, t.report(), false);
            if (!touched[k]) {
                fill_places(out, k, t.report(), true);
            } else if (edited) {
                std::vector<FacilityHandle> fs;
                for (const Undo& u : *edited)
                    if (u.cat == k) fs.push_back(u.handle);
                t.update(m, fs, places);
                fill_places(out, k, t.report(), true);
            } else {
                fill_places(
                    out, k,
                    measure_places(m, k, demand_rule(k), places, num_communities(), city.decay),
                    true);
            }
        }
    }
    void undo_places() {
        for (auto& t : trackers)
            if (t) t->undo();
    }
    void fill_places(ScenarioOutcome& out, std::uint32_t k, const PlaceReport& r,
                     bool after) const {
        auto fill = [after](CategoryChange& c, const CommunityPlaces& x) {
            c.has_places = true;
            (after ? c.demand_after : c.demand_before) = x.demand;
            (after ? c.places_after : c.places_before) = x.places;
            (after ? c.gap_after : c.gap_before) = x.gap;
        };
        for (std::uint32_t c = 0; c < num_communities(); ++c)
            fill(out.communities[c].by_category[k], r.communities[c]);
        fill(out.city[k], r.city);
    }

    // `m` against the base. With `edits` (the changes of facility edits applied to the base
    // model itself) only the (category, home) pairs they name are compared and the base
    // report is brought up to date; without, every home is compared and `m` reported afresh.
    // Either way the figures are the same, summed in (category, home) order.
    // `after_out`: receives the report the "after" figures were read from.
    ScenarioOutcome compare(const Scenario& s, const CoverageModel& m,
                            const std::vector<Home>& homes, const Delta* edits = nullptr,
                            CoverageReport* after_out = nullptr) const {
        ScenarioOutcome out;
        out.name = s.name;
        out.description = s.description;
        const std::uint32_t nc = num_communities();
        const std::uint32_t ncat = static_cast<std::uint32_t>(city.rules.size());
        CoverageReport after;
        std::vector<std::pair<std::uint32_t, HomeId>> pairs;  // (category, home), ascending
        if (edits) {
            after = base_report;
            m.update_report(after, *edits);
            pairs.reserve(edits->changes.size());
            for (const HomeChange& c : edits->changes) pairs.emplace_back(c.category, c.home);
            std::sort(pairs.begin(), pairs.end());
            pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        } else {
            after = m.report(nc);
            pairs.reserve(std::size_t{ncat} * homes.size());
            for (std::uint32_t k = 0; k < ncat; ++k)
                for (HomeId h = 0; h < homes.size(); ++h) pairs.emplace_back(k, h);
        }
        out.city.resize(ncat);
        out.communities.resize(nc);
        for (std::uint32_t c = 0; c < nc; ++c) {
            auto& cc = out.communities[c];
            cc.name = city.community_names[c];
            cc.score_before = base_report.communities[c].score;
            cc.score_after = after.communities[c].score;
            cc.by_category.resize(ncat);
            for (std::uint32_t k = 0; k < ncat; ++k) {
                const auto& b = base_report.communities[c].by_category[k];
                const auto& a = after.communities[c].by_category[k];
                cc.by_category[k].covered_before = b.covered_population;
                cc.by_category[k].covered_after = a.covered_population;
                cc.by_category[k].share_before = b.share;
                cc.by_category[k].share_after = a.share;
            }
        }
        for (std::uint32_t k = 0; k < ncat; ++k) {
            out.city[k].covered_before = base_report.city[k].covered_population;
            out.city[k].covered_after = after.city[k].covered_population;
            out.city[k].share_before = base_report.city[k].share;
            out.city[k].share_after = after.city[k].share;
        }
        for (const auto& [k, h] : pairs) {
            if (h >= city.homes.size() || m.home(k, h).nearest != base_nearest[k][h])
                ++out.homes_changed;
            const bool was = h < city.homes.size() && base_covered[k][h];
            const bool is = m.covered(k, h);
            if (was == is) continue;
            const double pop = is ? homes[h].population : city.homes[h].population;
            CategoryChange& cc = out.city[k];
            (is ? cc.gained : cc.lost) += pop;
            const CommunityId com = homes[h].community;
            if (com < nc)
                (is ? out.communities[com].by_category[k].gained
                    : out.communities[com].by_category[k].lost) += pop;
        }
        out.city_score_before = base_report.city_score;
        out.city_score_after = after.city_score;
        if (after_out) *after_out = std::move(after);
        return out;
    }
};

ScenarioEvaluator::ScenarioEvaluator(const ScenarioCity& city)
    : impl_(std::make_unique<Impl>(city)) {}
ScenarioEvaluator::~ScenarioEvaluator() = default;
const CoverageModel& ScenarioEvaluator::base_model() const { return *impl_->model; }
const PlaceReport* ScenarioEvaluator::base_places(std::uint32_t cat) const {
    const auto& t = impl_->trackers;
    return cat < t.size() && t[cat] ? &t[cat]->report() : nullptr;
}

ScenarioOutcome ScenarioEvaluator::evaluate(const Scenario& s, ScenarioWorld* keep) {
    Impl& im = *impl_;
    const bool rebuild = std::any_of(s.edits.begin(), s.edits.end(),
                                     [](const Edit& e) { return structural(e.type); });
    std::vector<std::string> log;
    std::size_t changed = 0;
    if (!rebuild) {
        // Incremental on the shared base model and its place trackers, undone afterwards (also
        // when an edit is refused: the edits made before it are undone).
        std::vector<Impl::Undo> undo;
        auto roll_back = [&] {
            im.undo_places();
            for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
                if (it->kind == Impl::Undo::kRemove)
                    im.model->remove_facility(it->handle);
                else if (it->kind == Impl::Undo::kMoveBack)
                    im.model->move_facility(it->handle, it->snap);
                else  // a closed facility comes back under its own handle
                    im.model->restore_facility(it->handle, it->snap);
            }
        };
        ScenarioOutcome out;
        Delta edits;  // every change the scenario's edits made to the base model
        std::vector<double>& places = im.handle_places;
        std::vector<char> touched(im.city.rules.size(), 0);
        try {
            im.apply_facility_edits(s, *im.model, *im.snapper, im.handles, log, changed, places,
                                    touched, undo, &edits);
            out = im.compare(s, *im.model, im.city.homes, &edits);
            im.add_places(out, *im.model, places, touched, &undo);
        } catch (...) {
            roll_back();
            throw;
        }
        roll_back();
        out.log = std::move(log);
        return out;
    }
    World w = im.build_world(s, log);
    auto owned_model = std::make_unique<CoverageModel>(*w.graph, w.rules, w.options);
    CoverageModel& m = *owned_model;
    m.set_homes(w.homes);
    std::vector<std::vector<FacilityHandle>> handles(im.city.facilities.size());
    for (std::uint32_t cat = 0; cat < im.city.facilities.size(); ++cat) {
        for (std::size_t i = 0; i < im.city.facilities[cat].size(); ++i)
            handles[cat].push_back(m.add_facility(
                cat, snap_facility(im.city, *w.snapper, cat, i, im.city.max_snap_m)));
    }
    m.compute();
    std::vector<double> places = im.places_of_handles(m);
    std::vector<char> touched(im.city.rules.size(), 1);  // demand or reach may differ anywhere
    std::vector<Impl::Undo> undo;                        // not needed: the model is the scenario's
    im.apply_facility_edits(s, m, *w.snapper, handles, log, changed, places, touched, undo);
    CoverageReport after;
    ScenarioOutcome out = im.compare(s, m, w.homes, nullptr, keep ? &after : nullptr);
    im.add_places(out, m, places, touched, nullptr);
    out.rebuilt = true;
    out.log = std::move(log);
    if (keep) {
        keep->graph = std::move(w.owned);  // the model's graph: w.graph stays valid
        keep->model = std::move(owned_model);
        keep->report = std::move(after);
        keep->home_pos = std::move(w.home_pos);
        keep->profile = w.profile;
    }
    return out;
}

std::vector<std::size_t> ranking_order(const std::vector<ScenarioOutcome>& outcomes) {
    std::vector<std::size_t> order(outcomes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        const ScenarioOutcome& a = outcomes[x];
        const ScenarioOutcome& b = outcomes[y];
        const double da = a.city_score_after - a.city_score_before;
        const double db = b.city_score_after - b.city_score_before;
        if (da != db) return da > db;
        return a.name < b.name;
    });
    return order;
}

std::vector<ScenarioOutcome> rank_scenarios(std::vector<ScenarioOutcome> outcomes) {
    std::vector<ScenarioOutcome> ranked;
    ranked.reserve(outcomes.size());
    for (std::size_t i : ranking_order(outcomes)) ranked.push_back(std::move(outcomes[i]));
    return ranked;
}

}  // namespace lc15::scenarios
