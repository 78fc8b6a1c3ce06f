// lc15 engine — living-circle coverage: the incremental engine every front end shares.
//
//   CoverageModel model(graph, categories, options);
//   model.set_homes(homes);                           // snapped places where people live
//   FacilityHandle f = model.add_facility(cat, snap); // any time, also after compute()
//   model.compute();                                  // all categories, in parallel (TBB)
//   model.home(cat, h).nearest;                       // cm to the nearest facility, ...
//   CoverageReport r = model.report(num_communities);
//   Delta d;
//   model.remove_facility(f, &d);                     // incremental: only homes near f change
//   model.update_report(r, d);                        // re-scores what d touched; == report()
//
// Semantics (docs/METHOD.md):
//  * Distance home→facility = home access leg + network distance between the two snapped
//    points (via the edge ends, or directly along a shared edge) + facility access leg; the
//    access legs are counted only when options.access_legs is true.
//  * A facility may have several entrances (a park reached anywhere along its edge, a school
//    at each of its gates): one facility with several sources, all under its handle. Its
//    distance from a home is the least over its entrances, and it counts once in count_within
//    and facilities_within however many of its entrances lie within the radius. Which
//    entrance is nearest is never needed: distances are integer centimetres and the
//    minimum is the same whichever of two tied entrances gives it.
//  * A home is covered by a category when its nearest facility is within the category's radius
//    (inclusive). count_within is the number of the category's facilities within the radius.
//  * Ties between equally near facilities go to the lower FacilityHandle, so every result is
//    the same whatever the thread count and whatever the order of edits.
//  * Incremental edits (add/remove/restore/move facility, change a home's population) give
//    exactly the same state as a full compute() with the edited inputs (a property test checks
//    this).
//  * Edges carrying options.forbidden_flags are never walked. Points must be snapped with a
//    Snapper built with the same forbidden flags; a home or facility snapped onto a forbidden
//    edge anyway is treated as off the network (home uncovered, facility reaching nobody).
//  * Every category is measured for every home, each with its own radius: GB 50180 levels do
//    not nest (a 15-minute area must also provide the 5- and 10-minute facilities).
//
// Cost: compute() runs one unbounded multi-source search per category plus one search bounded
// by the radius per facility, O(C (V + E) log V + sum over facilities of what the radius
// holds); memory 8 bytes per vertex and 12 per home, per category. An edit touches only the
// vertices whose nearest facility changes and the homes within the radius of the facility.
// report() is O(C H log H) (a sort per community and category); update_report() redoes only
// the (community, category) entries an edit's Delta touched and adds the city figures up
// again from the communities': O(D log D + homes of the touched communities x log + number of
// communities per touched category) for a Delta of D changes, plus the homes of no community
// for a category whose Delta names one of them. No part of it walks every home or facility.
// Thread safety: const methods may be called concurrently; edits and compute() may not.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/graph.hpp"
#include "engine/snap.hpp"

namespace lc15 {

struct CategoryRule {
    std::string id;             ///< "kindergarten"
    std::string name_zh;        ///< "幼儿园"
    std::string name_en;        ///< "Kindergarten"
    int level_minutes = 15;     ///< 5, 10 or 15 (GB 50180-2018 living-circle level)
    double radius_m = 1000;     ///< service radius, inclusive
    double weight = 1.0;        ///< weight in the composite score
    double target_share = 1.0;  ///< population share that must be covered to pass
    std::string clause;         ///< where the figure comes from
};

struct CoverageOptions {
    bool access_legs = true;           ///< add the straight legs from points to the street
    std::uint8_t forbidden_flags = 0;  ///< e.g. kEdgeSteps for the barrier-free profile
    double speed_m_per_s = 1.25;       ///< walking speed, for minutes in reports
};

struct Home {
    SnapResult snap;          ///< !snap.ok(): not on the network (counted as uncovered)
    double population = 0.0;  ///< residents represented by this point
    CommunityId community = kInvalidId;
};

using FacilityHandle = std::uint32_t;  ///< stable id of a facility across edits

struct HomeCategoryResult {
    Distance nearest = kInfDistance;  ///< cm, incl. access legs per options
    FacilityHandle nearest_facility = kInvalidId;
    std::uint32_t count_within = 0;  ///< facilities within the radius
    /// Some facility of the category is reachable at all (covered() on the model compares with
    /// the radius).
    bool reached() const { return nearest != kInfDistance; }
    friend bool operator==(const HomeCategoryResult&, const HomeCategoryResult&) = default;
};

struct CategoryCommunityMetrics {
    double population = 0;          ///< residents of the community (homes on or off network)
    double covered_population = 0;  ///< residents within the radius of a facility
    double share = 0;               ///< covered / population (0 when population is 0)
    double median_m =
        -1;             ///< population-weighted median of the nearest distance (-1: none reached)
    double p90_m = -1;  ///< population-weighted 90th percentile (-1 if beyond reach)
    std::uint32_t facilities_within = 0;  ///< distinct facilities within the radius of some home
    bool pass = false;                    ///< share >= rule.target_share
};

struct CommunityMetrics {
    std::vector<CategoryCommunityMetrics> by_category;  ///< indexed like the rules
    double score = 0;  ///< 0..100, weighted mean share (docs/METHOD.md)
    std::vector<std::uint32_t>
        lacking;  ///< categories with share 0 (nobody covered; population > 0)
};

struct CityCategorySummary {
    double population = 0, covered_population = 0, share = 0;
};

struct CoverageReport {
    std::vector<CommunityMetrics> communities;
    /// Per category, all homes (also those of no community): the communities' figures summed
    /// in id order, then `outside`.
    std::vector<CityCategorySummary> city;
    /// Per category, the homes of no community (community id >= communities.size()).
    std::vector<CityCategorySummary> outside;
    /// Weighted mean of the city shares x 100 = population-weighted mean of community scores
    /// when every home belongs to a community.
    double city_score = 0;
};

/// Which homes' results changed in one edit (per category), with before and after values.
struct HomeChange {
    std::uint32_t category;
    HomeId home;
    HomeCategoryResult before, after;
};
struct Delta {
    std::vector<HomeChange> changes;  ///< sorted by (category, home)
};

class CoverageModel {
  public:
    CoverageModel(const WalkGraph& g, std::vector<CategoryRule> rules, CoverageOptions options);
    ~CoverageModel();
    CoverageModel(CoverageModel&&) noexcept;

    const std::vector<CategoryRule>& rules() const;
    const CoverageOptions& options() const;
    const WalkGraph& graph() const;

    /// Replaces the homes; results are dropped until the next compute().
    void set_homes(std::vector<Home> homes);
    const std::vector<Home>& homes() const;

    /// Room for `n` facility handles in all, so that adding a city's facilities one by one
    /// does not leave up to twice their room behind (as std::vector::reserve).
    void reserve_facilities(std::size_t n);
    /// Adds a facility of category `cat` at a snapped position. Before compute() this only
    /// records it; afterwards it updates the results incrementally and returns what changed.
    /// A snap that is !ok() is accepted (the facility then reaches nobody).
    /// Throws std::out_of_range for an unknown category.
    FacilityHandle add_facility(std::uint32_t cat, const SnapResult& snap, Delta* delta = nullptr);
    /// A facility with several entrances (sources); entrances that are !ok() are ignored, and
    /// one with no usable entrance reaches nobody. add_facility(cat, snap) = {snap}.
    FacilityHandle add_facility(std::uint32_t cat, std::vector<SnapResult> entrances,
                                Delta* delta = nullptr);
    /// Throws std::out_of_range unless f is an active facility. The handle is not reused by
    /// add_facility (restore_facility brings the facility back under it).
    void remove_facility(FacilityHandle f, Delta* delta = nullptr);
    /// Makes a removed facility active again under its own handle, at `entrances`: undoes
    /// remove_facility exactly (ties between equally near facilities break as before, so the
    /// state equals the one before the removal). Throws std::out_of_range unless f is a
    /// handle of a removed facility.
    void restore_facility(FacilityHandle f, std::vector<SnapResult> entrances,
                          Delta* delta = nullptr);
    /// Remove + add under the same handle; the Delta compares before the move with after it.
    void move_facility(FacilityHandle f, const SnapResult& snap, Delta* delta = nullptr);
    /// Moves a facility to a new set of entrances (e.g. a gate opened or closed).
    void move_facility(FacilityHandle f, std::vector<SnapResult> entrances, Delta* delta = nullptr);
    /// Changes one home's population (results per home do not change; reports do).
    void set_population(HomeId h, double population);

    std::uint32_t facility_category(FacilityHandle f) const;
    /// The first entrance (a !ok() SnapResult for a facility added with none).
    const SnapResult& facility_snap(FacilityHandle f) const;
    /// Every entrance, as added or last moved.
    const std::vector<SnapResult>& facility_entrances(FacilityHandle f) const;
    bool facility_active(FacilityHandle f) const;
    std::uint32_t num_facility_handles() const;

    /// Full computation of every category (parallel over categories and facilities).
    void compute();
    bool computed() const;
    /// Frees what only the incremental edits need — per category, each vertex's nearest
    /// facility and the facilities by edge (8 bytes a vertex and category; 170 MB for 22
    /// categories on a 1M-junction city) — for a run that computes once and edits nothing
    /// (`lc15 coverage`, `lc15 nightly`). Results, reports and homes_within stay as they are.
    /// An edit of a facility after it throws std::logic_error until the next compute().
    void release_edit_state();

    /// Valid after compute() (throws std::logic_error before).
    const HomeCategoryResult& home(std::uint32_t cat, HomeId h) const;
    /// Covered means nearest <= radius.
    bool covered(std::uint32_t cat, HomeId h) const;
    /// Every home within the radius (inclusive) of active facility f, with its distance (cm),
    /// ascending home id: the homes whose count_within f adds to (empty for an inactive facility
    /// or one off the network). Needs no compute(); may be called from several threads at once.
    std::vector<std::pair<HomeId, Distance>> homes_within(FacilityHandle f) const;

    /// The homes of community c in ascending id: the order report() sums a community in
    /// (empty for a community no home belongs to). Valid until the next set_homes().
    std::span<const HomeId> community_homes(CommunityId c) const;
    /// The homes of no community below `num_communities` (ids >= it, kInvalidId included), by
    /// community id and then ascending id: the order report() sums `outside` in.
    std::span<const HomeId> homes_outside(std::uint32_t num_communities) const;

    /// Aggregates per community (homes carry their community id; ids >= num_communities count
    /// for the city only) and for the whole city. Requires compute().
    CoverageReport report(std::uint32_t num_communities) const;
    /// Brings `report` — made by report() (or brought up to date by this function) before the
    /// facility edits whose Deltas `delta` holds — up to date, equal bit for bit to a fresh
    /// report(report.communities.size()): recomputes from the homes the entries of every
    /// (community, category) with a home in the delta (figures, median, p90, facilities
    /// within), the scores of those communities, the figures of the homes of no community
    /// for the categories whose delta names one of them, the city figures of the categories
    /// in the delta and the city score. The changes of several edits may be concatenated (any
    /// order, repeats allowed). Homes and populations must not have changed since the report (after
    /// set_homes or set_population, call report() again). Throws std::logic_error before
    /// compute(), std::invalid_argument for a report of another rule set, std::out_of_range
    /// for a change naming no home of the model.
    void update_report(CoverageReport& report, const Delta& delta) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lc15
