#include "server/planner.hpp"

#include <toml++/toml.h>

#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "engine/error.hpp"
#include "engine/places.hpp"
#include "io/coverage_output.hpp"
#include "io/network_figures.hpp"
#include "maps/maps.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/siting.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace lc15::server {
namespace {

using scenarios::EditType;
using Clock = std::chrono::steady_clock;

// A refused request: HTTP status, message and how to fix it.
struct Refusal {
    int status;
    std::string message, fix;
};

[[noreturn]] void refuse(int status, std::string message, std::string fix = {}) {
    throw Refusal{status, std::move(message), std::move(fix)};
}

Reply error_reply(const Refusal& r) {
    json j{{"error", r.message}};
    if (!r.fix.empty()) j["fix"] = r.fix;
    return {r.status, j.dump(), "application/json"};
}

std::string fmt_point(LonLat p) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f, %.6f", p.lon, p.lat);
    return buf;
}

// Shortest decimal that reads back as the same double (TOML float syntax).
std::string exact(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

// A TOML basic string.
std::string quoted(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += static_cast<char>(c);
        }
    }
    return o + "\"";
}

bool is_facility_edit(EditType t) {
    return t == EditType::kAddFacility || t == EditType::kMoveFacility ||
           t == EditType::kCloseFacility || t == EditType::kAddStop || t == EditType::kRemoveStop;
}

// One edit as the session applies it, resolved against the base city.
struct EditSpec {
    EditType type = EditType::kAddFacility;
    std::uint32_t cat = kInvalidId;  // the category added to / of the facility found
    std::string category;            // as given (move/close: may be empty)
    std::string ref;                 // move/close/remove: the id or name as given
    // move_added: the facility added by this edit of the list (1-based) is moved, not a base
    // one (type kMoveFacility); 0 otherwise.
    std::size_t added_by = 0;
    std::size_t index = 0;  // the facility found: city.facilities[cat][index]
    std::string name;
    LonLat pos{};
    std::optional<double> capacity;
    SnapResult snap;  // add/move: the snapped point
    // Network, population and profile edits (rebuilt in the background).
    LonLat pos2{};            // add_link: the second end
    std::int64_t way_id = 0;  // close_way
    double residents = 0;     // set_population (a new home at pos)
    std::string profile;      // profile
};

struct Undo {
    enum Kind { kRemove, kRestore, kMoveBack, kNone } kind = kRemove;
    FacilityHandle handle = kInvalidId;
    std::vector<SnapResult> entrances;  // kRestore / kMoveBack: where it was entered
};

struct Applied {
    EditSpec spec;
    Undo undo;
    std::size_t homes_changed = 0;
};

struct Session {
    std::mutex mutex;
    std::unique_ptr<CoverageModel> model;
    std::vector<std::vector<FacilityHandle>> handles;  // like ScenarioCity::facilities
    std::vector<std::vector<char>> closed;
    CoverageReport report;
    std::vector<std::uint64_t> touched;  // (category << 32 | home), ascending, unique
    std::vector<Applied> done;
    std::vector<EditSpec> redo;
    Clock::time_point last_used = Clock::now();
    // With a network, population or profile edit in `done`, the figures come from a full
    // ScenarioEvaluator run in the background: `version` counts changes of `done`; `rebuilt`
    // is the JSON of the last finished run (for `rebuilt_version`) and `world` what that run
    // measured (its graph, model and report: what the printable map draws).
    std::uint64_t version = 0;
    bool rebuilding = false;
    Clock::time_point rebuild_start{};
    std::optional<nlohmann::json> rebuilt;
    std::shared_ptr<const scenarios::ScenarioWorld> world;
    std::uint64_t rebuilt_version = 0;
    std::string rebuild_error;
    std::uint64_t error_version = 0;
};

bool structural(EditType t) { return !is_facility_edit(t); }
bool has_structural(const Session& s) {
    return std::any_of(s.done.begin(), s.done.end(),
                       [](const Applied& a) { return structural(a.spec.type); });
}

std::uint64_t pair_key(std::uint32_t cat, HomeId h) { return (std::uint64_t{cat} << 32) | h; }

}  // namespace

struct Planner::Impl {
    const io::City& city;
    PlannerOptions options;
    scenarios::ScenarioCity sc;
    std::unique_ptr<Snapper> snapper;
    CoverageReport base_report;
    std::vector<std::vector<char>> base_covered;                   // [cat][home]
    std::vector<std::vector<std::vector<SnapResult>>> base_snaps;  // [cat][i]: entrances
    io::NetworkFigures network;  // the base city's network indicators, computed once
    Reply city_reply;

    // The evaluator of network, population and profile edits (built on first use), and the
    // background runs, waited for on destruction.
    std::mutex evaluator_mutex;
    std::unique_ptr<scenarios::ScenarioEvaluator> evaluator;
    std::mutex jobs_mutex;
    std::condition_variable jobs_cv;
    int jobs_running = 0;

    // Optimiser candidates per category (generated once, on first use).
    std::mutex candidates_mutex;
    std::map<std::uint32_t, std::vector<SnapResult>> candidates;

    mutable std::mutex sessions_mutex;
    std::map<std::string, std::shared_ptr<Session>> sessions;
    std::mt19937_64 rng{std::random_device{}()};

    Impl(const io::City& c, PlannerOptions o) : city(c), options(std::move(o)) {
        sc = scenarios::make_scenario_city(city);
        snapper = scenarios::make_snapper(sc, *sc.graph, sc.options.forbidden_flags);
        // The base facilities snapped as ScenarioEvaluator snaps them (every entrance of an
        // area by its category's rule).
        base_snaps.resize(sc.facilities.size());
        for (std::uint32_t cat = 0; cat < sc.facilities.size(); ++cat) {
            for (std::size_t i = 0; i < sc.facilities[cat].size(); ++i)
                base_snaps[cat].push_back(
                    scenarios::snap_facility(sc, *snapper, cat, i, sc.max_snap_m));
        }
        Session base;
        start(base);
        base_report = base.report;
        base_covered.resize(sc.rules.size());
        for (std::uint32_t k = 0; k < sc.rules.size(); ++k) {
            base_covered[k].resize(sc.homes.size());
            for (HomeId h = 0; h < sc.homes.size(); ++h)
                base_covered[k][h] = base.model->covered(k, h) ? 1 : 0;
        }
        network = io::network_figures(city);
        city_reply = {200, city_json(network.report).dump(), "application/json"};
    }

    ~Impl() {
        std::unique_lock lock(jobs_mutex);
        jobs_cv.wait(lock, [&] { return jobs_running == 0; });
    }

    std::uint32_t num_communities() const {
        return static_cast<std::uint32_t>(sc.community_names.size());
    }

    // The base model of `lc15 scenario`: same rules, options, homes, facilities in order.
    void start(Session& s) const {
        s.model = std::make_unique<CoverageModel>(*sc.graph, sc.rules, sc.options);
        s.model->set_homes(sc.homes);
        s.handles.assign(sc.facilities.size(), {});
        s.closed.assign(sc.facilities.size(), {});
        for (std::uint32_t cat = 0; cat < sc.facilities.size(); ++cat) {
            for (const std::vector<SnapResult>& r : base_snaps[cat])
                s.handles[cat].push_back(s.model->add_facility(cat, r));
            s.closed[cat].assign(sc.facilities[cat].size(), 0);
        }
        s.model->compute();
        s.report = s.model->report(num_communities());
    }

    // ---- the city, for the page --------------------------------------------------------

    // `network`: the city's network indicators (io::network_figures, the figures lc15 coverage
    // writes), per community and for the city, in summary.json's keys and rounding.
    json city_json(const NetworkReport& network) const {
        json j;
        j["name"] = city.config.name;
        j["bbox"] = sc.bbox;
        j["max_snap_m"] = sc.max_snap_m;
        j["profile"] = sc.profile;
        json profiles = json::array();
        for (const auto& [n, p] : sc.profiles) profiles.push_back(n);
        j["profiles"] = std::move(profiles);
        j["stop_category"] =
            sc.stop_category < sc.rules.size() ? json(sc.rules[sc.stop_category].id) : json();
        json cats = json::array();
        for (const CategoryRule& r : sc.rules) {
            cats.push_back({{"id", r.id},
                            {"name_zh", r.name_zh},
                            {"name_en", r.name_en},
                            {"level_minutes", r.level_minutes},
                            {"radius_m", r.radius_m},
                            {"weight", r.weight},
                            {"target_share", r.target_share}});
        }
        j["categories"] = std::move(cats);
        json coms = json::array();
        for (std::uint32_t c = 0; c < num_communities(); ++c) {
            json rings = json::array();
            for (const Polygon& p : sc.community_areas[c]) {
                json poly = json::array();
                auto ring = [](const Ring& r) {
                    json a = json::array();
                    for (LonLat q : r)
                        a.push_back({std::round(q.lon * 1e6) / 1e6, std::round(q.lat * 1e6) / 1e6});
                    return a;
                };
                poly.push_back(ring(p.outer));
                for (const Ring& in : p.inners) poly.push_back(ring(in));
                rings.push_back(std::move(poly));
            }
            const CommunityMetrics& m = base_report.communities[c];
            json shares = json::array(), pass = json::array(), pop = json::array();
            for (const auto& x : m.by_category) {
                shares.push_back(x.share);
                pass.push_back(x.pass);
                pop.push_back(x.population);
            }
            coms.push_back(
                {{"name", sc.community_names[c]},
                 {"polygons", std::move(rings)},
                 {"score", m.score},
                 {"share", std::move(shares)},
                 {"pass", std::move(pass)},
                 {"population", m.by_category.empty() ? 0.0 : m.by_category.front().population},
                 {"network", c < network.communities.size()
                                 ? json::parse(io::network_indicators_json(network.communities[c]))
                                 : json()}});
        }
        j["communities"] = std::move(coms);
        json facs = json::array();
        for (std::uint32_t cat = 0; cat < sc.facilities.size(); ++cat) {
            json list = json::array();
            for (std::size_t i = 0; i < sc.facilities[cat].size(); ++i) {
                const auto& f = sc.facilities[cat][i];
                list.push_back({{"id", f.id},
                                {"name", f.name},
                                {"lon", f.pos.lon},
                                {"lat", f.pos.lat},
                                {"on_network",
                                 std::any_of(base_snaps[cat][i].begin(), base_snaps[cat][i].end(),
                                             [](const SnapResult& r) { return r.ok(); })}});
            }
            facs.push_back(std::move(list));
        }
        j["facilities"] = std::move(facs);
        json homes = json::array();
        for (std::size_t h = 0; h < sc.homes.size(); ++h) {
            homes.push_back({std::round(sc.home_pos[h].lon * 1e6) / 1e6,
                             std::round(sc.home_pos[h].lat * 1e6) / 1e6,
                             std::round(sc.homes[h].population * 10) / 10});
        }
        j["homes"] = std::move(homes);
        // The walkable streets, for orientation (the page loads no map tiles).
        json streets = json::array();
        const WalkGraph& g = *sc.graph;
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            json line = json::array();
            for (LonLat q : g.edge_shape(e))
                line.push_back({std::round(q.lon * 1e5) / 1e5, std::round(q.lat * 1e5) / 1e5});
            streets.push_back(std::move(line));
        }
        j["streets"] = std::move(streets);
        json cityc = json::array();
        for (const auto& x : base_report.city)
            cityc.push_back({{"population", x.population},
                             {"covered", x.covered_population},
                             {"share", x.share}});
        j["city"] = {{"score", base_report.city_score},
                     {"categories", std::move(cityc)},
                     {"network", json::parse(io::network_indicators_json(network.city))}};
        return j;
    }

    // ---- reading an edit -----------------------------------------------------------------

    std::uint32_t category_of(const std::string& id) const {
        for (std::uint32_t c = 0; c < sc.rules.size(); ++c)
            if (sc.rules[c].id == id) return c;
        std::string list;
        for (const auto& r : sc.rules) list += (list.empty() ? "" : ", ") + r.id;
        refuse(422, "unknown category '" + id + "'", "use one of: " + list);
    }

    // As ScenarioEvaluator: outside the bounds or beyond the snap limit is refused.
    SnapResult place(LonLat p, const char* what) const {
        if (!std::isfinite(p.lon) || !std::isfinite(p.lat))
            refuse(400, std::string(what) + ": lon and lat must be finite numbers");
        const auto& b = sc.bbox;
        if (p.lon < b[0] || p.lon > b[2] || p.lat < b[1] || p.lat > b[3]) {
            refuse(422,
                   std::string(what) + ": point " + fmt_point(p) +
                       " (WGS84) lies outside the city's bounds [" + fmt_point({b[0], b[1]}) +
                       " – " + fmt_point({b[2], b[3]}) + "]",
                   "click inside the city");
        }
        const SnapResult r = snapper->snap(p, sc.max_snap_m);
        if (!r.ok()) {
            const double d = snapper->nearest_metres(p);
            const SnapResult n = snapper->snap(p, std::isfinite(d) ? d + 1 : 1e9);
            refuse(422,
                   std::string(what) + ": point " + fmt_point(p) + " lies " +
                       std::to_string(std::lround(d)) +
                       " m from the nearest walkable street (limit " +
                       std::to_string(std::lround(sc.max_snap_m)) + " m)",
                   n.ok() ? "the nearest valid place is " + fmt_point(n.on_edge) + " (WGS84)"
                          : "the network is empty");
        }
        return r;
    }

    // As ScenarioEvaluator::find_facility: id first, then name; unique.
    std::pair<std::uint32_t, std::size_t> find_facility(const std::string& ref,
                                                        std::uint32_t only) const {
        std::vector<std::pair<std::uint32_t, std::size_t>> by_id, by_name;
        for (std::uint32_t c = 0; c < sc.facilities.size(); ++c) {
            if (only != kInvalidId && c != only) continue;
            for (std::size_t i = 0; i < sc.facilities[c].size(); ++i) {
                if (sc.facilities[c][i].id == ref)
                    by_id.emplace_back(c, i);
                else if (sc.facilities[c][i].name == ref)
                    by_name.emplace_back(c, i);
            }
        }
        const auto& found = by_id.empty() ? by_name : by_id;
        if (found.size() == 1) return found.front();
        if (found.empty())
            refuse(422, "no facility with id or name '" + ref + "'",
                   "use an id from GET /api/city (facilities)");
        std::string ids;
        for (const auto& [c, i] : found) ids += (ids.empty() ? "" : ", ") + sc.facilities[c][i].id;
        refuse(422, "the name '" + ref + "' is ambiguous", "name it by id: " + ids);
    }

    // Checks `spec` against the session's state and fills in what it refers to.
    void resolve(EditSpec& e, const Session& s) const {
        const char* what = scenarios::edit_type_name(e.type);
        switch (e.type) {
            case EditType::kAddFacility:
            case EditType::kAddStop:
                if (e.type == EditType::kAddStop) {
                    if (sc.stop_category == kInvalidId)
                        refuse(422, "add_stop: the rule set has no bus-stop category",
                               "add a category with from_bus_stops = true to the rules");
                    e.cat = sc.stop_category;
                } else {
                    e.cat = category_of(e.category);
                }
                if (e.capacity && !(std::isfinite(*e.capacity) && *e.capacity > 0))
                    refuse(400, "capacity must be a positive number", "leave it out for none");
                e.snap = place(e.pos, what);
                return;
            case EditType::kMoveFacility:
                if (e.added_by > 0) {
                    if (e.added_by > s.done.size())
                        refuse(
                            422,
                            "move_added: the edit list has no edit " + std::to_string(e.added_by),
                            "name the add_facility / add_stop edit by its number in the list");
                    const EditSpec& add = s.done[e.added_by - 1].spec;
                    if (add.type != EditType::kAddFacility && add.type != EditType::kAddStop)
                        refuse(422,
                               "move_added: edit " + std::to_string(e.added_by) + " is a " +
                                   scenarios::edit_type_name(add.type) + ", not an added facility",
                               "move a base facility with move_facility");
                    e.cat = add.cat;
                    e.snap = place(e.pos, "move_added");
                    return;
                }
                [[fallthrough]];
            case EditType::kCloseFacility:
            case EditType::kRemoveStop: {
                std::uint32_t only = kInvalidId;
                if (e.type == EditType::kRemoveStop) {
                    if (sc.stop_category == kInvalidId)
                        refuse(422, "remove_stop: the rule set has no bus-stop category");
                    only = sc.stop_category;
                } else if (!e.category.empty()) {
                    only = category_of(e.category);
                }
                if (e.ref.empty()) refuse(400, std::string(what) + ": missing 'id'");
                const auto [cat, i] = find_facility(e.ref, only);
                if (s.closed[cat][i])
                    refuse(422, "facility '" + e.ref + "' was already closed by an earlier edit",
                           "undo the closing first");
                e.cat = cat;
                e.index = i;
                if (e.type == EditType::kMoveFacility) e.snap = place(e.pos, what);
                return;
            }
            case EditType::kAddLink: {
                const SnapResult a = place(e.pos, what), b = place(e.pos2, what);
                if (a.edge == b.edge)
                    refuse(422, "add_link: both ends lie on the same street segment",
                           "a link joins two different streets (or two ends of a dead end)");
                return;
            }
            case EditType::kCloseLink:
                place(e.pos, what);
                return;
            case EditType::kCloseWay: {
                const WalkGraph& g = *sc.graph;
                for (EdgeId x = 0; x < g.num_edges(); ++x)
                    if (g.edge_source_id(x) == e.way_id) return;
                refuse(422, "no walkable street has OSM way id " + std::to_string(e.way_id),
                       "take the way id from openstreetmap.org (way/…), or use close_link");
            }
            case EditType::kSetPopulation:
                if (!std::isfinite(e.residents) || e.residents < 0)
                    refuse(400, "set_population: residents must be a number >= 0");
                place(e.pos, what);
                return;
            case EditType::kOpenGate: {
                for (const auto& c : sc.compounds)
                    if (c.id == e.ref || c.name == e.ref) return;
                refuse(422, "open_gate: no compound with id or name '" + e.ref + "'",
                       "name a compound of the city's [compounds] file");
            }
            case EditType::kProfile: {
                if (sc.profiles.count(e.profile)) return;
                std::string list;
                for (const auto& [n, p] : sc.profiles) list += (list.empty() ? "" : ", ") + n;
                refuse(422, "unknown walker profile '" + e.profile + "'", "use one of: " + list);
            }
        }
    }

    static EditSpec parse_edit(const std::string& body) {
        json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) refuse(400, "the body is not valid JSON", "send one edit object");
        if (!j.is_object()) refuse(400, "an edit must be a JSON object");
        EditSpec e;
        const auto type = j.find("type");
        if (type == j.end() || !type->is_string())
            refuse(400, "missing 'type'",
                   "one of add_facility, move_facility, close_facility, add_stop, remove_stop");
        const std::string t = type->get<std::string>();
        std::vector<std::string> keys;
        if (t == "add_facility") {
            e.type = EditType::kAddFacility;
            keys = {"type", "category", "lon", "lat", "name", "capacity"};
        } else if (t == "add_stop") {
            e.type = EditType::kAddStop;
            keys = {"type", "lon", "lat", "name"};
        } else if (t == "move_facility") {
            e.type = EditType::kMoveFacility;
            keys = {"type", "category", "id", "lon", "lat"};
        } else if (t == "move_added") {
            e.type = EditType::kMoveFacility;
            keys = {"type", "edit", "lon", "lat"};
        } else if (t == "close_facility") {
            e.type = EditType::kCloseFacility;
            keys = {"type", "category", "id"};
        } else if (t == "remove_stop") {
            e.type = EditType::kRemoveStop;
            keys = {"type", "id"};
        } else if (t == "add_link") {
            e.type = EditType::kAddLink;
            keys = {"type", "from", "to", "name"};
        } else if (t == "close_way") {
            e.type = EditType::kCloseWay;
            keys = {"type", "way"};
        } else if (t == "close_link") {
            e.type = EditType::kCloseLink;
            keys = {"type", "lon", "lat"};
        } else if (t == "set_population") {
            e.type = EditType::kSetPopulation;
            keys = {"type", "lon", "lat", "residents", "name"};
        } else if (t == "profile") {
            e.type = EditType::kProfile;
            keys = {"type", "profile"};
        } else if (t == "open_gate") {
            e.type = EditType::kOpenGate;
            keys = {"type", "compound", "lon", "lat", "name"};
        } else {
            refuse(400, "unknown edit type '" + t + "'",
                   "one of add_facility, move_facility, close_facility, add_stop, remove_stop");
        }
        for (const auto& [k, v] : j.items()) {
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
                std::string list;
                for (const auto& x : keys) list += (list.empty() ? "" : ", ") + x;
                refuse(400, t + ": unknown key '" + k + "'", "a " + t + " edit has " + list);
            }
        }
        auto str = [&](const char* k, bool required) -> std::string {
            const auto it = j.find(k);
            if (it == j.end()) {
                if (required) refuse(400, t + ": missing '" + k + "'");
                return {};
            }
            if (!it->is_string()) refuse(400, t + ": '" + k + "' must be a string");
            return it->get<std::string>();
        };
        auto num = [&](const char* k) -> double {
            const auto it = j.find(k);
            if (it == j.end()) refuse(400, t + ": missing '" + k + "'");
            if (!it->is_number()) refuse(400, t + ": '" + k + "' must be a number");
            const double v = it->get<double>();
            if (!std::isfinite(v)) refuse(400, t + ": '" + k + "' must be finite");
            return v;
        };
        auto pair = [&](const char* k) -> LonLat {
            const auto it = j.find(k);
            if (it == j.end()) refuse(400, t + ": missing '" + k + "'");
            if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number() ||
                !(*it)[1].is_number())
                refuse(400, t + ": '" + k + "' must be [lon, lat]");
            const LonLat p{(*it)[0].get<double>(), (*it)[1].get<double>()};
            if (!std::isfinite(p.lon) || !std::isfinite(p.lat))
                refuse(400, t + ": '" + k + "' must be finite");
            return p;
        };
        switch (e.type) {
            case EditType::kAddLink:
                e.pos = pair("from");
                e.pos2 = pair("to");
                e.name = str("name", false);
                return e;
            case EditType::kCloseWay: {
                const auto it = j.find("way");
                if (it == j.end() || !it->is_number_integer())
                    refuse(400, "close_way: 'way' must be an OSM way id (integer)");
                e.way_id = it->get<std::int64_t>();
                return e;
            }
            case EditType::kCloseLink:
                e.pos = {num("lon"), num("lat")};
                return e;
            case EditType::kSetPopulation:
                e.pos = {num("lon"), num("lat")};
                e.residents = num("residents");
                e.name = str("name", false);
                return e;
            case EditType::kProfile:
                e.profile = str("profile", true);
                return e;
            case EditType::kOpenGate:
                e.ref = str("compound", true);
                e.pos = {num("lon"), num("lat")};
                e.name = str("name", false);
                return e;
            default:
                break;
        }
        if (t == "move_added") {
            const auto it = j.find("edit");
            if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() < 1 ||
                it->get<std::uint64_t>() > 1000000)
                refuse(400,
                       "move_added: 'edit' must be the number (1, 2, …) of an "
                       "add_facility or add_stop edit in the list");
            e.added_by = it->get<std::size_t>();
            e.pos = {num("lon"), num("lat")};
            return e;
        }
        const bool has_point =
            e.type != EditType::kCloseFacility && e.type != EditType::kRemoveStop;
        if (has_point) e.pos = {num("lon"), num("lat")};
        if (e.type == EditType::kAddFacility) e.category = str("category", true);
        if (e.type == EditType::kMoveFacility || e.type == EditType::kCloseFacility)
            e.category = str("category", false);
        if (e.type == EditType::kAddFacility || e.type == EditType::kAddStop)
            e.name = str("name", false);
        if (!has_point || e.type == EditType::kMoveFacility) e.ref = str("id", true);
        if (j.contains("capacity")) e.capacity = num("capacity");
        return e;
    }

    // ---- applying and undoing -------------------------------------------------------------

    static void touch(Session& s, const Delta& d) {
        if (d.changes.empty()) return;
        std::vector<std::uint64_t> keys;
        keys.reserve(d.changes.size());
        for (const HomeChange& c : d.changes) keys.push_back(pair_key(c.category, c.home));
        std::sort(keys.begin(), keys.end());
        std::vector<std::uint64_t> merged;
        merged.reserve(s.touched.size() + keys.size());
        std::set_union(s.touched.begin(), s.touched.end(), keys.begin(), keys.end(),
                       std::back_inserter(merged));
        s.touched = std::move(merged);
    }

    // `e` has been resolved against `s`: nothing here can fail.
    Applied apply(Session& s, const EditSpec& e) const {
        Applied a{e, {}, 0};
        if (structural(e.type)) {
            a.undo.kind = Undo::kNone;
            return a;
        }
        Delta d;
        switch (e.type) {
            case EditType::kAddFacility:
            case EditType::kAddStop:
                a.undo = {Undo::kRemove, s.model->add_facility(e.cat, e.snap, &d), {}};
                break;
            case EditType::kMoveFacility: {
                const FacilityHandle f =
                    e.added_by > 0 ? s.done[e.added_by - 1].undo.handle : s.handles[e.cat][e.index];
                a.undo = {Undo::kMoveBack, f, s.model->facility_entrances(f)};
                s.model->move_facility(f, e.snap, &d);
                break;
            }
            default: {  // close / remove
                const FacilityHandle f = s.handles[e.cat][e.index];
                a.undo = {Undo::kRestore, f, s.model->facility_entrances(f)};
                s.model->remove_facility(f, &d);
                s.closed[e.cat][e.index] = 1;
                break;
            }
        }
        a.homes_changed = d.changes.size();
        s.model->update_report(s.report, d);
        touch(s, d);
        return a;
    }

    void revert(Session& s, const Applied& a) const {
        Delta d;
        switch (a.undo.kind) {
            case Undo::kNone:
                return;
            case Undo::kRemove:
                s.model->remove_facility(a.undo.handle, &d);
                break;
            case Undo::kMoveBack:
                s.model->move_facility(a.undo.handle, a.undo.entrances, &d);
                break;
            case Undo::kRestore: {
                const EditSpec& e = a.spec;
                s.handles[e.cat][e.index] = s.model->add_facility(e.cat, a.undo.entrances, &d);
                s.closed[e.cat][e.index] = 0;
                break;
            }
        }
        s.model->update_report(s.report, d);
        touch(s, d);
    }

    // ---- the session's figures ---------------------------------------------------------------

    json edit_json(const EditSpec& e) const {
        json j{{"type", scenarios::edit_type_name(e.type)}};
        if (e.cat < sc.rules.size()) j["category"] = sc.rules[e.cat].id;
        switch (e.type) {
            case EditType::kAddFacility:
            case EditType::kAddStop:
                j["name"] = e.name;
                j["lon"] = e.pos.lon;
                j["lat"] = e.pos.lat;
                if (e.capacity) j["capacity"] = *e.capacity;
                break;
            case EditType::kAddLink:
                j["name"] = e.name;
                j["from"] = {e.pos.lon, e.pos.lat};
                j["to"] = {e.pos2.lon, e.pos2.lat};
                break;
            case EditType::kCloseWay:
                j["way"] = e.way_id;
                break;
            case EditType::kCloseLink:
                j["lon"] = e.pos.lon;
                j["lat"] = e.pos.lat;
                break;
            case EditType::kSetPopulation:
                j["name"] = e.name;
                j["lon"] = e.pos.lon;
                j["lat"] = e.pos.lat;
                j["residents"] = e.residents;
                break;
            case EditType::kProfile:
                j["profile"] = e.profile;
                break;
            case EditType::kOpenGate:
                j["compound"] = e.ref;
                j["name"] = e.name;
                j["lon"] = e.pos.lon;
                j["lat"] = e.pos.lat;
                break;
            case EditType::kMoveFacility:
                j["lon"] = e.pos.lon;
                j["lat"] = e.pos.lat;
                if (e.added_by > 0) {
                    j["type"] = "move_added";
                    j["edit"] = e.added_by;
                    break;
                }
                j["id"] = e.ref;
                [[fallthrough]];
            default: {
                const auto& f = sc.facilities[e.cat][e.index];
                j["id"] = e.ref;
                j["facility"] = {{"id", f.id},
                                 {"name", f.name},
                                 {"index", e.index},
                                 {"lon", f.pos.lon},
                                 {"lat", f.pos.lat}};
                break;
            }
        }
        return j;
    }

    // Gained / lost as ScenarioEvaluator::compare: over the touched pairs in (category, home)
    // order, so that the sums are the same bit for bit.
    json state_json(const std::string& id, const Session& s) const {
        const std::uint32_t nc = num_communities();
        const std::uint32_t ncat = static_cast<std::uint32_t>(sc.rules.size());
        std::vector<double> city_gained(ncat, 0), city_lost(ncat, 0);
        std::map<std::uint32_t, std::vector<std::pair<double, double>>> com;  // gained, lost
        for (const std::uint64_t key : s.touched) {
            const std::uint32_t k = static_cast<std::uint32_t>(key >> 32);
            const HomeId h = static_cast<HomeId>(key & 0xffffffffu);
            const bool was = base_covered[k][h];
            const bool is = s.model->covered(k, h);
            if (was == is) continue;
            const double pop = sc.homes[h].population;
            (is ? city_gained[k] : city_lost[k]) += pop;
            const CommunityId c = sc.homes[h].community;
            if (c < nc) {
                auto& v = com[c];
                if (v.empty()) v.assign(ncat, {0.0, 0.0});
                (is ? v[k].first : v[k].second) += pop;
            }
        }
        // Communities whose figures differ from the base: those with a touched home.
        for (const std::uint64_t key : s.touched) {
            const CommunityId c = sc.homes[key & 0xffffffffu].community;
            if (c < nc && !com.count(c)) com[c].assign(ncat, {0.0, 0.0});
        }
        json j;
        j["session"] = id;
        json edits = json::array();
        for (const Applied& a : s.done) {
            json e = edit_json(a.spec);
            e["homes_changed"] = a.homes_changed;
            edits.push_back(std::move(e));
        }
        j["edits"] = std::move(edits);
        j["can_undo"] = !s.done.empty();
        j["can_redo"] = !s.redo.empty();
        if (!s.redo.empty()) j["redo_next"] = edit_json(s.redo.back());
        json cats = json::array();
        for (std::uint32_t k = 0; k < ncat; ++k) {
            cats.push_back({{"covered_before", base_report.city[k].covered_population},
                            {"covered_after", s.report.city[k].covered_population},
                            {"gained", city_gained[k]},
                            {"lost", city_lost[k]},
                            {"share_before", base_report.city[k].share},
                            {"share_after", s.report.city[k].share}});
        }
        j["city"] = {{"score_before", base_report.city_score},
                     {"score_after", s.report.city_score},
                     {"categories", std::move(cats)}};
        json coms = json::array();
        for (const auto& [c, v] : com) {
            const CommunityMetrics& b = base_report.communities[c];
            const CommunityMetrics& a = s.report.communities[c];
            json by = json::object();
            for (std::uint32_t k = 0; k < ncat; ++k) {
                const auto& bk = b.by_category[k];
                const auto& ak = a.by_category[k];
                if (v[k].first == 0 && v[k].second == 0 &&
                    bk.covered_population == ak.covered_population && bk.pass == ak.pass &&
                    bk.facilities_within == ak.facilities_within && bk.median_m == ak.median_m)
                    continue;
                by[sc.rules[k].id] = {{"gained", v[k].first},
                                      {"lost", v[k].second},
                                      {"covered_before", bk.covered_population},
                                      {"covered_after", ak.covered_population},
                                      {"share_before", bk.share},
                                      {"share_after", ak.share},
                                      {"pass_before", bk.pass},
                                      {"pass_after", ak.pass}};
            }
            if (by.empty() && b.score == a.score) continue;
            coms.push_back({{"community", c},
                            {"name", sc.community_names[c]},
                            {"score_before", b.score},
                            {"score_after", a.score},
                            {"categories", std::move(by)}});
        }
        j["communities"] = std::move(coms);
        if (has_structural(s)) {
            // Figures of the last finished full run; "stale" while the list has changed since.
            const bool failed = s.error_version == s.version && !s.rebuild_error.empty();
            json r{{"pending", s.rebuilding},
                   {"stale", !s.rebuilt || s.rebuilt_version != s.version},
                   {"seconds",
                    s.rebuilding
                        ? std::chrono::duration<double>(Clock::now() - s.rebuild_start).count()
                        : 0.0}};
            if (failed) r["error"] = s.rebuild_error;
            if (s.rebuilt) {
                j["city"] = (*s.rebuilt)["city"];
                j["communities"] = (*s.rebuilt)["communities"];
            }
            j["rebuild"] = std::move(r);
        } else {
            j["rebuild"] = nullptr;
        }
        return j;
    }

    // ---- network, population and profile edits: full runs in the background -----------------

    scenarios::Scenario to_scenario(const Session& s) const {
        scenarios::Scenario out;
        out.name = "lc15 serve session";
        for (const EditSpec& e : scenario_edits(s)) {
            scenarios::Edit x;
            x.type = e.type;
            x.index = out.edits.size() + 1;
            x.where = "session (edit " + std::to_string(x.index) + ")";
            x.category = e.type == EditType::kAddFacility ? sc.rules[e.cat].id : e.category;
            x.name = e.name;
            x.ref = e.ref;
            if (e.capacity) x.capacity = *e.capacity;
            x.way_id = e.way_id;
            x.residents = e.residents;
            x.profile = e.profile;
            switch (e.type) {
                case EditType::kAddFacility:
                case EditType::kAddStop:
                    x.points = {e.pos};
                    x.point_names = {e.name};
                    break;
                case EditType::kMoveFacility:
                case EditType::kCloseLink:
                case EditType::kSetPopulation:
                case EditType::kOpenGate:
                    x.points = {e.pos};
                    break;
                case EditType::kAddLink:
                    x.points = {e.pos, e.pos2};
                    break;
                default:
                    break;
            }
            out.edits.push_back(std::move(x));
        }
        return out;
    }

    // The evaluator's outcome in the shape of state_json's "city" and "communities".
    json outcome_json(const scenarios::ScenarioOutcome& out) const {
        json cats = json::array();
        for (const auto& c : out.city)
            cats.push_back({{"covered_before", c.covered_before},
                            {"covered_after", c.covered_after},
                            {"gained", c.gained},
                            {"lost", c.lost},
                            {"share_before", c.share_before},
                            {"share_after", c.share_after}});
        json coms = json::array();
        for (std::uint32_t c = 0; c < out.communities.size(); ++c) {
            const auto& oc = out.communities[c];
            json by = json::object();
            for (std::size_t k = 0; k < oc.by_category.size(); ++k) {
                const auto& x = oc.by_category[k];
                if (x.gained == 0 && x.lost == 0 && x.covered_before == x.covered_after &&
                    x.share_before == x.share_after)
                    continue;
                const double target = sc.rules[k].target_share;
                by[sc.rules[k].id] = {{"gained", x.gained},
                                      {"lost", x.lost},
                                      {"covered_before", x.covered_before},
                                      {"covered_after", x.covered_after},
                                      {"share_before", x.share_before},
                                      {"share_after", x.share_after},
                                      {"pass_before", x.share_before >= target},
                                      {"pass_after", x.share_after >= target}};
            }
            if (by.empty() && oc.score_before == oc.score_after) continue;
            coms.push_back({{"community", c},
                            {"name", oc.name},
                            {"score_before", oc.score_before},
                            {"score_after", oc.score_after},
                            {"categories", std::move(by)}});
        }
        return {{"city",
                 {{"score_before", out.city_score_before},
                  {"score_after", out.city_score_after},
                  {"categories", std::move(cats)}}},
                {"communities", std::move(coms)}};
    }

    // After every change of s.done (s.mutex held): starts a background run when the edit list
    // holds a network, population or profile edit and none is running (a running one picks
    // the new list up when it ends).
    void schedule(const std::shared_ptr<Session>& s) {
        ++s->version;
        if (!has_structural(*s)) {
            s->rebuilt.reset();
            s->world.reset();
            s->rebuild_error.clear();
            return;
        }
        if (s->rebuilding) return;
        s->rebuilding = true;
        s->rebuild_start = Clock::now();
        {
            std::lock_guard lock(jobs_mutex);
            ++jobs_running;
        }
        std::thread([this, s] { run_rebuilds(s); }).detach();
    }

    void run_rebuilds(const std::shared_ptr<Session>& s) {
        for (;;) {
            scenarios::Scenario scenario;
            std::uint64_t v = 0;
            {
                std::lock_guard lock(s->mutex);
                if (!has_structural(*s)) {
                    s->rebuilding = false;
                    break;
                }
                v = s->version;
                scenario = to_scenario(*s);
            }
            json result;
            auto world = std::make_shared<scenarios::ScenarioWorld>();
            std::string error;
            try {
                std::lock_guard lock(evaluator_mutex);
                if (!evaluator) evaluator = std::make_unique<scenarios::ScenarioEvaluator>(sc);
                result = outcome_json(evaluator->evaluate(scenario, world.get()));
            } catch (const std::exception& e) {
                error = e.what();
            }
            std::lock_guard lock(s->mutex);
            if (error.empty()) {
                s->rebuilt = std::move(result);
                s->world = std::move(world);
                s->rebuilt_version = v;
            } else {
                s->rebuild_error = error;
                s->error_version = v;
            }
            if (s->version == v) {
                s->rebuilding = false;
                break;
            }
            s->rebuild_start = Clock::now();
        }
        std::lock_guard lock(jobs_mutex);
        --jobs_running;
        jobs_cv.notify_all();
    }

    // ---- the optimiser ----------------------------------------------------------------------

    // Where K new facilities of a category cover the most residents not yet covered by the
    // session's facilities of that category (lazy greedy over street points, as lc15 optimize).
    json optimize(const Session& s, const std::string& body) {
        json j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            refuse(400, "the body is not a JSON object", R"(send {"category": "...", "k": 5})");
        for (const auto& [key, v] : j.items())
            if (key != "category" && key != "k" && key != "min_spacing_m")
                refuse(400, "optimize: unknown key '" + key + "'",
                       "an optimize request has category, k and min_spacing_m");
        if (!j.contains("category") || !j["category"].is_string())
            refuse(400, "optimize: missing 'category'");
        const std::uint32_t cat = category_of(j["category"].get<std::string>());
        if (!j.contains("k") || !j["k"].is_number_integer() || j["k"].get<int>() < 1 ||
            j["k"].get<int>() > 100)
            refuse(400, "optimize: 'k' must be an integer from 1 to 100");
        double spacing = 0;
        if (j.contains("min_spacing_m")) {
            if (!j["min_spacing_m"].is_number() || !(j["min_spacing_m"].get<double>() >= 0) ||
                !std::isfinite(j["min_spacing_m"].get<double>()))
                refuse(400, "optimize: 'min_spacing_m' must be a number >= 0");
            spacing = j["min_spacing_m"].get<double>();
        }
        scenarios::SitingInputs in = scenarios::make_siting_inputs(city, cat);
        std::vector<SnapResult> cands;
        {
            std::lock_guard lock(candidates_mutex);
            auto it = candidates.find(cat);
            if (it == candidates.end()) {
                CandidateOptions co;
                co.forbidden_flags = in.options.forbidden_flags;
                const Candidates c =
                    generate_candidates(*sc.graph, co, in.home_points, in.residential);
                std::vector<SnapResult> inside;
                const auto& b = sc.bbox;
                for (const SnapResult& x : c.snaps) {
                    const LonLat p = x.on_edge;
                    if (p.lon >= b[0] && p.lon <= b[2] && p.lat >= b[1] && p.lat <= b[3])
                        inside.push_back(x);
                }
                it = candidates.emplace(cat, std::move(inside)).first;
            }
            cands = it->second;
        }
        // The session's facilities of the category, as they stand after its edits.
        in.existing.clear();
        in.existing_pos.clear();
        const CoverageModel& m = *s.model;
        for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f) {
            if (!m.facility_active(f) || m.facility_category(f) != cat) continue;
            in.existing.push_back(m.facility_snap(f));
            in.existing_pos.push_back(m.facility_snap(f).on_edge);
        }
        SitingOptions opt = in.options;
        opt.radius_m = sc.rules[cat].radius_m;
        opt.k = static_cast<std::uint32_t>(std::min<std::size_t>(j["k"].get<int>(), cands.size()));
        opt.min_spacing_m = spacing;
        std::vector<LonLat> positions;
        for (const SnapResult& x : cands) positions.push_back(x.on_edge);
        const CoverageSets sets = build_coverage_sets(*sc.graph, cands, in.homes, in.existing, opt);
        const SitingResult r = greedy_siting(sets, positions, opt, in.existing_pos);
        json sites = json::array();
        for (const SitingStep& st : r.steps) {
            const LonLat p = positions[st.candidate];
            sites.push_back({{"lon", p.lon},
                             {"lat", p.lat},
                             {"gain", st.gain},
                             {"covered", st.covered},
                             {"share", st.share}});
        }
        return {{"category", sc.rules[cat].id},
                {"k", j["k"]},
                {"candidates", cands.size()},
                {"base_covered", r.base_covered},
                {"total_population", r.total_population},
                {"exhausted", r.exhausted},
                {"sites", std::move(sites)}};
    }

    // ---- the printable map of a session ---------------------------------------------------------

    // The city's facility records as the session has them: closed ones left out, moved ones
    // at their new place, added ones appended (what the map draws; the model holds the rest).
    std::vector<io::FacilityRecord> facility_records(const Session& s) const {
        std::map<std::pair<std::uint32_t, std::size_t>, LonLat> moved;
        for (const Applied& a : s.done)
            if (a.spec.type == EditType::kMoveFacility && a.spec.added_by == 0)
                moved[{a.spec.cat, a.spec.index}] = a.spec.pos;
        std::vector<io::FacilityRecord> out;
        std::vector<std::size_t> seen(sc.facilities.size(), 0);
        for (const io::FacilityRecord& r : city.facilities) {
            if (r.status == io::FacilityRecord::Status::Merged) continue;  // as sc.facilities
            const std::size_t i = seen.at(r.category)++;
            if (s.closed[r.category][i]) continue;
            out.push_back(r);
            if (const auto it = moved.find({r.category, i}); it != moved.end()) {
                out.back().pos = it->second;
                out.back().is_area = false;
            }
        }
        for (const EditSpec& e : scenario_edits(s)) {
            if (e.type != EditType::kAddFacility && e.type != EditType::kAddStop) continue;
            io::FacilityRecord x;
            x.category = e.cat;
            x.source = "lc15 serve";
            x.name = e.name;
            x.pos = e.pos;
            x.snap = e.snap;
            x.entrances = {e.snap};
            out.push_back(std::move(x));
        }
        return out;
    }

    // {"format": "pdf"|"png", "category": "kindergarten" (absent: the overview),
    //  "bounds": [west, south, east, north], "paper": "A3", "portrait": false}
    Reply export_map(const Session& s, const std::string& body) const {
        json j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            refuse(400, "the body is not a JSON object",
                   R"(send {"format": "pdf", "category": "kindergarten", "bounds": [w, s, e, n]})");
        for (const auto& [key, v] : j.items())
            if (key != "format" && key != "category" && key != "bounds" && key != "paper" &&
                key != "portrait")
                refuse(400, "export: unknown key '" + key + "'",
                       "an export has format, category, bounds, paper and portrait");
        std::string format = "pdf";
        if (j.contains("format") && j["format"].is_string()) format = j["format"];
        if ((j.contains("format") && !j["format"].is_string()) ||
            (format != "pdf" && format != "png"))
            refuse(400, "export: 'format' must be \"pdf\" or \"png\"");
        maps::MapSpec spec{maps::MapKind::kOverview, 0};
        if (j.contains("category") && !j["category"].is_null()) {
            if (!j["category"].is_string()) refuse(400, "export: 'category' must be a string");
            spec = {maps::MapKind::kCategory, category_of(j["category"].get<std::string>())};
        }
        maps::MapOptions opt;
        opt.png_dpi = 150;  // A3 at 150 dpi: 2481 x 1754 pixels, enough for a screen or a handout
        std::string paper = "A3";
        bool portrait = false;
        if (j.contains("paper")) {
            if (!j["paper"].is_string()) refuse(400, "export: 'paper' must be A4, A3 or A1");
            paper = j["paper"].get<std::string>();
        }
        if (j.contains("portrait")) {
            if (!j["portrait"].is_boolean())
                refuse(400, "export: 'portrait' must be true or false");
            portrait = j["portrait"].get<bool>();
        }
        try {
            opt.paper = maps::paper_size(paper, portrait);
        } catch (const InputError& e) {
            refuse(400, std::string("export: ") + e.what());
        }
        if (j.contains("bounds")) {
            const json& b = j["bounds"];
            if (!b.is_array() || b.size() != 4 ||
                !std::all_of(b.begin(), b.end(), [](const json& x) { return x.is_number(); }))
                refuse(400, "export: 'bounds' must be [west, south, east, north] (WGS84)");
            double v[4];
            for (int i = 0; i < 4; ++i) {
                v[i] = b[i].get<double>();
                if (!std::isfinite(v[i])) refuse(400, "export: 'bounds' must be finite");
            }
            // The view clipped to the city: a view zoomed out beyond it prints the city.
            const auto& c = sc.bbox;
            const LonLat lo{std::max(v[0], c[0]), std::max(v[1], c[1])};
            const LonLat hi{std::min(v[2], c[2]), std::min(v[3], c[3])};
            if (!(v[0] < v[2] && v[1] < v[3]))
                refuse(400, "export: 'bounds' must have west < east and south < north");
            if (!(lo.lon < hi.lon && lo.lat < hi.lat))
                refuse(422,
                       "export: the view " + fmt_point({v[0], v[1]}) + " – " +
                           fmt_point({v[2], v[3]}) + " lies outside the city",
                       "pan the map back to the city");
            opt.view = std::pair<LonLat, LonLat>{lo, hi};
        }
        // After a network, housing or walker edit the figures are those of the background
        // run: the map draws the graph, model and report that run measured (the same objects
        // the session's figures were read from), once it has caught up with the edit list.
        const scenarios::ScenarioWorld* world = nullptr;
        if (has_structural(s)) {
            if (s.error_version == s.version && !s.rebuild_error.empty())
                refuse(422,
                       "export: the session's edits could not be evaluated: " + s.rebuild_error,
                       "undo the edit that failed, then print");
            if (!s.world || s.rebuilt_version != s.version)
                refuse(409,
                       "export: the session's network, housing or walker edits are still being "
                       "evaluated",
                       "wait until GET /api/sessions/ID answers rebuild.pending = false and "
                       "rebuild.stale = false (the page shows the new figures), then print");
            world = s.world.get();
        }
        try {
            maps::require_fonts();
        } catch (const InputError& e) {
            refuse(503, e.what(), "install fonts-noto-cjk on the server (scripts/setup)");
        }
        const std::vector<io::FacilityRecord> records = facility_records(s);
        maps::MapInputs in{&city, s.model.get(), &s.report, nullptr};
        in.network = &network;  // the base city's, as before any edit
        if (world) {
            in.model = world->model.get();
            in.report = &world->report;
            if (world->profile != city.walker.name) {
                io::WalkerProfile w = city.config.profiles.at(world->profile);
                w.name = world->profile;
                opt.walker = std::move(w);
            }
        }
        in.facilities = &records;
        const std::size_t n = scenario_edits(s).size();
        opt.note = n == 0 ? " · 现状" : " · 方案：" + std::to_string(n) + " 项修改（lc15 serve）";
        const maps::MapResult r = maps::render_map(
            in, spec, opt, format == "pdf" ? maps::Format::kPdf : maps::Format::kPng);
        return {200, r.bytes, format == "pdf" ? "application/pdf" : "image/png"};
    }

    // ---- comparing two scenario files ----------------------------------------------------------

    // {"scenarios": [{"label": "a.toml", "text": "..."}, {...}]}: each file evaluated over the
    // base city by the evaluator of `lc15 scenario` (all edit types), in the shape of a
    // session's figures, side by side. Touches no session.
    json compare(const std::string& body) {
        json j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            refuse(400, "the body is not a JSON object",
                   R"(send {"scenarios": [{"label": "a.toml", "text": "..."}, {...}]})");
        for (const auto& [key, v] : j.items())
            if (key != "scenarios")
                refuse(400, "compare: unknown key '" + key + "'", "a comparison has scenarios");
        const auto list = j.find("scenarios");
        if (list == j.end() || !list->is_array() || list->size() != 2)
            refuse(400, "compare: 'scenarios' must be an array of two scenario files",
                   R"(each {"label": "file name", "text": "the file's text"})");
        struct Read {
            std::string label;
            scenarios::Scenario scenario;
        };
        std::vector<Read> read;
        for (std::size_t i = 0; i < 2; ++i) {
            const json& x = (*list)[i];
            const std::string which = std::string(1, static_cast<char>('A' + i));
            if (!x.is_object() || !x.contains("text") || !x["text"].is_string())
                refuse(400, "compare: scenario " + which + " needs 'text' (the file's text)");
            for (const auto& [key, v] : x.items())
                if (key != "label" && key != "text")
                    refuse(400, "compare: scenario " + which + ": unknown key '" + key + "'",
                           "a scenario has label and text");
            std::string label = "scenario " + which;
            if (x.contains("label")) {
                if (!x["label"].is_string() || x["label"].get<std::string>().size() > 200)
                    refuse(400, "compare: 'label' must be a string of at most 200 bytes");
                if (!x["label"].get<std::string>().empty()) label = x["label"];
            }
            read.push_back({label, read_scenario_text(x["text"].get<std::string>(), label)});
        }
        json out = json::array();
        for (const Read& r : read) {
            scenarios::ScenarioOutcome o;
            try {
                std::lock_guard lock(evaluator_mutex);
                if (!evaluator) evaluator = std::make_unique<scenarios::ScenarioEvaluator>(sc);
                o = evaluator->evaluate(r.scenario);
            } catch (const InputError& e) {
                refuse(422, e.what());
            }
            json x = outcome_json(o);
            x["label"] = r.label;
            x["name"] = r.scenario.name;
            x["description"] = r.scenario.description;
            x["edits"] = r.scenario.edits.size();
            x["log"] = o.log;
            out.push_back(std::move(x));
        }
        return {{"scenarios", std::move(out)}};
    }

    // ---- sessions ----------------------------------------------------------------------------

    std::shared_ptr<Session> find(const std::string& id) {
        std::lock_guard lock(sessions_mutex);
        const auto it = sessions.find(id);
        if (it == sessions.end())
            refuse(404, "unknown session '" + id + "'",
                   "start one with POST /api/sessions (sessions end after " +
                       std::to_string(options.idle_timeout.count() / 60) +
                       " idle minutes or when the server restarts)");
        return it->second;
    }

    std::string new_id() {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                      static_cast<unsigned long long>(rng()));
        return buf;
    }

    // The edit list as a scenario file states it: a move of a facility added in the session
    // is no edit of its own but the place of the add_facility / add_stop edit (where it ends
    // up), which `lc15 scenario` evaluates to the same figures.
    static std::vector<EditSpec> scenario_edits(const Session& s) {
        std::vector<EditSpec> out;
        std::vector<std::size_t> at(s.done.size(), 0);  // done index -> out index
        for (std::size_t i = 0; i < s.done.size(); ++i) {
            const EditSpec& e = s.done[i].spec;
            if (e.type == EditType::kMoveFacility && e.added_by > 0) {
                out[at[e.added_by - 1]].pos = e.pos;
                continue;
            }
            at[i] = out.size();
            out.push_back(e);
        }
        return out;
    }

    std::string scenario_text(const Session& s) const {
        const std::vector<EditSpec> edits = scenario_edits(s);
        std::string o;
        o += "# What-if scenario saved by lc15 serve; evaluate it with\n";
        o += "#   lc15 scenario --scenario THIS.toml --out DIR\n";
        o += "name = " + quoted("lc15 serve session") + "\n";
        o += "description = " +
             quoted(std::to_string(edits.size()) + " edits made on the planner's page") + "\n";
        o += "base = " + quoted(options.config_path) + "\n";
        for (const EditSpec& e : edits) {
            o += "\n[[edit]]\ntype = " + quoted(scenarios::edit_type_name(e.type)) + "\n";
            switch (e.type) {
                case EditType::kAddFacility:
                    o += "category = " + quoted(sc.rules[e.cat].id) + "\n";
                    [[fallthrough]];
                case EditType::kAddStop:
                    if (!e.name.empty()) o += "name = " + quoted(e.name) + "\n";
                    o += "lon = " + exact(e.pos.lon) + "\nlat = " + exact(e.pos.lat) + "\n";
                    if (e.capacity) o += "capacity = " + exact(*e.capacity) + "\n";
                    break;
                case EditType::kMoveFacility:
                    if (!e.category.empty()) o += "category = " + quoted(e.category) + "\n";
                    o += "id = " + quoted(e.ref) + "\n";
                    o += "lon = " + exact(e.pos.lon) + "\nlat = " + exact(e.pos.lat) + "\n";
                    break;
                case EditType::kCloseFacility:
                    if (!e.category.empty()) o += "category = " + quoted(e.category) + "\n";
                    o += "id = " + quoted(e.ref) + "\n";
                    break;
                case EditType::kRemoveStop:
                    o += "id = " + quoted(e.ref) + "\n";
                    break;
                case EditType::kAddLink:
                    if (!e.name.empty()) o += "name = " + quoted(e.name) + "\n";
                    o += "from = [" + exact(e.pos.lon) + ", " + exact(e.pos.lat) + "]\n";
                    o += "to = [" + exact(e.pos2.lon) + ", " + exact(e.pos2.lat) + "]\n";
                    break;
                case EditType::kCloseWay:
                    o += "way = " + std::to_string(e.way_id) + "\n";
                    break;
                case EditType::kCloseLink:
                    o += "lon = " + exact(e.pos.lon) + "\nlat = " + exact(e.pos.lat) + "\n";
                    break;
                case EditType::kSetPopulation:
                    if (!e.name.empty()) o += "name = " + quoted(e.name) + "\n";
                    o += "lon = " + exact(e.pos.lon) + "\nlat = " + exact(e.pos.lat) + "\n";
                    o += "residents = " + exact(e.residents) + "\n";
                    break;
                case EditType::kProfile:
                    o += "profile = " + quoted(e.profile) + "\n";
                    break;
                case EditType::kOpenGate:
                    o += "compound = " + quoted(e.ref) + "\n";
                    if (!e.name.empty()) o += "name = " + quoted(e.name) + "\n";
                    o += "lon = " + exact(e.pos.lon) + "\nlat = " + exact(e.pos.lat) + "\n";
                    break;
            }
        }
        return o;
    }

    // A scenario file's text read by lc15 scenario's reader (scenarios::load_scenario) from a
    // private temporary file; no file named by a request is read (`sites` is refused).
    // Messages name `label` (what the planner uploaded) instead of the temporary file.
    scenarios::Scenario read_scenario_text(const std::string& text,
                                           const std::string& label) const {
        toml::table t;
        try {
            t = toml::parse(std::string_view(text), std::string_view(label));
        } catch (const toml::parse_error& e) {
            const auto& b = e.source().begin;
            refuse(400,
                   label + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                       std::string(e.description()),
                   "send the text of a scenario file");
        }
        if (const toml::array* edits = t["edit"].as_array()) {
            for (const toml::node& n : *edits) {
                if (const toml::table* e = n.as_table(); e && e->contains("sites"))
                    refuse(422, label + ": lc15 serve reads no sites file from a request",
                           "give each site as its own add_facility edit (lon, lat)");
            }
        }
        char tmpl[] = "/tmp/lc15_serve_XXXXXX";
        const int fd = mkstemp(tmpl);
        if (fd < 0) throw std::runtime_error("cannot create a temporary file");
        close(fd);
        const fs::path tmp = std::string(tmpl) + ".toml";
        fs::rename(tmpl, tmp);
        {
            std::ofstream f(tmp, std::ios::binary);
            f << text;
        }
        scenarios::Scenario parsed;
        try {
            parsed = scenarios::load_scenario(tmp);
        } catch (const InputError& e) {
            std::error_code ec;
            fs::remove(tmp, ec);
            refuse(422, without(e.what(), tmp.string(), label));
        }
        std::error_code ec;
        fs::remove(tmp, ec);
        parsed.path = label;
        for (scenarios::Edit& e : parsed.edits) e.where = without(e.where, tmp.string(), label);
        return parsed;
    }

    static std::string without(std::string msg, const std::string& path, const std::string& label) {
        for (std::size_t p; (p = msg.find(path)) != std::string::npos;)
            msg.replace(p, path.size(), label);
        return msg;
    }

    // The edits of a scenario file's text (no file is read: `sites` is refused).
    std::vector<EditSpec> parse_scenario(const std::string& text) const {
        const scenarios::Scenario parsed = read_scenario_text(text, "scenario.toml");
        std::vector<EditSpec> out;
        for (const scenarios::Edit& e : parsed.edits) {
            if (structural(e.type)) {
                EditSpec s;
                s.type = e.type;
                s.name = e.name;
                s.ref = e.ref;  // open_gate: the compound
                s.way_id = e.way_id;
                s.residents = e.residents;
                s.profile = e.profile;
                if (e.type == EditType::kSetPopulation && !e.area.empty())
                    refuse(422,
                           "scenario.toml " + e.where.substr(e.where.find(" (") + 1) +
                               ": set_population over a polygon is not applied by lc15 serve",
                           "give the new homes as points (lon, lat, residents), or run the "
                           "scenario with lc15 scenario");
                if (!e.points.empty()) s.pos = e.points[0];
                if (e.points.size() > 1) s.pos2 = e.points[1];
                out.push_back(std::move(s));
                continue;
            }
            for (std::size_t i = 0; i < std::max<std::size_t>(1, e.points.size()); ++i) {
                EditSpec s;
                s.type = e.type;
                s.category = e.category;
                s.ref = e.ref;
                s.name = e.type == EditType::kAddFacility || e.type == EditType::kAddStop
                             ? e.point_names.at(i)
                             : e.name;
                if (!e.points.empty()) s.pos = e.points[i];
                if (std::isfinite(e.capacity)) s.capacity = e.capacity;
                out.push_back(std::move(s));
            }
        }
        return out;
    }
};

Planner::Planner(const io::City& city, PlannerOptions options)
    : impl_(std::make_unique<Impl>(city, std::move(options))) {}
Planner::~Planner() = default;

const Reply& Planner::city() const { return impl_->city_reply; }

std::size_t Planner::num_sessions() const {
    std::lock_guard lock(impl_->sessions_mutex);
    return impl_->sessions.size();
}

std::size_t Planner::session_bytes() const {
    const auto& sc = impl_->sc;
    const std::size_t ncat = sc.rules.size();
    const std::size_t homes = sc.homes.size(), verts = sc.graph->num_vertices();
    std::size_t facs = 0;
    for (const auto& f : sc.facilities) facs += f.size();
    // Per category: results per home, nearest per vertex (engine/coverage.hpp); facility
    // snaps and handles; the report's entries.
    return ncat * (homes * sizeof(HomeCategoryResult) + verts * 8) +
           facs * (sizeof(SnapResult) + 2 * sizeof(FacilityHandle)) +
           impl_->num_communities() * ncat * sizeof(CategoryCommunityMetrics);
}

Reply Planner::create_session() {
    Impl& im = *impl_;
    try {
        {
            std::lock_guard lock(im.sessions_mutex);
            if (im.sessions.size() >= im.options.max_sessions) {
                // Drop the longest idle session if it is past the timeout.
                auto oldest = im.sessions.end();
                for (auto it = im.sessions.begin(); it != im.sessions.end(); ++it)
                    if (oldest == im.sessions.end() ||
                        it->second->last_used < oldest->second->last_used)
                        oldest = it;
                if (oldest != im.sessions.end() &&
                    Clock::now() - oldest->second->last_used > im.options.idle_timeout) {
                    im.sessions.erase(oldest);
                } else {
                    refuse(503,
                           "the server holds its maximum of " +
                               std::to_string(im.options.max_sessions) + " sessions",
                           "close another tab, or start lc15 serve with a larger "
                           "--max-sessions");
                }
            }
        }
        auto s = std::make_shared<Session>();
        im.start(*s);
        std::string id;
        {
            std::lock_guard lock(im.sessions_mutex);
            if (im.sessions.size() >= im.options.max_sessions)
                refuse(503, "the server holds its maximum of sessions", "try again later");
            do id = im.new_id();
            while (im.sessions.count(id));
            im.sessions[id] = s;
        }
        std::lock_guard lock(s->mutex);
        return {201, im.state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::state(const std::string& id) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        return {200, impl_->state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::edit(const std::string& id, const std::string& body) {
    try {
        auto s = impl_->find(id);
        EditSpec e = Impl::parse_edit(body);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        impl_->resolve(e, *s);
        s->done.push_back(impl_->apply(*s, e));
        s->redo.clear();
        impl_->schedule(s);
        return {200, impl_->state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::undo(const std::string& id) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        if (s->done.empty()) refuse(409, "nothing to undo");
        impl_->revert(*s, s->done.back());
        s->redo.push_back(s->done.back().spec);
        s->done.pop_back();
        impl_->schedule(s);
        return {200, impl_->state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::redo(const std::string& id) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        if (s->redo.empty()) refuse(409, "nothing to redo");
        EditSpec e = s->redo.back();
        impl_->resolve(e, *s);  // the state is the one it was made on: always valid
        s->done.push_back(impl_->apply(*s, e));
        s->redo.pop_back();
        impl_->schedule(s);
        return {200, impl_->state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::scenario_toml(const std::string& id) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        return {200, impl_->scenario_text(*s), "application/toml"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::load_scenario(const std::string& id, const std::string& toml_text) {
    try {
        auto s = impl_->find(id);
        std::vector<EditSpec> edits = impl_->parse_scenario(toml_text);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        // Back to the base, then every edit; on a refusal the old edits come back.
        std::vector<EditSpec> old;
        for (const Applied& a : s->done) old.push_back(a.spec);
        while (!s->done.empty()) {
            impl_->revert(*s, s->done.back());
            s->done.pop_back();
        }
        try {
            for (std::size_t i = 0; i < edits.size(); ++i) {
                try {
                    impl_->resolve(edits[i], *s);
                } catch (Refusal& r) {
                    r.message = "scenario.toml (edit " + std::to_string(i + 1) + "): " + r.message;
                    throw;
                }
                s->done.push_back(impl_->apply(*s, edits[i]));
            }
        } catch (const Refusal&) {
            while (!s->done.empty()) {
                impl_->revert(*s, s->done.back());
                s->done.pop_back();
            }
            for (EditSpec& e : old) {
                impl_->resolve(e, *s);
                s->done.push_back(impl_->apply(*s, e));
            }
            throw;
        }
        s->redo.clear();
        impl_->schedule(s);
        return {200, impl_->state_json(id, *s).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::optimize(const std::string& id, const std::string& body) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        return {200, impl_->optimize(*s, body).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::export_map(const std::string& id, const std::string& body) {
    try {
        auto s = impl_->find(id);
        std::lock_guard lock(s->mutex);
        s->last_used = Clock::now();
        return impl_->export_map(*s, body);
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::compare(const std::string& body) {
    try {
        return {200, impl_->compare(body).dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

Reply Planner::close_session(const std::string& id) {
    try {
        impl_->find(id);
        std::lock_guard lock(impl_->sessions_mutex);
        impl_->sessions.erase(id);
        return {200, json{{"closed", id}}.dump(), "application/json"};
    } catch (const Refusal& r) {
        return error_reply(r);
    }
}

}  // namespace lc15::server
