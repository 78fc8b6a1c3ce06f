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
//    As matrices: R = S ./ (Wᵀ D), A = W R — two sparse products (Eigen).
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
//    capacitated siting rely on.
//
// Cost: one bounded search per facility (CoverageModel::homes_within, parallel, TBB) plus two
// sparse products, O(nonzeros). Results are the same for any thread count (each facility's
// pairs land in its own slot; the products run in a fixed order).
// Thread safety: pure functions over a const model.
#pragma once

#include <Eigen/SparseCore>
#include <cstdint>
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

/// Per community (and the city) figures from per-home places and demand.
void sum_places(const CoverageModel& m, std::span<const double> demand,
                std::span<const double> places, const DemandRule& rule,
                std::uint32_t num_communities, PlaceReport& out);

/// Everything above for one category. `supply` per facility handle (inactive handles and
/// other categories' facilities are ignored).
PlaceReport measure_places(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                           std::span<const double> supply, std::uint32_t num_communities,
                           Decay decay = Decay::kNone);

}  // namespace lc15
