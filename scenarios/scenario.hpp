// lc15 scenarios — what-if edits to a city, and what they change (docs/SCENARIOS.md).
//
//   Scenario s = load_scenario("scenarios/examples/new_kindergarten.toml");  // TOML, strict
//   ScenarioCity city = make_scenario_city(io_city);  // scenarios/city_adapter.hpp
//   ScenarioEvaluator ev(city);           // computes the base coverage once
//   ScenarioOutcome out = ev.evaluate(s); // per community and category: gained, lost, score
//   auto ranked = rank_scenarios({out, ...});
//
// A scenario file names its base city config (relative to the scenario file) and lists
// [[edit]] tables applied in order. Facility edits (add/move/close facility, add/remove stop)
// go through CoverageModel's incremental edits on the base model and are undone afterwards, so
// several scenarios share one computation; network edits (add_link, close_way, close_link,
// open_gate: a new gate in a compound's wall, engine/compounds.hpp),
// population edits and a walker profile rebuild a modified graph (GraphBuilder::from_graph
// with kEdgeClosed flags and extra ways), re-snap every point and recompute, then apply the
// facility edits incrementally on that model. An edit whose point lies outside the city's
// bounds, or farther from the network than the snap limit, is refused with an InputError that
// names the scenario file, line, column and edit index, the distance and the nearest valid
// place.
//
// Places: for every category with a demand group that an edit touches (every such category
// after a network or population edit), the 2SFCA places and place gap before and after; an
// added facility brings its `capacity` (else the category's default, logged as assumed).
// The evaluator keeps the base's places per such category in a PlaceTracker
// (engine/capacity.hpp): a facility-only scenario re-scores the homes of the edited
// facilities' catchments before and after and the communities whose places changed, equal bit
// for bit to measure_places on the edited city, and undoes that with its edits.
// Cost: facility-only scenario = one incremental edit per facility (only homes within reach
// change), re-scored with CoverageModel::update_report (only the communities and categories
// the edits touched; the base report is copied) and, for a category with places, one bounded
// search per edited facility plus its catchments' homes and touched communities, then one edit
// per facility to undo (a closed facility comes back under its own handle, so the base is
// exactly as before; a refused edit undoes the edits made before it); network scenario = one
// graph rebuild + one full compute, report and measure_places per category with places.
// Thread safety: load_scenario is pure; a ScenarioEvaluator is used from one thread at a time
// (it uses TBB inside).
#pragma once

#include <array>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "engine/demand.hpp"
#include "engine/entrances.hpp"
#include "engine/graph.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"

namespace lc15 {
struct PlaceReport;  // engine/capacity.hpp
}

namespace lc15::scenarios {

enum class EditType {
    kAddFacility,
    kMoveFacility,
    kCloseFacility,
    kAddStop,
    kRemoveStop,
    kAddLink,
    kCloseWay,
    kCloseLink,
    kSetPopulation,
    kProfile,
    kOpenGate,
};
const char* edit_type_name(EditType t);

struct Edit {
    EditType type = EditType::kAddFacility;
    std::size_t index = 0;       ///< 1-based position among the file's [[edit]] tables
    std::string where;           ///< "file.toml:12:1 (edit 3)", for messages
    std::string category;        ///< add/move/close facility (category id)
    std::string name;            ///< name of an added facility / stop
    std::string ref;             ///< move/close/remove: the facility's or stop's id or name;
                                 ///< open_gate: the compound's id or name
    std::vector<LonLat> points;  ///< WGS84: add (one or more sites), move target, link ends,
                                 ///< close_link point, set_population point
    std::vector<std::string> point_names;  ///< per point, when loaded from a sites file
    /// add_facility: places of each added site (学位, 床位); NaN = not given (the category's
    /// default applies, flagged assumed; none without a default). Refused for a category
    /// without a demand group, where it would change nothing.
    double capacity = std::numeric_limits<double>::quiet_NaN();
    std::int64_t way_id = 0;  ///< close_way
    MultiPolygon area;        ///< set_population polygon (WGS84)
    double residents = 0;     ///< set_population
    std::string profile;      ///< profile edit: "adult" | "elderly" | "barrier_free" | ...
};

struct Scenario {
    std::filesystem::path path;
    std::string name, description;
    std::filesystem::path base;  ///< the city config, resolved against the scenario's folder
    std::vector<Edit> edits;
};

/// Parses and checks a scenario file (types, keys, CRS, coordinates present). Throws
/// InputError naming the file, line and column and the edit index. Does not check the base
/// config exists (the CLI does, before loading anything), nor points against the network.
Scenario load_scenario(const std::filesystem::path& path);

/// A planner's walled compound (小区) with its gates (engine/compounds.hpp).
struct ScenarioCompound {
    std::string id, name;
    MultiPolygon area;
    std::vector<LonLat> gates;  ///< empty: its homes reach the nearest street
};

/// What a scenario needs from a loaded city.
struct ScenarioFacility {
    std::string id, name;
    LonLat pos;
};
struct ScenarioProfile {
    double speed_m_per_s = 1.25;
    bool exclude_steps = false;
};
struct ScenarioCity {
    const WalkGraph* graph = nullptr;
    std::vector<CategoryRule> rules;
    std::vector<std::vector<ScenarioFacility>> facilities;  ///< per category
    /// Per category, parallel to facilities (or shorter: missing = points): an area facility's
    /// polygon (park, school grounds), snapped at its boundary point nearest a street as the
    /// city loader does; an empty polygon for a point facility.
    std::vector<std::vector<MultiPolygon>> facility_areas;
    std::vector<EntranceMode> entrance_modes;  ///< per category (missing: nearest)
    std::vector<LonLat> gates;                 ///< entrance=* / barrier=gate nodes
    std::optional<IslandRule> island_rule;     ///< the city's, for every Snapper built here
    std::uint32_t stop_category = kInvalidId;  ///< the rule whose facilities are bus stops
    std::vector<LonLat> home_pos;
    std::vector<Home> homes;  ///< snapped on *graph with options.forbidden_flags
    /// Compounds, and per home (shorter: none) the compound it lies in or kInvalidId. A home of
    /// a compound with gates sits on its own vertex of *graph (compound_home_snaps).
    std::vector<ScenarioCompound> compounds;
    std::vector<std::uint32_t> home_compound;
    std::vector<std::string> community_names;
    std::vector<MultiPolygon> community_areas;       ///< may be empty (new homes get no community)
    std::array<double, 4> bbox{-180, -90, 180, 90};  ///< min lon, min lat, max lon, max lat
    double max_snap_m = 300;
    CoverageOptions options;
    std::string profile = "adult";
    std::map<std::string, ScenarioProfile> profiles;
    /// Places against demand (engine/capacity.hpp): per category like rules (shorter: no demand
    /// group), and per category and facility like `facilities` the places (missing: 0).
    std::vector<DemandRule> demand;
    std::vector<std::vector<double>> facility_places;
    Decay decay = Decay::kNone;  ///< 2SFCA weights (the city config's [places] decay)
};

struct CategoryChange {
    double covered_before = 0, covered_after = 0;
    double gained = 0;  ///< residents newly within the radius (new homes count when covered)
    double lost = 0;    ///< residents no longer within the radius
    double share_before = 0, share_after = 0;
    /// Places against demand, for a category with a demand group (has_places): the places
    /// shared out by 2SFCA and the place gap, before and after (engine/capacity.hpp).
    bool has_places = false;
    double demand_before = 0, demand_after = 0;
    double places_before = 0, places_after = 0;
    double gap_before = 0, gap_after = 0;
};
struct CommunityChange {
    std::string name;
    double score_before = 0, score_after = 0;
    std::vector<CategoryChange> by_category;  ///< indexed like the rules
};
struct ScenarioOutcome {
    std::string name, description;
    std::vector<CommunityChange> communities;
    std::vector<CategoryChange> city;  ///< per category
    double city_score_before = 0, city_score_after = 0;
    bool rebuilt = false;  ///< the network or homes changed: full recomputation
    /// (category, home) pairs whose nearest distance differs from the base (new homes count)
    std::size_t homes_changed = 0;
    std::vector<std::string> log;  ///< one line per edit: what was applied
};

/// A facility's entrances as `lc15 scenario` snaps them (an area by its category's entrance
/// rule, a point at the nearest street): what every front end over a ScenarioCity uses.
std::vector<SnapResult> snap_facility(const ScenarioCity& c, const Snapper& s, std::uint32_t cat,
                                      std::size_t i, double max_snap);
/// A Snapper over g with the city's island rule, as `lc15 scenario` snaps edits.
std::unique_ptr<Snapper> make_snapper(const ScenarioCity& c, const WalkGraph& g,
                                      std::uint8_t forbidden);

/// What a rebuilt scenario (one with a network, population or profile edit) was measured on:
/// the modified graph, the model with every edit of the scenario applied, and the report the
/// outcome's "after" figures were read from. Kept for a front end that draws that state (lc15
/// serve's printable map) instead of computing it again. Homes are the city's in order, then
/// the scenario's new ones; the rules carry the profile's radii. Cost: one graph and one model
/// of the city's size. Thread safety: immutable once filled.
struct ScenarioWorld {
    std::unique_ptr<WalkGraph> graph;  ///< null: the city's graph (a population edit only)
    std::unique_ptr<CoverageModel> model;
    CoverageReport report;
    std::vector<LonLat> home_pos;  ///< per home of the model
    std::string profile;           ///< the walker profile measured with
};

class ScenarioEvaluator {
  public:
    /// Computes the base coverage (full compute). `city` must outlive the evaluator.
    explicit ScenarioEvaluator(const ScenarioCity& city);
    ~ScenarioEvaluator();
    /// Applies the scenario; the base model is left as it was. Throws InputError for a refused
    /// edit (unknown facility, point off the network or outside the city, unknown category).
    /// `keep`, for a rebuilt scenario (outcome.rebuilt), receives the world it was measured on
    /// (untouched for a facility-only scenario: that one is measured on the base model).
    ScenarioOutcome evaluate(const Scenario& s, ScenarioWorld* keep = nullptr);
    const CoverageModel& base_model() const;
    /// The base model's places of category `cat` (engine/capacity.hpp; what every outcome's
    /// "before" figures are), or null for a category without a demand group.
    const PlaceReport* base_places(std::uint32_t cat) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Scenarios best first: by city score change (descending), then by name.
std::vector<ScenarioOutcome> rank_scenarios(std::vector<ScenarioOutcome> outcomes);
/// The same order as indices into `outcomes` (stable for equal keys).
std::vector<std::size_t> ranking_order(const std::vector<ScenarioOutcome>& outcomes);

}  // namespace lc15::scenarios
