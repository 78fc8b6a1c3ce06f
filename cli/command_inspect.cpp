// lc15 inspect FILE: a data-quality report on an OSM extract that a planner can read.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <filesystem>

#include "cli/command.hpp"
#include "cli/text.hpp"
#include "engine/components.hpp"
#include "engine/snap.hpp"
#include "io/config.hpp"
#include "io/osm_reader.hpp"

namespace lc15::cli {
namespace {

/// The tag a feature is counted under ("amenity=school"), or empty for plain buildings.
std::string main_tag(const io::Feature& f) {
    for (const char* key : {"amenity", "shop", "leisure", "healthcare", "social_facility", "office",
                            "railway", "public_transport", "highway", "landuse", "boundary"}) {
        auto it = f.tags.find(key);
        if (it == f.tags.end() || it->second.empty()) continue;
        std::string s = std::string(key) + "=" + it->second;
        if (std::string(key) == "boundary") {
            auto level = f.tags.find("admin_level");
            if (level != f.tags.end()) s += " (admin_level=" + level->second + ")";
        }
        return s;
    }
    return {};
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

class InspectCommand : public Command, ThreadsOption {
  public:
    const char* name() const override { return "inspect"; }
    const char* description() const override {
        return "Data-quality report on an OSM extract: walking network, islands, bus stops and "
               "routes, POIs";
    }
    void setup(CLI::App& app) override {
        app.add_option("file", file_, "OSM extract (.osm, .osm.bz2, .osm.pbf)")->required();
        app.add_flag("--json", json_, "Print the report as JSON");
        app.add_option("--private", private_,
                       "Roads with access=private (gated compounds): walkable or excluded")
            ->check(CLI::IsMember({"walkable", "excluded"}))
            ->default_val("walkable");
        app.add_option(
            "--rules", rules_,
            "Rule set whose categories are counted (default: configs/rules/gb50180_2018.toml "
            "when run from the lc15 folder)");
        add_threads_option(app);
    }

    int run() override {
        const auto limit = limit_threads();
        io::OsmReadOptions options;
        options.profile.private_walkable = private_ == "walkable";
        const io::OsmData d = io::read_osm(file_, options);
        const WalkGraph& g = d.graph;
        const Components comp = connected_components(g);

        nlohmann::ordered_json j;
        j["file"] = file_;
        j["timestamp"] = d.timestamp;
        j["objects"] = {{"nodes", d.nodes}, {"ways", d.ways}, {"relations", d.relations}};
        const auto& p = d.profile;
        nlohmann::ordered_json excluded = nlohmann::ordered_json::object();
        for (std::size_t r = 0; r < io::kNumWayReasons; ++r) {
            if (p.excluded[r] > 0)
                excluded[io::reason_name(static_cast<io::WayReason>(r))] = p.excluded[r];
        }
        j["network"] = {{"walkable_ways", p.walkable_ways},
                        {"walkable_km", std::round(p.walkable_km * 100) / 100},
                        {"vertices", g.num_vertices()},
                        {"edges", g.num_edges()},
                        {"steps_ways", p.steps_ways},
                        {"private_ways", p.private_ways},
                        {"private_policy", private_},
                        {"excluded_ways", p.excluded_total()},
                        {"excluded_by_reason", excluded}};
        const double largest_share =
            g.num_vertices() ? double(comp.size[0]) / g.num_vertices() : 0.0;
        nlohmann::ordered_json islands = nlohmann::ordered_json::array();
        std::uint32_t small = 0;
        std::vector<VertexId> first_vertex(comp.count(), kInvalidId);
        for (VertexId v = 0; v < g.num_vertices(); ++v) {
            if (first_vertex[comp.component[v]] == kInvalidId) first_vertex[comp.component[v]] = v;
        }
        for (std::uint32_t c = 0; c < comp.count(); ++c) {
            if (double(comp.size[c]) >= 0.01 * g.num_vertices()) continue;
            if (small++ < 10) {  // components are sorted by decreasing size
                const LonLat at = g.coord(first_vertex[c]);
                islands.push_back({{"vertices", comp.size[c]},
                                   {"length_m", std::round(comp.length_m[c] * 10) / 10},
                                   {"osm_node", g.vertex_key(first_vertex[c])},
                                   {"lon", std::round(at.lon * 1e7) / 1e7},
                                   {"lat", std::round(at.lat * 1e7) / 1e7}});
            }
        }
        j["components"] = {{"count", comp.count()},
                           {"largest_vertices", comp.count() ? comp.size[0] : 0},
                           {"largest_share", std::round(largest_share * 10000) / 10000},
                           {"small_islands", small},
                           {"largest_small_islands", islands}};
        std::size_t routes_warned = 0;
        for (const auto& r : d.routes) routes_warned += r.warnings.empty() ? 0 : 1;
        nlohmann::ordered_json route_warnings = nlohmann::ordered_json::array();
        for (const auto& r : d.routes)
            for (const auto& w : r.warnings) route_warnings.push_back(w);
        j["transit"] = {{"stop_objects", d.stop_objects},
                        {"stops", d.stops.size()},
                        {"merged", d.stop_merges},
                        {"routes", d.routes.size()},
                        {"routes_with_warnings", routes_warned},
                        {"route_warnings", route_warnings}};
        std::map<std::string, std::size_t> by_tag;
        std::size_t buildings = 0;
        for (const auto& f : d.features) {
            auto b = f.tags.find("building");
            if (b != f.tags.end() && b->second != "no") ++buildings;
            const std::string t = main_tag(f);
            if (!t.empty()) ++by_tag[t];
        }
        std::vector<std::pair<std::string, std::size_t>> top(by_tag.begin(), by_tag.end());
        std::stable_sort(top.begin(), top.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        if (top.size() > 20) top.resize(20);
        nlohmann::ordered_json top_json = nlohmann::ordered_json::object();
        for (const auto& [t, n] : top) top_json[t] = n;
        j["features"] = {{"total", d.features.size()}, {"buildings", buildings}, {"top", top_json}};
        // Facilities per living-circle category, classified exactly as `lc15 coverage` does.
        std::vector<std::pair<std::string, std::size_t>> per_category;
        std::string rules_path = rules_;
        if (rules_path.empty() && std::filesystem::exists("configs/rules/gb50180_2018.toml")) {
            rules_path = "configs/rules/gb50180_2018.toml";
        }
        if (!rules_path.empty()) {
            const io::RuleSet rules = io::load_rules(rules_path);
            std::vector<std::size_t> n(rules.categories.size(), 0);
            for (const auto& f : d.features) {
                for (std::uint32_t c : io::classify(rules, f)) ++n[c];
            }
            nlohmann::ordered_json cats = nlohmann::ordered_json::object();
            for (std::size_t c = 0; c < n.size(); ++c) {
                const auto& cat = rules.categories[c];
                const std::size_t count = cat.from_bus_stops ? d.stops.size() : n[c];
                per_category.emplace_back(cat.rule.id + " " + cat.rule.name_zh, count);
                cats[cat.rule.id] = count;
            }
            j["categories"] = {{"rules", rules_path}, {"counts", cats}};
        }
        // Islands that carry homes or facilities: buildings and classified facilities whose
        // snap (onto the main network unless an island is right there, as lc15 coverage
        // snaps) lands on an island, per island.
        nlohmann::ordered_json carrying = nlohmann::ordered_json::array();
        {
            Snapper snapper(g);
            snapper.set_island_rule({});
            std::optional<io::RuleSet> rules;
            if (!rules_path.empty()) rules = io::load_rules(rules_path);
            struct Load {
                std::size_t buildings = 0;
                std::vector<std::string> facilities;
            };
            std::map<std::uint32_t, Load> load;
            for (const auto& f : d.features) {
                const auto b = f.tags.find("building");
                const bool building = b != f.tags.end() && b->second != "no";
                std::vector<std::string> cats;
                if (rules)
                    for (std::uint32_t c : io::classify(*rules, f))
                        cats.push_back(rules->categories[c].rule.id);
                if (!building && cats.empty()) continue;
                const SnapResult sr = snapper.snap(f.point, 300.0);
                if (!sr.ok() || !snapper.on_island(sr.edge)) continue;
                Load& l = load[comp.component[g.edge_tail(sr.edge)]];
                l.buildings += building;
                for (const auto& c : cats) l.facilities.push_back(c + " " + f.id);
            }
            for (const auto& [c, l] : load) {
                const LonLat at = g.coord(first_vertex[c]);
                carrying.push_back({{"vertices", comp.size[c]},
                                    {"length_m", std::round(comp.length_m[c] * 10) / 10},
                                    {"osm_node", g.vertex_key(first_vertex[c])},
                                    {"lon", std::round(at.lon * 1e7) / 1e7},
                                    {"lat", std::round(at.lat * 1e7) / 1e7},
                                    {"buildings", l.buildings},
                                    {"facilities", l.facilities}});
            }
        }
        j["components"]["islands_carrying"] = carrying;
        j["warnings"] = d.warnings.size();

        if (json_) {
            std::cout << j.dump(2) << "\n";
            return kExitOk;
        }
        auto& o = std::cout;
        o << "OSM extract   " << file_ << "\n";
        o << "data date     "
          << (d.timestamp.empty() ? "unknown (no timestamps in the file)" : d.timestamp) << "\n";
        o << "objects       " << d.nodes << " nodes, " << d.ways << " ways, " << d.relations
          << " relations\n\n";
        o << "Walking network\n";
        o << "  walkable ways        " << p.walkable_ways << " (" << fixed(p.walkable_km, 2)
          << " km)\n";
        o << "  vertices / edges     " << g.num_vertices() << " / " << g.num_edges() << "\n";
        o << "  steps                " << p.steps_ways << " ways (not barrier-free)\n";
        o << "  private compound     " << p.private_ways
          << " ways walkable (access=private, --private " << private_ << ")\n";
        o << "  excluded ways        " << p.excluded_total() << "\n";
        for (auto it = excluded.begin(); it != excluded.end(); ++it)
            o << "    " << it.key() << ": " << it.value().get<std::uint64_t>() << "\n";
        o << "\nConnectivity\n";
        o << "  components           " << comp.count() << "\n";
        o << "  largest              " << (comp.count() ? comp.size[0] : 0) << " vertices ("
          << fixed(largest_share * 100, 1) << " %)\n";
        o << "  small islands        " << small << " (< 1 % of vertices each)";
        if (small > 0) o << "; largest:";
        o << "\n";
        for (const auto& isl : islands) {
            o << "    " << isl["vertices"].get<std::uint32_t>() << " vertices, "
              << fixed(isl["length_m"].get<double>(), 1) << " m, near node "
              << isl["osm_node"].get<std::uint64_t>() << " (" << fixed(isl["lon"].get<double>(), 7)
              << ", " << fixed(isl["lat"].get<double>(), 7) << ")\n";
        }
        o << "  islands carrying buildings or facilities (their points snapped as lc15 coverage "
             "snaps): "
          << carrying.size() << "\n";
        for (const auto& isl : carrying) {
            o << "    " << isl["vertices"].get<std::uint32_t>() << " vertices, "
              << fixed(isl["length_m"].get<double>(), 1) << " m, near node "
              << isl["osm_node"].get<std::uint64_t>() << ": " << isl["buildings"].get<std::size_t>()
              << " buildings";
            for (const auto& f : isl["facilities"]) o << "; " << f.get<std::string>();
            o << "\n";
        }
        o << "\nBus\n";
        o << "  stops                " << d.stops.size() << " (" << d.stop_objects
          << " OSM objects, " << d.stop_merges << " platform/stop_position pairs merged)\n";
        o << "  routes               " << d.routes.size() << " (" << routes_warned
          << " with warnings)\n";
        std::size_t shown = 0;
        for (const auto& w : route_warnings) {
            if (shown++ == 15) {
                o << "    ... and " << route_warnings.size() - 15 << " more (see --json)\n";
                break;
            }
            o << "    " << w.get<std::string>() << "\n";
        }
        o << "\nFeatures             " << d.features.size() << " (" << buildings << " buildings)\n";
        for (const auto& [t, n] : top) o << "  " << t << ": " << n << "\n";
        if (!per_category.empty()) {
            o << "\nFacilities by category (" << rules_path << ")\n";
            for (const auto& [c, n] : per_category) o << "  " << pad(c, 44) << n << "\n";
        } else {
            o << "\nFacilities by category: give --rules FILE (e.g. "
                 "configs/rules/gb50180_2018.toml)\n";
        }
        o << "\nData warnings        " << d.warnings.size() << "\n";
        return kExitOk;
    }

  private:
    std::string file_;
    bool json_ = false;
    std::string private_ = "walkable";
    std::string rules_;
};

}  // namespace

std::unique_ptr<Command> make_inspect_command() { return std::make_unique<InspectCommand>(); }

}  // namespace lc15::cli
