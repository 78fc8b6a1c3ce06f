// lc15 scenarios — where should the next K facilities go (maximal covering location problem).
//
//   SitingOptions opt;  opt.radius_m = 300;  opt.k = 30;  opt.min_spacing_m = 150;
//   auto cands = generate_candidates(graph, {100.0, 100.0}, home_points, residential_areas);
//   CoverageSets sets = build_coverage_sets(graph, cands.snaps, homes, existing, opt);
//   SitingResult r = greedy_siting(sets, cands.positions(), opt);
//   for (const SitingStep& s : r.steps) use(s.candidate, s.gain, s.covered);
//
// Model. A candidate c covers home h when the walking distance between them is <= radius
// (inclusive), with the distance of engine/coverage.hpp: home access leg + network distance
// between the two snapped points (via the edge ends, or directly along a shared edge) +
// candidate access leg (legs counted when access_legs). Homes already within the radius of an
// existing facility of the category, and homes not on the network, carry no weight.
//
//  * Uncapacitated: f(S) = population of the homes covered by S. f is monotone submodular, so
//    greedy (pick the largest marginal gain K times) reaches f >= (1 - (1 - 1/K)^K) * OPT >=
//    (1 - 1/e) * OPT ~ 0.632 * OPT (Nemhauser, Wolsey & Fisher 1978). Lazy greedy (a priority
//    queue of stale upper bounds, re-evaluated only when on top) picks exactly the same sites
//    as plain greedy: marginal gains only shrink as sites are added.
//  * Capacities (capacity[c] places, e.g. a kindergarten's 270): the objective is the place
//    gap closed, the same figure the scenario that loads the sites reports (docs/METHOD.md).
//    A site's places are shared out over the demand in its catchment by 2SFCA (its ratio
//    R = capacity / demand within the radius; every home within reach gets R x its demand,
//    covered already or not), summed per community (PlaceGap::slot); it closes
//    min(residual gap, its places) in every community, and the residual gaps shrink as sites
//    are chosen. Existing facilities enter through the base gap (their places already shared
//    out); adding a site leaves their ratios unchanged, so the sum of the gains equals the
//    scenario's gap before minus gap after. Gains only shrink, so lazy greedy stays exact with
//    respect to plain greedy; no approximation bound is claimed.
//  * Minimum spacing: no two chosen sites (nor a chosen site and an existing facility) closer
//    than min_spacing_m, measured STRAIGHT-LINE (great circle) between snapped points. With a
//    spacing constraint greedy is a heuristic (no guarantee is claimed).
//  * Ties (gains equal to 1e-9 relative): the candidate farthest in a straight line from the
//    sites already chosen and the existing facilities of the category, then the lower index —
//    so equal sites spread out instead of lining up 100 m apart along one street. The result
//    is identical for any thread count (coverage sets are built in parallel into fixed slots,
//    the solver is serial).
//
// exact_siting() is a branch and bound (submodular upper bound: value + the K - |S| largest
// marginal gains) for small uncapacitated instances. ilp_siting() solves both models as an
// integer programme with CBC (COIN-OR, Debian coinor-libcbc-dev) under a time limit and
// reports the proven bound and the optimality gap; see its comment for the formulation.
//
// Cost: build_coverage_sets runs one bounded Dijkstra per candidate (parallel, TBB, one search
// object per thread): O(C * local ball). Greedy: O(sum of set sizes * re-evaluations) — lazy
// evaluation usually re-scores few candidates per pick. exact_siting is exponential.
// Thread safety: all functions are pure; inputs are read only.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "engine/capacity.hpp"
#include "engine/coverage.hpp"
#include "engine/graph.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"

namespace lc15 {

struct SitingOptions {
    double radius_m = 300;             ///< service radius, inclusive
    bool access_legs = true;           ///< count the straight legs to the street
    std::uint8_t forbidden_flags = 0;  ///< edges the search may not use (profile)
    std::uint32_t k = 1;               ///< sites to choose
    double min_spacing_m = 0;          ///< straight-line, between snapped points; 0 = none
    /// Per-candidate places; empty = uncapacitated (maximal covering). Must be empty or have
    /// one value per candidate; capacitated siting also needs a PlaceGap.
    std::vector<double> capacity;
    Decay decay = Decay::kNone;  ///< capacitated: the 2SFCA weights (as the city's [places])
};

/// Which homes each candidate reaches within the radius, with distances (CSR by candidate).
struct CoverageSets {
    std::vector<std::uint32_t> first{0};  ///< candidate c: entries [first[c], first[c+1])
    std::vector<HomeId> home;             ///< sorted by (distance, home id) within a candidate
    std::vector<Distance> distance;       ///< cm
    std::vector<double> weight;           ///< per home: population not yet covered (0: covered
                                          ///< by an existing facility, or off the network)
    double total_population = 0;          ///< all homes, on or off the network
    double base_covered = 0;              ///< covered by the existing facilities

    std::uint32_t num_candidates() const { return static_cast<std::uint32_t>(first.size() - 1); }
    std::span<const HomeId> homes_of(std::uint32_t c) const {
        return {home.data() + first[c], first[c + 1] - first[c]};
    }
};

/// The place gap capacitated siting closes: per home its demand (persons of the category's
/// demand group) and its slot (community; one more slot for homes of no community), per slot
/// the base gap (engine/capacity.hpp, PlaceReport::communities[k].gap).
struct PlaceGap {
    std::vector<double> demand;
    std::vector<std::uint32_t> slot;
    std::vector<double> gap;
};

/// Per candidate, its places shared out per slot by 2SFCA (CSR by candidate, slots ascending).
struct PlaceShares {
    std::vector<std::uint32_t> first{0};
    std::vector<std::uint32_t> slot;
    std::vector<double> places;
};
/// With Gaussian decay the demand is weighted by decay_weight(distance, radius) as in
/// engine/capacity.hpp.
PlaceShares place_shares(const CoverageSets& sets, const PlaceGap& gap,
                         std::span<const double> capacity, Decay decay = Decay::kNone,
                         double radius_m = 0);

/// Gains equal within 1e-9 relative (the tie rule's test).
bool equal_gain(double a, double b);
/// The tie rule: among `tied`, the candidate farthest (straight line) from `placed`, then the
/// lowest index; the lowest index when nothing is placed or positions are empty.
std::uint32_t spread_choice(std::span<const std::uint32_t> tied, std::span<const LonLat> positions,
                            std::span<const LonLat> placed);

/// Builds every candidate's coverage set (parallel; deterministic). Candidates or existing
/// facilities that are !ok() reach nothing / cover nothing.
CoverageSets build_coverage_sets(const WalkGraph& g, std::span<const SnapResult> candidates,
                                 std::span<const Home> homes, std::span<const SnapResult> existing,
                                 const SitingOptions& opt);

struct SitingStep {
    std::uint32_t candidate;  ///< index into the candidates
    double gain;     ///< population newly covered (capacitated: place gap closed) by this site
    double covered;  ///< cumulative gain after this site (the K curve)
    double share;    ///< (base_covered + covered) / total_population
};

struct SitingResult {
    std::vector<SitingStep> steps;  ///< in the order chosen; steps[k-1].covered = curve at K=k
    double base_covered = 0;        ///< capacitated: 0
    double total_population = 0;    ///< capacitated: the base place gap (share = gap closed)
    std::uint64_t evaluations = 0;  ///< marginal-gain evaluations (lazy greedy's work)
    /// Fewer than k sites were chosen: no remaining candidate is allowed by the spacing or
    /// has a positive gain.
    bool exhausted = false;
    double covered() const { return steps.empty() ? 0.0 : steps.back().covered; }
};

/// Lazy greedy. `positions` are the candidates' snapped points (for the spacing rule);
/// `existing` the existing facilities' points (spacing to them is enforced too).
/// `gap` is required when opt.capacity is not empty (std::invalid_argument otherwise).
SitingResult greedy_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                           const SitingOptions& opt, std::span<const LonLat> existing = {},
                           const PlaceGap* gap = nullptr);

/// Optimal uncapacitated solution by branch and bound (same spacing rule). For small
/// instances (tens of candidates). Steps are listed in candidate order; evaluations counts
/// the search nodes. Throws std::invalid_argument when opt.capacity is not empty.
SitingResult exact_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                          const SitingOptions& opt, std::span<const LonLat> existing = {});

/// The exact answer of ilp_siting, beside what the solver proved.
struct ExactSiting {
    SitingResult result;      ///< the sites found, ordered by greedy re-ranking of their gains
    double value = 0;         ///< their objective (recomputed, not the solver's float)
    double bound = 0;         ///< proven upper bound on the optimum
    double gap = 0;           ///< (bound - value) / bound; 0 when proven optimal
    bool optimal = false;     ///< proven optimal within the time limit
    bool time_limit = false;  ///< the limit stopped the search (value is the best found)
    double seconds = 0;
};

/// Exact siting as an integer programme, solved by CBC with `time_limit_s` (single thread,
/// deterministic up to the time limit).
///  Uncapacitated: max sum_h w_h y_h, y_h <= sum_{c reaches h} x_c, y_h in [0, 1],
///  capacitated: max sum_k z_k, z_k <= sum_c a_ck x_c, z_k in [0, gap_k] (a_ck: place_shares);
///  both with sum_c x_c <= K, x_c binary, x_a + x_b <= 1 for sites closer than the spacing,
///  and x_c = 0 for candidates too close to an existing facility.
/// Throws std::invalid_argument like greedy_siting, std::runtime_error if CBC fails.
ExactSiting ilp_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                       const SitingOptions& opt, std::span<const LonLat> existing = {},
                       const PlaceGap* gap = nullptr, double time_limit_s = 30);

struct CandidateOptions {
    double spacing_m = 100;            ///< along streets, and no two candidates closer than this
    double near_m = 100;               ///< within this distance of a home or residential land
    std::uint8_t forbidden_flags = 0;  ///< edges not to place candidates on / not to traverse
};

struct Candidates {
    std::vector<SnapResult> snaps;  ///< on an edge, access 0
    std::vector<LonLat> positions() const;
};

/// Points along the streets of the largest component (under forbidden_flags), every
/// spacing_m along each edge, thinned so that no two are closer than spacing_m straight-line,
/// kept when within near_m of a home point or of (or inside) a residential area. Ordered by
/// edge id then offset; deterministic.
Candidates generate_candidates(const WalkGraph& g, const CandidateOptions& opt,
                               std::span<const LonLat> home_points,
                               std::span<const MultiPolygon> residential);

/// A snapped point lying on edge e at `off_tail` cm from its tail (access 0).
SnapResult point_on_edge(const WalkGraph& g, EdgeId e, Distance off_tail);

}  // namespace lc15
