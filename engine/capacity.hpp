// lc15 engine — places against demand: the two-step floating catchment (2SFCA).
//
//   DemandRule kg{"aged_3_6", 0.0231, 1000, "census", 270, "assumed"};
//   std::vector<double> places = ...;                  // per facility handle of the category
//   PlaceReport r = measure_places(model, cat, kg, places, num_communities);
//   r.communities[c].per_1000;  r.communities[c].gap;  // places per 1,000 of the group; gap
//
// Semantics (docs/METHOD.md, "Places against demand"):
//  * Demand D_i of home i = its population x the category's demand share (children 3-6 for a
//    kindergarten, residents 60+ for elderly care, everyone for a share of 1).
//  * Reach: home i is in facility j's catchment when the walking distance of CoverageModel is
//    within the category radius (inclusive) — the same pairs that make a home "covered".
//    The weight W_ij is 1 inside the catchment (plain 2SFCA) or, with Decay::kGaussian,
//    (exp(-d²/2r²) - exp(-1/2)) / (1 - exp(-1/2)): 1 at the door, 0 at the radius (Dai 2011).
//  * Step 1: every facility's ratio R_j = S_j / sum_i W_ij D_i (places per demand person in
//    its catchment; 0 when no demand reaches it). Step 2: every home's access
//    A_i = sum_j W_ij R_j (places per demand person), and its share of places P_i = A_i D_i.
//    As matrices R = S ./ (Wᵀ D) and A = W R: step 1 runs down each facility's column of the
//    reach matrix W, step 2 along each home's row.
//  * Places are conserved: sum_i P_i = sum of S_j over the facilities some demand reaches
//    (with or without decay), so one kindergarten's 270 places are shared out among the
//    compounds around it instead of being counted by each of them.
//  * Per community: demand, places (sum of P_i), places per 1,000 of the group, the places
//    needed (demand x places_per_1000 / 1000) and the gap max(0, needed - places). Homes of no
//    community are summed in one more entry (index num_communities); the city figures are the
//    sums over all entries (the city gap is the sum of the community gaps: a surplus in one
//    community does not fill another's).
//  * Adding a facility leaves every other facility's R_j unchanged (R_j depends on demand
//    only), so its places add to the communities in its catchment: what scenarios and
//    capacitated siting rely on. More generally a facility edit (add, move, close) changes
//    R_j of the edited facility only and A_i only for the homes of its catchment before and
//    after: PlaceTracker re-scores just those.
//  * Summation order, the same in measure_places and PlaceTracker (so both agree bit for bit):
//    R_j sums its catchment in home order; A_i sums its facilities in handle order; an entry
//    sums its homes in the order CoverageModel::community_homes / homes_outside gives them
//    (ascending home id; the homes of no community by community id, then home id); the city
//    sums the entries in entry order.
//
// Cost: one bounded search per facility (CoverageModel::homes_within, parallel, TBB), a
// transpose of the reach matrix and one pass over its nonzeros per step, O(nonzeros), plus
// O(homes) for the sums. Results are the same for any thread count (each facility's pairs land
// in its own slot, each home and entry is summed by one task in a fixed order).
// PlaceTracker::update for E edited facilities: E bounded searches, then O(row length) per
// home in their catchments before and after, the homes of the communities whose places
// changed, and O(communities + facilities of the category) for the city and supply sums; no
// part of it walks every home. Memory: the reach matrix twice (by facility and by home), ~32
// bytes per nonzero, and 24 bytes per home.
// Thread safety: the functions are pure over a const model; a PlaceTracker is used from one
// thread at a time (it uses TBB inside).
#pragma once

#include <Eigen/SparseCore>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "engine/demand.hpp"

namespace lc15 {

/// The weight of a home at `d` cm from a facility of radius `radius_cm` (within the radius).
double decay_weight(Distance d, double radius_cm, Decay decay);

/// Demand x facility reach with its weights: rows are homes, columns facility handles.
using ReachMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, std::int64_t>;

/// The weights of every home within the radius of an active facility of `cat` (one bounded
/// search per facility, parallel). Columns of other categories' facilities stay empty.
ReachMatrix reach_matrix(const CoverageModel& m, std::uint32_t cat, Decay decay = Decay::kNone);

struct TwoStepResult {
    std::vector<double> ratio;   ///< per facility handle: R_j (0 without demand in reach)
    std::vector<double> access;  ///< per home: A_i, places per demand person
    std::vector<double> places;  ///< per home: P_i = A_i x D_i
};

/// The two steps on a given reach matrix; `demand` per home, `supply` per facility handle
/// (sizes must match the matrix: std::invalid_argument otherwise).
TwoStepResult two_step(const ReachMatrix& w, std::span<const double> demand,
                       std::span<const double> supply);
/// The same for several supplies on one matrix (transposed once for all): one result each, in
/// order, equal to two_step(w, demand, supplies[i]).
std::vector<TwoStepResult> two_step(const ReachMatrix& w, std::span<const double> demand,
                                    std::span<const std::span<const double>> supplies);

struct CommunityPlaces {
    double demand = 0;    ///< persons of the demand group
    double places = 0;    ///< places shared out to them (sum of P_i)
    double needed = 0;    ///< demand x places_per_1000 / 1000
    double gap = 0;       ///< max(0, needed - places)
    double per_1000 = 0;  ///< places per 1,000 of the group (0 without demand)
};

struct PlaceReport {
    std::vector<CommunityPlaces> communities;  ///< num_communities + 1 (last: no community)
    CommunityPlaces city;                      ///< sums; city.gap = sum of the entries' gaps
    TwoStepResult detail;
    double supply = 0;          ///< places of the category's active facilities
    double supply_reached = 0;  ///< of those, places of facilities some demand reaches
};

/// Per home, the persons of the demand group: population x share (homes off the network too:
/// they need places and reach none).
std::vector<double> demand_of(const CoverageModel& m, const DemandRule& rule);

/// Per community (and the city) figures from per-home places and demand, in the summation
/// order above.
void sum_places(const CoverageModel& m, std::span<const double> demand,
                std::span<const double> places, const DemandRule& rule,
                std::uint32_t num_communities, PlaceReport& out);

/// Everything above for one category. `supply` per facility handle (inactive handles and
/// other categories' facilities are ignored).
PlaceReport measure_places(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                           std::span<const double> supply, std::uint32_t num_communities,
                           Decay decay = Decay::kNone);

/// The places of one category kept up to date through facility edits of the model it was made
/// on, without measuring the city again:
///
///   PlaceTracker t(model, cat, rule, supply, num_communities, decay);  // = measure_places
///   FacilityHandle f = model.add_facility(cat, snap);  supply.push_back(270);
///   t.update(model, {&f, 1}, supply);   // t.report() == measure_places(model, ...) bit for bit
///   model.remove_facility(f);  t.undo();  // back to the figures it was made with
///
/// It keeps what measure_places computed (the reach matrix by facility and by home, R, A, P and
/// the entries). update() takes the facilities added, moved or removed on the model since the
/// tracker was made or last undone (the same handle may come again; handles of other
/// categories are ignored): the catchment each had in the tracker goes out, the one it has in
/// the model now comes in, its R_j is taken again with its places in `supply` (per handle,
/// like measure_places), and only the homes of the two catchments get A_i again, from their
/// own row in handle order; the entries whose places changed are summed again over their
/// homes, the city and the supply figures over the entries and the category's facilities.
/// Population or home changes are not followed: make a new tracker. undo() restores the
/// figures and everything kept exactly as they were at construction, but for a ratio of 0 kept
/// for each handle added since (inactive once the model's edits are undone too, as in a fresh
/// measure_places; so an undo costs what the updates touched, never the list of facilities).
/// The model's edits must be undone too, removed facilities brought back under their own
/// handles with CoverageModel::restore_facility, for later updates to stay exact.
class PlaceTracker {
  public:
    PlaceTracker(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                 std::span<const double> supply, std::uint32_t num_communities,
                 Decay decay = Decay::kNone);
    ~PlaceTracker();
    PlaceTracker(PlaceTracker&&) noexcept;
    PlaceTracker& operator=(PlaceTracker&&) noexcept;

    /// The figures: measure_places of the model as it was made on, or after the updates.
    const PlaceReport& report() const;
    /// Re-scores the facilities `changed` (see above). `supply` has one value per facility
    /// handle of `m` (std::invalid_argument otherwise).
    void update(const CoverageModel& m, std::span<const FacilityHandle> changed,
                std::span<const double> supply);
    /// Back to the state of construction; a no-op without updates.
    void undo();

  private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace lc15
