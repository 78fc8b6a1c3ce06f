#include "io/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include "engine/error.hpp"
#include "io/crs.hpp"
#include "io/files.hpp"
#include "io/gtfs.hpp"
#include "io/numbers.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

namespace {

std::string at(const fs::path& file, const toml::source_region& r) {
    if (!r.begin) return file.string();
    return file.string() + ":" + std::to_string(r.begin.line) + ":" +
           std::to_string(r.begin.column);
}

std::string at(const fs::path& file, const toml::node& n) { return at(file, n.source()); }

toml::table parse(const fs::path& path, const std::string& what) {
    require_readable(path, what);
    try {
        return toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw InputError(
            at(path, e.source()), "not valid TOML: " + std::string(e.description()),
            "fix the syntax at that line (strings need quotes, tables [name], arrays [a, b])");
    }
}

// Strict by default: an unknown key is almost always a typo, so it is an error that lists
// the keys the table accepts.
void check_keys(const fs::path& file, const toml::table& t,
                std::initializer_list<const char*> allowed, const std::string& table_name) {
    for (const auto& [k, v] : t) {
        const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                    [&k = k](const char* a) { return k.str() == a; });
        if (!ok) {
            std::string list;
            for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw InputError(at(file, v),
                             "unknown key '" + std::string(k.str()) + "' in " + table_name,
                             "use one of: " + list);
        }
    }
}

template <class T>
T get_or(const fs::path& file, const toml::table& t, const char* key, T fallback) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if constexpr (std::is_same_v<T, double>) {
        if (auto v = n->value<double>()) {
            if (!std::isfinite(*v))
                throw InputError(at(file, *n), std::string("'") + key + "' is not a finite number",
                                 "write a number, e.g. " + std::string(key) + " = 300");
            return *v;
        }
        throw InputError(at(file, *n), std::string("'") + key + "' must be a number",
                         "write e.g. " + std::string(key) + " = 300");
    } else if constexpr (std::is_same_v<T, bool>) {
        if (auto v = n->value<bool>()) return *v;
        throw InputError(at(file, *n), std::string("'") + key + "' must be true or false", "");
    } else if constexpr (std::is_same_v<T, int>) {
        if (auto v = n->value<int64_t>())
            return check_int(static_cast<double>(*v), std::numeric_limits<int>::min(),
                             std::numeric_limits<int>::max(), at(file, *n), key);
        throw InputError(at(file, *n), std::string("'") + key + "' must be a whole number", "");
    } else {
        if (auto v = n->value<std::string>()) return *v;
        throw InputError(at(file, *n), std::string("'") + key + "' must be a string",
                         "put the value in double quotes");
    }
}

// A number under `key` (or `fallback` when absent) that must lie in `r`; the message names the
// line and the range.
double number_in(const fs::path& file, const toml::table& t, const char* key, double fallback,
                 const Range& r) {
    const double v = get_or<double>(file, t, key, fallback);
    if (const toml::node* n = t.get(key)) check_number(v, r, at(file, *n), key);
    return v;
}

std::vector<std::string> string_list(const fs::path& file, const toml::node& n, const char* key) {
    std::vector<std::string> out;
    const toml::array* a = n.as_array();
    if (!a)
        throw InputError(at(file, n), std::string("'") + key + "' must be a list of strings",
                         "write e.g. [\"小学\", \"中学\"]");
    for (const toml::node& e : *a) {
        auto s = e.value<std::string>();
        if (!s)
            throw InputError(at(file, e), std::string("'") + key + "' must contain only strings",
                             "");
        out.push_back(*s);
    }
    return out;
}

std::vector<std::string> split_alternatives(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string part;
    while (std::getline(ss, part, '|')) out.push_back(part);
    return out;
}

bool valid_id(const std::string& s);

// Places against demand (docs/METHOD.md): `demand = { group, share, places_per_1000, source }`
// and `capacity = { default, source }`. A city config's override replaces the whole table.
void read_demand(const fs::path& file, const toml::table& t, CategoryDef& c) {
    auto table = [&](const char* key) -> const toml::table* {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table())
            throw InputError(
                at(file, *n), std::string("'") + key + "' must be a table",
                std::string("write ") + key +
                    (std::string(key) == "demand"
                         ? " = { group = \"aged_3_6\", share = 0.0231, source = \"...\" }"
                         : " = { default = 270, source = \"...\" }"));
        return n->as_table();
    };
    auto source_of = [&](const toml::table& d, const char* what) {
        const std::string src = get_or<std::string>(file, d, "source", "");
        if (src.empty())
            throw InputError(at(file, d), std::string(what) + " without 'source'",
                             "say where the figure comes from, e.g. source = \"营口市第七次全国人口"
                             "普查公报\" (or \"assumed: ...\")");
        return src;
    };
    if (const toml::table* d = table("demand")) {
        check_keys(file, *d, {"group", "share", "places_per_1000", "source"}, "a demand table");
        DemandRule& r = c.demand;
        r.group = get_or<std::string>(file, *d, "group", "");
        if (!valid_id(r.group))
            throw InputError(at(file, *d), "demand without a 'group' id",
                             "name who the category serves, e.g. group = \"aged_3_6\"");
        if (!d->get("share"))
            throw InputError(at(file, *d), "demand without 'share'",
                             "give the group's share of the population, e.g. share = 0.0231");
        r.share = get_or<double>(file, *d, "share", 0.0);
        if (!(r.share > 0 && r.share <= 1))
            throw InputError(at(file, *d->get("share")), "share must be > 0 and <= 1",
                             "write 0.2509 for 25.09 %");
        r.places_per_1000 = get_or<double>(file, *d, "places_per_1000", 1000.0);
        if (!(r.places_per_1000 > 0 && std::isfinite(r.places_per_1000)))
            throw InputError(at(file, *d->get("places_per_1000")),
                             "places_per_1000 must be a number > 0",
                             "1000 = one place per person of the group");
        r.source = source_of(*d, "demand");
    }
    if (const toml::table* k = table("capacity")) {
        check_keys(file, *k, {"default", "source"}, "a capacity table");
        if (!k->get("default"))
            throw InputError(at(file, *k), "capacity without 'default'",
                             "give the places of a facility of unknown size, e.g. default = 270");
        const double v = get_or<double>(file, *k, "default", 0.0);
        if (!(v > 0 && std::isfinite(v)))
            throw InputError(at(file, *k->get("default")), "capacity default must be > 0",
                             "e.g. default = 270 (places)");
        c.demand.default_capacity = v;
        c.demand.capacity_source = source_of(*k, "capacity");
    }
}

void read_category_fields(const fs::path& file, const toml::table& t, CategoryDef& c,
                          bool require_all) {
    check_keys(file, t,
               {"id", "name_zh", "name_en", "level", "radius_m", "weight", "target_share", "clause",
                "match", "amap_types", "min_area_m2", "max_area_m2", "from_bus_stops", "demand",
                "capacity", "entrances"},
               "a category");
    read_demand(file, t, c);
    CategoryRule& r = c.rule;
    r.id = get_or<std::string>(file, t, "id", r.id);
    if (require_all && r.id.empty())
        throw InputError(at(file, t), "category without 'id'",
                         "add id = \"kindergarten\" (letters, digits, _)");
    r.name_zh = get_or<std::string>(file, t, "name_zh", r.name_zh);
    r.name_en = get_or<std::string>(file, t, "name_en", r.name_en);
    r.level_minutes = get_or<int>(file, t, "level", r.level_minutes);
    if (r.level_minutes != 5 && r.level_minutes != 10 && r.level_minutes != 15) {
        throw InputError(at(file, *t.get("level")), "level must be 5, 10 or 15 (minutes)",
                         "GB 50180-2018 has 5-, 10- and 15-minute living circles");
    }
    if (require_all && !t.get("radius_m"))
        throw InputError(at(file, t), "category '" + r.id + "' has no radius_m",
                         "add radius_m = 300 (metres)");
    r.radius_m = get_or<double>(file, t, "radius_m", r.radius_m);
    if (!(r.radius_m > 0 && r.radius_m <= 20000)) {
        throw InputError(at(file, *t.get("radius_m")),
                         "radius_m must be between 0 and 20000 metres", "");
    }
    r.weight = number_in(file, t, "weight", r.weight, Range::closed(0, 100));
    if (r.weight < 0)
        throw InputError(at(file, *t.get("weight")), "weight must not be negative", "");
    r.target_share = get_or<double>(file, t, "target_share", r.target_share);
    if (r.target_share < 0 || r.target_share > 1) {
        throw InputError(at(file, *t.get("target_share")), "target_share must be between 0 and 1",
                         "write 0.9 for 90 %");
    }
    r.clause = get_or<std::string>(file, t, "clause", r.clause);
    c.min_area_m2 = number_in(file, t, "min_area_m2", c.min_area_m2, Range::closed(0, 1e10, "m²"));
    c.max_area_m2 = number_in(file, t, "max_area_m2", c.max_area_m2, Range::above(0, 1e10, "m²"));
    if (c.min_area_m2 > c.max_area_m2)
        throw InputError(at(file, t), "min_area_m2 is larger than max_area_m2",
                         "swap them or remove one");
    c.from_bus_stops = get_or<bool>(file, t, "from_bus_stops", c.from_bus_stops);
    if (const toml::node* e = t.get("entrances")) {
        const std::string v = get_or<std::string>(file, t, "entrances", "");
        if (!parse_entrance_mode(v, c.entrances))
            throw InputError(at(file, *e), "entrances = \"" + v + "\" is not an entrance rule",
                             "write entrances = \"boundary\" (open park), \"gates\" (fenced "
                             "campus) or \"nearest\" (one point)");
    }
    if (const toml::node* a = t.get("amap_types"))
        c.amap_types = string_list(file, *a, "amap_types");
    if (const toml::node* m = t.get("match")) {
        const toml::array* arr = m->as_array();
        if (!arr)
            throw InputError(at(file, *m), "'match' must be a list of clauses",
                             "write match = [ { tags = { amenity = \"school\" } } ]");
        c.match.clear();
        for (const toml::node& e : *arr) {
            const toml::table* ct = e.as_table();
            if (!ct)
                throw InputError(at(file, e), "a match clause must be a table",
                                 "write { tags = { amenity = \"school\" }, name = [\"小学\"] }");
            check_keys(file, *ct, {"tags", "name"}, "a match clause");
            MatchClause clause;
            if (const toml::node* tg = ct->get("tags")) {
                const toml::table* tt = tg->as_table();
                if (!tt)
                    throw InputError(at(file, *tg), "'tags' must be a table",
                                     "write tags = { amenity = \"school\" }");
                for (const auto& [k, v] : *tt) {
                    auto s = v.value<std::string>();
                    if (!s)
                        throw InputError(at(file, v), "tag values must be strings",
                                         "write amenity = \"school|college\"");
                    clause.tags.emplace_back(std::string(k.str()), split_alternatives(*s));
                }
            }
            if (const toml::node* nm = ct->get("name"))
                clause.names = string_list(file, *nm, "name");
            if (clause.tags.empty() && clause.names.empty()) {
                throw InputError(at(file, e), "empty match clause would match everything",
                                 "give tags, name, or both");
            }
            c.match.push_back(std::move(clause));
        }
    }
}

bool valid_id(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '_';
    });
}

std::string file_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

fs::path resolve(const fs::path& config, const std::string& rel) {
    const fs::path p(rel);
    return p.is_absolute() ? p : (config.parent_path() / p).lexically_normal();
}

// A planner's file; `allowed` narrows the keys for files that read fixed columns.
FileSourceConfig read_file_source(const fs::path& file, const toml::table& t,
                                  const std::string& what,
                                  std::initializer_list<const char*> allowed = {
                                      "path", "layer", "crs", "encoding", "lon_field", "lat_field",
                                      "id_field", "name_field", "category", "category_field",
                                      "type_field", "population_field", "lines_field",
                                      "capacity_field"}) {
    check_keys(file, t, allowed, what);
    FileSourceConfig s;
    s.where = at(file, t);
    const std::string p = get_or<std::string>(file, t, "path", "");
    if (p.empty())
        throw InputError(s.where, what + " has no 'path'",
                         "add path = \"../data/your_file.csv\" (relative to this config)");
    s.path = resolve(file, p);
    s.layer = get_or<std::string>(file, t, "layer", "");
    s.crs_declared = t.get("crs") != nullptr;
    s.crs = get_or<std::string>(file, t, "crs", "WGS84");
    s.encoding = get_or<std::string>(file, t, "encoding", "");
    s.lon_field = get_or<std::string>(file, t, "lon_field", "");
    s.lat_field = get_or<std::string>(file, t, "lat_field", "");
    s.id_field = get_or<std::string>(file, t, "id_field", "");
    s.name_field = get_or<std::string>(file, t, "name_field", "");
    s.category = get_or<std::string>(file, t, "category", "");
    s.category_field = get_or<std::string>(file, t, "category_field", "");
    s.type_field = get_or<std::string>(file, t, "type_field", "");
    s.population_field = get_or<std::string>(file, t, "population_field", "");
    s.lines_field = get_or<std::string>(file, t, "lines_field", "");
    s.capacity_field = get_or<std::string>(file, t, "capacity_field", "");
    if (!s.capacity_field.empty() && what != "[[facilities]]")
        throw InputError(s.where, "capacity_field is read only for [[facilities]] files",
                         "remove capacity_field from " + what);
    return s;
}

const toml::table* sub_table(const fs::path& file, const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table())
        throw InputError(at(file, *n), std::string("'") + key + "' must be a table",
                         std::string("write [") + key + "]");
    return n->as_table();
}

// [population] source = "raster": path, band, crs (when the file has none), negative.
RasterSource read_raster_source(const fs::path& file, const toml::table& t) {
    check_keys(file, t, {"path", "band", "crs", "negative"}, "[population] (source = \"raster\")");
    RasterSource r;
    r.where = at(file, t);
    const std::string p = get_or<std::string>(file, t, "path", "");
    if (p.empty())
        throw InputError(r.where, "[population] source = \"raster\" has no 'path'",
                         "add path = \"../data/worldpop_100m.tif\" (relative to this config)");
    r.path = resolve(file, p);
    r.band = get_or<int>(file, t, "band", 1);
    if (const toml::node* n = t.get("band")) check_int(r.band, 1, 100000, at(file, *n), "band");
    r.crs = get_or<std::string>(file, t, "crs", "");
    const std::string neg = get_or<std::string>(file, t, "negative", "error");
    if (neg != "error" && neg != "nodata")
        throw InputError(at(file, *t.get("negative")), "unknown negative = \"" + neg + "\"",
                         "write negative = \"error\" (the default: a negative cell is bad "
                         "input) or \"nodata\" (skip such cells, counted in the warnings)");
    r.negative_as_nodata = neg == "nodata";
    return r;
}

// [population.census]: path, name_field, code_field, population_field, only = { col = "v" }.
CensusSource read_census_source(const fs::path& file, const toml::table& t) {
    check_keys(file, t, {"path", "name_field", "code_field", "population_field", "only"},
               "[population.census]");
    CensusSource c;
    c.where = at(file, t);
    const std::string p = get_or<std::string>(file, t, "path", "");
    if (p.empty())
        throw InputError(c.where, "[population.census] has no 'path'",
                         "add path = \"../data/yingkou/yingkou_population_facts.csv\"");
    c.path = resolve(file, p);
    c.name_field = get_or<std::string>(file, t, "name_field", c.name_field);
    c.code_field = get_or<std::string>(file, t, "code_field", "");
    c.population_field = get_or<std::string>(file, t, "population_field", c.population_field);
    if (const toml::node* n = t.get("only")) {
        if (!n->is_table())
            throw InputError(at(file, *n), "'only' must be a table of column = value",
                             "write only = { level = \"street\" }");
        for (const auto& [k, v] : *n->as_table()) {
            const auto s = v.value<std::string>();
            if (!s)
                throw InputError(at(file, v), "only." + std::string(k.str()) + " must be a string",
                                 "put the value in double quotes");
            c.only.push_back({std::string(k.str()), *s});
        }
    }
    return c;
}

// ---- [targets]: plan targets and warning thresholds (io/config.hpp, PlanTarget) ----
// Reads every key of [targets] but `share` into c.plan_targets; returns the table without them
// (for check_keys). Category ids are checked against the rule set by the nightly run, which
// knows the categories a city config adds after [targets].
std::string read_due_date(const fs::path& file, const toml::node& n) {
    std::string s;
    if (auto d = n.value<toml::date>()) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(d->year), int(d->month), int(d->day));
        s = buf;
    } else if (auto v = n.value<std::string>()) {
        s = *v;
    }
    int y = 0, m = 0, day = 0;
    char tail = 0;
    if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 ||
        y < 1900 || y > 9999 || m < 1 || m > 12 || day < 1 || day > 31)
        throw InputError(at(file, n), "'due' must be a date", "write due = 2025-12-31");
    return s;
}

toml::table read_plan_targets(const fs::path& file, const toml::table& tg, CityConfig& c) {
    toml::table rest;
    PlanTargets& pt = c.plan_targets;
    auto number = [&](const toml::node& n, const char* key, double lo, double hi) {
        const Range range = Range::closed(lo, hi);
        const auto v = n.value<double>();
        if (!v)
            throw InputError(
                at(file, n),
                std::string("'") + key + "' is not a number (allowed: " + range.text() + ")",
                "give " + std::string(key) + " as a number in " + range.text());
        return check_number(*v, range, at(file, n), key);  // the checked reader of every number
    };
    for (const auto& [k, v] : tg) {
        const std::string key(k.str());
        if (key == "drop_points") {
            pt.drop_points = number(v, "drop_points", 0, 100);
        } else if (key == "due_warning_days") {
            pt.due_warning_days = static_cast<int>(number(v, "due_warning_days", 0, 3650));
        } else if (key == "stale_days") {
            pt.stale_days = static_cast<int>(number(v, "stale_days", 1, 3650));
        } else if (key == "data_drop") {
            pt.data_drop = number(v, "data_drop", 0, 1);
        } else if (const toml::table* t = v.as_table()) {
            if (!valid_id(key))
                throw InputError(at(file, v), "[targets." + key + "]: not a category id",
                                 "use a category id of the rules, or bus500");
            check_keys(file, *t, {"share", "count", "due", "figure"}, "[targets." + key + "]");
            PlanTarget p;
            p.key = key;
            p.where = at(file, v);
            if (const toml::node* n = t->get("share")) p.share = number(*n, "share", 0, 1);
            if (const toml::node* n = t->get("count"))
                p.count = static_cast<int>(number(*n, "count", 0, 1e6));
            if (const toml::node* n = t->get("due")) p.due = read_due_date(file, *n);
            if (const toml::node* n = t->get("figure")) {
                p.figure = get_or<std::string>(file, *t, "figure", "land");
                if (key != "bus500" || (p.figure != "land" && p.figure != "people_straight" &&
                                        p.figure != "people_walk"))
                    throw InputError(at(file, *n), "'figure' is for [targets.bus500] only",
                                     "use land, people_straight or people_walk");
            }
            if (!p.share && !p.count)
                throw InputError(at(file, v), "[targets." + key + "] gives no target",
                                 "add share = 0.9 (per community) or count = 30 (facilities)");
            if (key == "bus500" && p.count)
                throw InputError(at(file, v), "[targets.bus500] takes a share, not a count",
                                 "write share = 1.0");
            pt.targets.push_back(std::move(p));
        } else {
            rest.insert(k, v);
        }
    }
    return rest;
}
// ---- end of [targets] ----

// Category ids become column names of the outputs (<id>_share, <id>_m, ...), and GeoPackage
// (SQLite) column names are case-insensitive: ids that differ only in case (Park, park), or
// whose columns meet a fixed one (street -> street_m of the homes layer), would fail only at
// output time. Refused here, at load, naming both.
void check_category_columns(const RuleSet& rs, const std::string& where) {
    auto lower = [](std::string s) {
        for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    };
    std::map<std::string, std::string> owner;  // lower-case column -> what made it
    for (const char* fixed : {"id", "name", "population", "score", "categories_passed", "lacking",
                              "community", "street_m", "fid", "geom"})
        owner[fixed] = std::string("the fixed column '") + fixed + "'";
    for (const CategoryDef& c : rs.categories) {
        const std::string id = lower(c.rule.id);
        for (const char* suffix :
             {"_share", "_median_m", "_p90_m", "_within", "_pass", "_m", "_n"}) {
            const std::string col = id + suffix;
            auto [it, fresh] = owner.emplace(col, "category '" + c.rule.id + "'");
            if (!fresh) {
                throw InputError(where,
                                 "category '" + c.rule.id + "' gives the output column '" +
                                     c.rule.id + suffix + "', which " + it->second +
                                     " gives too (column names ignore case)",
                                 "rename the category (ids must differ in more than case)");
            }
        }
        if (id.size() > 3 && id.compare(0, 3, "bus") == 0 &&
            std::isdigit(static_cast<unsigned char>(id[3]))) {
            throw InputError(
                where, "category id '" + c.rule.id + "' looks like the bus columns (bus500_...)",
                "rename the category");
        }
    }
}

}  // namespace

std::uint32_t RuleSet::index_of(const std::string& id, const std::string& where) const {
    for (std::uint32_t i = 0; i < categories.size(); ++i) {
        if (categories[i].rule.id == id) return i;
    }
    throw InputError(where, "unknown category '" + id + "'", "use one of: " + ids_list());
}

std::vector<CategoryRule> RuleSet::rules() const {
    std::vector<CategoryRule> out;
    for (const auto& c : categories) out.push_back(c.rule);
    return out;
}

std::string RuleSet::ids_list() const {
    std::string s;
    for (const auto& c : categories) s += (s.empty() ? "" : ", ") + c.rule.id;
    return s;
}

RuleSet load_rules(const fs::path& path) {
    const toml::table t = parse(path, "rule set");
    check_keys(path, t, {"meta", "category"}, "the rule set");
    RuleSet rs;
    rs.path = path;
    if (const toml::table* meta = sub_table(path, t, "meta"))
        rs.name = get_or<std::string>(path, *meta, "name", "");
    const toml::node* cats = t.get("category");
    if (!cats || !cats->is_array_of_tables()) {
        throw InputError(path.string(), "no [[category]] tables",
                         "add at least one [[category]] with id, level and radius_m");
    }
    std::set<std::string> seen;
    for (const toml::node& n : *cats->as_array()) {
        CategoryDef c;
        read_category_fields(path, *n.as_table(), c, true);
        if (!valid_id(c.rule.id))
            throw InputError(at(path, n),
                             "category id '" + c.rule.id + "' must use only letters, digits and _",
                             "");
        if (!seen.insert(c.rule.id).second)
            throw InputError(at(path, n), "category '" + c.rule.id + "' defined twice",
                             "remove or rename one");
        if (c.match.empty() && c.amap_types.empty() && !c.from_bus_stops) {
            throw InputError(at(path, n), "category '" + c.rule.id + "' has no match clauses",
                             "add match = [ { tags = { ... } } ] or from_bus_stops = true");
        }
        rs.categories.push_back(std::move(c));
    }
    check_category_columns(rs, path.string());
    return rs;
}

bool clause_matches(const MatchClause& c, const Feature& f) {
    for (const auto& [key, values] : c.tags) {
        const auto it = f.tags.find(key);
        if (it == f.tags.end()) return false;
        const bool any = std::any_of(values.begin(), values.end(), [&](const std::string& v) {
            if (v == "*") return true;
            // OSM multi-values ("school;kindergarten") match each part (no stream per value:
            // every OSM object of a city passes here once per clause).
            const std::string_view all = it->second;
            for (std::size_t from = 0; from < all.size();) {
                const std::size_t to = std::min(all.find(';', from), all.size());
                if (all.substr(from, to - from) == v) return true;
                from = to + 1;
            }
            return false;
        });
        if (!any) return false;
    }
    if (!c.names.empty()) {
        const bool named = std::any_of(c.names.begin(), c.names.end(), [&](const std::string& w) {
            return f.name.find(w) != std::string::npos;
        });
        if (!named) return false;
    }
    return true;
}

std::vector<std::uint32_t> classify(const RuleSet& rules, const Feature& f,
                                    const std::string& amap_type) {
    std::vector<std::uint32_t> out;
    double area = -1.0;  // computed lazily
    for (std::uint32_t i = 0; i < rules.categories.size(); ++i) {
        const CategoryDef& c = rules.categories[i];
        if (c.from_bus_stops) continue;
        bool hit = std::any_of(c.match.begin(), c.match.end(),
                               [&](const MatchClause& m) { return clause_matches(m, f); });
        if (!hit && !amap_type.empty()) {
            hit = std::any_of(c.amap_types.begin(), c.amap_types.end(), [&](const std::string& t) {
                return amap_type.find(t) != std::string::npos;
            });
        }
        if (!hit) continue;
        if (c.min_area_m2 > 0 || c.max_area_m2 < std::numeric_limits<double>::infinity()) {
            if (area < 0) {
                area = f.is_area() ? area_m2(f.area) : 0.0;
                if (!f.is_area()) {
                    if (auto it = f.tags.find("area_m2"); it != f.tags.end()) {
                        try {
                            area = std::stod(it->second);
                        } catch (...) {
                            area = 0.0;
                        }
                    }
                }
            }
            if (area < c.min_area_m2 || area > c.max_area_m2) continue;
        }
        out.push_back(i);
    }
    return out;
}

const WalkerProfile& CityConfig::walking_profile(const std::string& n) const {
    const auto it = profiles.find(n);
    if (it == profiles.end()) {
        std::string list;
        for (const auto& [k, v] : profiles) list += (list.empty() ? "" : ", ") + k;
        throw InputError(path.string(), "unknown walking profile '" + n + "'",
                         "use one of: " + list);
    }
    return it->second;
}

CityConfig load_city_config(const fs::path& path) {
    const toml::table t = parse(path, "city config");
    check_keys(path, t,
               {"city", "network", "profiles", "osm_facilities", "facilities", "bus", "bus_stops",
                "communities", "population", "compounds", "targets", "categories", "places", "maps",
                "outputs"},
               "the city config");
    CityConfig c;
    c.path = path;
    c.profiles["adult"] = {"adult", 4.5 / 3.6, false};
    c.profiles["elderly"] = {"elderly", 0.8, false};
    c.profiles["barrier_free"] = {"barrier_free", 0.7, true};

    const toml::table* city = sub_table(path, t, "city");
    if (!city)
        throw InputError(path.string(), "no [city] table", "add [city] with name, osm and rules");
    check_keys(path, *city, {"name", "osm", "rules", "bbox"}, "[city]");
    c.name = get_or<std::string>(path, *city, "name", path.stem().string());
    const std::string osm = get_or<std::string>(path, *city, "osm", "");
    if (osm.empty())
        throw InputError(
            at(path, *city), "[city] has no 'osm' file",
            "add osm = \"../data/osm/your_city.osm.pbf\" (see README: cutting an extract)");
    c.osm = resolve(path, osm);
    const std::string rules = get_or<std::string>(path, *city, "rules", "rules/gb50180_2018.toml");
    c.rules = load_rules(resolve(path, rules));
    if (const toml::node* b = city->get("bbox")) {
        const toml::array* a = b->as_array();
        if (!a || a->size() != 4)
            throw InputError(at(path, *b), "bbox must be [min_lon, min_lat, max_lon, max_lat]", "");
        std::array<double, 4> v{};
        for (std::size_t i = 0; i < 4; ++i) {
            auto d = (*a)[i].value<double>();
            if (!d) throw InputError(at(path, (*a)[i]), "bbox values must be numbers", "");
            v[i] = check_number(*d, i % 2 == 0 ? Range::closed(-180, 180) : Range::closed(-90, 90),
                                at(path, (*a)[i]), i % 2 == 0 ? "bbox longitude" : "bbox latitude",
                                "order is [min_lon, min_lat, max_lon, max_lat] in degrees (WGS84)");
        }
        if (v[0] >= v[2] || v[1] >= v[3])
            throw InputError(at(path, *b), "bbox minimum must be below maximum",
                             "order is [min_lon, min_lat, max_lon, max_lat]");
        c.bbox = v;
    }

    if (const toml::table* n = sub_table(path, t, "network")) {
        check_keys(path, *n,
                   {"private_compounds", "max_snap_m", "access_legs", "profile", "islands",
                    "main_component_m"},
                   "[network]");
        const std::string priv = get_or<std::string>(path, *n, "private_compounds", "walkable");
        if (priv != "walkable" && priv != "excluded") {
            throw InputError(at(path, *n->get("private_compounds")),
                             "private_compounds must be \"walkable\" or \"excluded\"", "");
        }
        c.private_walkable = priv == "walkable";
        c.max_snap_m = number_in(path, *n, "max_snap_m", c.max_snap_m, Range::above(0, 5000, "m"));
        c.access_legs = get_or<bool>(path, *n, "access_legs", c.access_legs);
        c.profile = get_or<std::string>(path, *n, "profile", c.profile);
        const std::string islands = get_or<std::string>(path, *n, "islands", "main");
        if (islands != "main" && islands != "nearest") {
            throw InputError(at(path, *n->get("islands")),
                             "islands must be \"main\" or \"nearest\"",
                             "\"main\" snaps onto the connected network (docs/METHOD.md, "
                             "\"Islands\"); \"nearest\" takes the nearest street whatever it "
                             "connects to");
        }
        c.snap_to_main = islands == "main";
        c.main_component_m = get_or<double>(path, *n, "main_component_m", c.main_component_m);
    }
    if (const toml::table* p = sub_table(path, t, "profiles")) {
        for (const auto& [k, v] : *p) {
            const toml::table* pt = v.as_table();
            if (!pt)
                throw InputError(at(path, v), "a profile must be a table",
                                 "write [profiles.elderly] speed_m_s = 0.8");
            check_keys(path, *pt, {"speed_m_s", "speed_kmh", "exclude_steps"}, "a walking profile");
            WalkerProfile wp = c.profiles.count(std::string(k.str()))
                                   ? c.profiles[std::string(k.str())]
                                   : WalkerProfile{};
            wp.name = std::string(k.str());
            if (pt->get("speed_kmh"))
                wp.speed_m_per_s = get_or<double>(path, *pt, "speed_kmh", 4.5) / 3.6;
            wp.speed_m_per_s = get_or<double>(path, *pt, "speed_m_s", wp.speed_m_per_s);
            wp.exclude_steps = get_or<bool>(path, *pt, "exclude_steps", wp.exclude_steps);
            if (!(wp.speed_m_per_s > 0.1 && wp.speed_m_per_s < 5)) {
                throw InputError(at(path, v), "walking speed out of range",
                                 "give speed_m_s between 0.1 and 5 (adults walk about 1.25 m/s)");
            }
            c.profiles[wp.name] = wp;
        }
    }
    (void)c.walking_profile(c.profile);

    if (const toml::table* o = sub_table(path, t, "osm_facilities")) {
        check_keys(path, *o, {"enabled", "dedupe_m"}, "[osm_facilities]");
        c.osm_facilities = get_or<bool>(path, *o, "enabled", c.osm_facilities);
        c.dedupe_m = number_in(path, *o, "dedupe_m", c.dedupe_m, Range::closed(0, 1000, "m"));
    }
    if (const toml::node* f = t.get("facilities")) {
        if (!f->is_array_of_tables())
            throw InputError(at(path, *f), "'facilities' must be [[facilities]] tables", "");
        for (const toml::node& e : *f->as_array()) {
            FileSourceConfig s = read_file_source(path, *e.as_table(), "[[facilities]]");
            if (!s.category.empty()) (void)c.rules.index_of(s.category, s.where);
            c.facility_files.push_back(std::move(s));
        }
    }
    if (const toml::table* b = sub_table(path, t, "bus")) {
        check_keys(path, *b,
                   {"speed_kmh", "default_headway_min", "gtfs", "window", "categories",
                    "budget_min", "lines"},
                   "[bus]");
        if (const toml::node* w = b->get("window")) {
            std::tie(c.gtfs_window_start_s, c.gtfs_window_end_s) = parse_time_window(
                get_or<std::string>(path, *b, "window", ""), at(path, *w) + ": window");
        }
        if (const toml::node* l = b->get("lines")) {
            if (!l->is_array_of_tables())
                throw InputError(at(path, *l), "'lines' must be [[bus.lines]] tables",
                                 "write [[bus.lines]] with path = \"...\" and crs = \"...\"");
            for (const toml::node& e : *l->as_array()) {
                FileSourceConfig s =
                    read_file_source(path, *e.as_table(), "[[bus.lines]]", {"path", "crs"});
                if (const toml::node* crs = e.as_table()->get("crs"))
                    (void)Crs::parse(s.crs, at(path, *crs) + ": crs");
                c.bus_line_files.push_back(std::move(s));
            }
        }
        c.bus_speed_kmh =
            number_in(path, *b, "speed_kmh", c.bus_speed_kmh, Range::above(0, 120, "km/h"));
        c.default_headway_min = number_in(path, *b, "default_headway_min", c.default_headway_min,
                                          Range::above(0, 1440, "min"));
        c.bus_budget_min =
            number_in(path, *b, "budget_min", c.bus_budget_min, Range::above(0, 240, "min"));
        const std::string g = get_or<std::string>(path, *b, "gtfs", "");
        if (!g.empty()) c.gtfs = resolve(path, g);
        if (const toml::node* cats = b->get("categories")) {
            c.bus_categories = string_list(path, *cats, "categories");
            for (const auto& id : c.bus_categories) (void)c.rules.index_of(id, at(path, *cats));
        }
    } else {
        c.bus_categories = {"middle_school", "health_centre", "large_sports"};
    }
    if (const toml::table* b = sub_table(path, t, "bus_stops")) {
        check_keys(path, *b, {"osm", "files"}, "[bus_stops]");
        c.osm_bus_stops = get_or<bool>(path, *b, "osm", c.osm_bus_stops);
        if (const toml::node* f = b->get("files")) {
            if (!f->is_array_of_tables())
                throw InputError(at(path, *f), "'files' must be [[bus_stops.files]] tables", "");
            for (const toml::node& e : *f->as_array())
                c.bus_stop_files.push_back(
                    read_file_source(path, *e.as_table(), "[[bus_stops.files]]"));
        }
    }
    if (const toml::table* cm = sub_table(path, t, "communities")) {
        c.communities_source = get_or<std::string>(path, *cm, "source", c.communities_source);
        if (c.communities_source == "file") {
            toml::table copy = *cm;
            copy.erase("source");
            c.communities_file = read_file_source(path, copy, "[communities]");
        } else if (c.communities_source == "osm_admin") {
            check_keys(path, *cm, {"source", "admin_level"}, "[communities]");
            c.admin_level = get_or<int>(path, *cm, "admin_level", c.admin_level);
            check_number(c.admin_level, Range::closed(1, 12), at(path, *cm), "admin_level");
        } else if (c.communities_source == "residential_landuse" ||
                   c.communities_source == "whole") {
            check_keys(path, *cm, {"source"}, "[communities]");
        } else {
            throw InputError(at(path, *cm),
                             "unknown communities source '" + c.communities_source + "'",
                             "use \"file\" (a planner's polygons), \"osm_admin\" (OSM boundaries "
                             "at admin_level), \"residential_landuse\" or \"whole\" (one "
                             "community: the whole city)");
        }
    }
    if (const toml::table* p = sub_table(path, t, "population")) {
        c.population_source = get_or<std::string>(path, *p, "source", c.population_source);
        toml::table copy = *p;
        copy.erase("source");
        for (const char* k : {"floor_area_per_person_m2", "default_levels", "sample_spacing_m",
                              "default_community_population", "max_samples"}) {
            if (const toml::node* n = p->get(k)) {
                const double v = get_or<double>(path, *p, k, 0.0);
                if (!(v > 0))
                    throw InputError(at(path, *n), std::string(k) + " must be positive", "");
                copy.erase(k);
            }
        }
        c.floor_area_per_person_m2 =
            number_in(path, *p, "floor_area_per_person_m2", c.floor_area_per_person_m2,
                      Range::closed(5, 1000, "m² per resident"));
        c.default_levels = get_or<double>(path, *p, "default_levels", c.default_levels);
        if (const toml::node* n = p->get("default_levels"))
            check_int(c.default_levels, 1, 200, at(path, *n), "default_levels");
        c.sample_spacing_m = number_in(path, *p, "sample_spacing_m", c.sample_spacing_m,
                                       Range::closed(5, 5000, "m"));
        c.max_samples =
            number_in(path, *p, "max_samples", c.max_samples, Range::closed(1, 1e10, "points"));
        c.default_community_population = number_in(path, *p, "default_community_population", 0.0,
                                                   Range::above(0, 1e8, "residents"));
        if (const toml::table* cs = sub_table(path, *p, "census")) {
            c.census = read_census_source(path, *cs);
            copy.erase("census");
        }
        if (c.population_source == "file") {
            c.population_file = read_file_source(path, copy, "[population]");
            if (c.population_file->population_field.empty()) {
                throw InputError(at(path, *p), "[population] from a file needs population_field",
                                 "add population_field = \"population\"");
            }
        } else if (c.population_source == "raster") {
            // floor_area_per_person_m2 and default_levels weigh the buildings in each cell.
            c.population_raster = read_raster_source(path, copy);
        } else if (c.population_source == "buildings" || c.population_source == "sampling") {
            check_keys(path, copy, {}, "[population] (source = \"" + c.population_source + "\")");
        } else {
            throw InputError(at(path, *p),
                             "unknown population source '" + c.population_source + "'",
                             "use \"file\" (a population grid or census points), \"buildings\", "
                             "\"raster\" (a population raster: WorldPop, GHS-POP) or \"sampling\"");
        }
    }
    if (const toml::table* cp = sub_table(path, t, "compounds")) {
        CompoundsConfig cc;
        toml::table copy = *cp;
        for (const char* k : {"residents_field", "households_field", "persons_per_household",
                              "gates", "gate_wall_m"})
            copy.erase(k);
        cc.polygons =
            read_file_source(path, copy, "[compounds]",
                             {"path", "layer", "crs", "encoding", "id_field", "name_field"});
        cc.residents_field = get_or<std::string>(path, *cp, "residents_field", "");
        cc.households_field = get_or<std::string>(path, *cp, "households_field", "");
        if (cc.residents_field.empty() == cc.households_field.empty()) {
            throw InputError(at(path, *cp),
                             "[compounds] needs residents_field or households_field (one of them)",
                             "add residents_field = \"residents\" (the column of residents per "
                             "compound), or households_field = \"households\"");
        }
        cc.persons_per_household =
            number_in(path, *cp, "persons_per_household", cc.persons_per_household,
                      Range::closed(0.5, 20, "persons per household"));
        cc.gate_wall_m =
            number_in(path, *cp, "gate_wall_m", cc.gate_wall_m, Range::closed(0, 500, "m"));
        if (const toml::table* gt = sub_table(path, *cp, "gates")) {
            toml::table gcopy = *gt;
            gcopy.erase("compound_field");
            cc.gates = read_file_source(
                path, gcopy, "[compounds.gates]",
                {"path", "layer", "crs", "encoding", "lon_field", "lat_field", "id_field"});
            cc.gate_compound_field = get_or<std::string>(path, *gt, "compound_field", "");
        }
        c.compounds = std::move(cc);
    }
    // Places against demand: [places] decay = "none" | "gaussian" (docs/METHOD.md).
    if (const toml::table* pl = sub_table(path, t, "places")) {
        check_keys(path, *pl, {"decay"}, "[places]");
        const std::string d = get_or<std::string>(path, *pl, "decay", "none");
        if (d == "gaussian")
            c.places_decay = Decay::kGaussian;
        else if (d != "none")
            throw InputError(at(path, *pl->get("decay")), "unknown decay '" + d + "'",
                             "write decay = \"none\" (plain 2SFCA) or \"gaussian\"");
    }
    if (const toml::table* o = sub_table(path, t, "outputs")) {
        check_keys(path, *o, {"home_points_max"}, "[outputs]");
        c.home_points_max = std::floor(number_in(path, *o, "home_points_max", c.home_points_max,
                                                 Range::closed(0, 1e9, "homes")));
    }
    if (const toml::table* m = sub_table(path, t, "maps")) {
        check_keys(path, *m, {"producer", "date", "boundaries"}, "[maps]");
        c.maps.producer = get_or<std::string>(path, *m, "producer", "");
        c.maps.date = get_or<std::string>(path, *m, "date", "");
        c.maps.boundaries = get_or<bool>(path, *m, "boundaries", false);
    }
    double default_share = -1;
    if (const toml::table* tg = sub_table(path, t, "targets")) {
        check_keys(path, read_plan_targets(path, *tg, c), {"share"}, "[targets]");
        default_share = get_or<double>(path, *tg, "share", 1.0);
        if (default_share < 0 || default_share > 1)
            throw InputError(at(path, *tg->get("share")), "share must be between 0 and 1",
                             "write 0.9 for 90 %");
        for (auto& cat : c.rules.categories) cat.rule.target_share = default_share;
    }
    if (const toml::table* cats = sub_table(path, t, "categories")) {
        for (const auto& [k, v] : *cats) {
            const toml::table* ct = v.as_table();
            if (!ct)
                throw InputError(at(path, v),
                                 "[categories." + std::string(k.str()) + "] must be a table", "");
            const std::string id(k.str());
            auto it = std::find_if(c.rules.categories.begin(), c.rules.categories.end(),
                                   [&](const CategoryDef& d) { return d.rule.id == id; });
            if (it != c.rules.categories.end()) {
                read_category_fields(path, *ct, *it, false);  // override
                it->rule.id = id;
            } else {
                if (!valid_id(id))
                    throw InputError(at(path, v),
                                     "category id '" + id + "' must use only letters, digits and _",
                                     "");
                CategoryDef d;
                d.rule.id = id;
                if (default_share >= 0) d.rule.target_share = default_share;
                read_category_fields(path, *ct, d, true);
                d.rule.id = id;
                if (d.match.empty() && d.amap_types.empty() && !d.from_bus_stops) {
                    throw InputError(at(path, v), "new category '" + id + "' has no match clauses",
                                     "add match = [ { tags = { ... } } ]");
                }
                c.rules.categories.push_back(std::move(d));
            }
        }
    }
    check_category_columns(c.rules, path.string());
    c.config_hash = sha256_hex(file_bytes(path) + file_bytes(c.rules.path));
    return c;
}

}  // namespace lc15::io
