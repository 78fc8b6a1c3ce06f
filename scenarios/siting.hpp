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
//  * Capacities (capacity[c] persons, e.g. kindergarten places): each home keeps a residual
//    unserved population r_h; a site's gain is min(capacity, sum of r_h over the homes it
//    reaches); choosing it serves its nearest homes first (distance, then home id), fractional
//    at the last one, and lowers their r_h. Gains still only shrink, so lazy evaluation stays
//    exact with respect to plain greedy; the (1 - 1/e) bound is not claimed for this case.
//  * Minimum spacing: no two chosen sites (nor a chosen site and an existing facility) closer
//    than min_spacing_m, measured STRAIGHT-LINE (great circle) between snapped points. With a
//    spacing constraint greedy is a heuristic (no guarantee is claimed).
//  * Ties between equal gains go to the lower candidate index; the result is identical for any
//    thread count (coverage sets are built in parallel into fixed slots, the solver is serial).
//
// exact_siting() is a branch and bound (submodular upper bound: value + the K - |S| largest
// marginal gains) for small uncapacitated instances; tests use it to measure greedy's gap.
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
    /// Per-candidate capacity in persons; empty = uncapacitated; infinity = no limit for that
    /// candidate. Must be empty or have one value per candidate.
    std::vector<double> capacity;
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

/// Builds every candidate's coverage set (parallel; deterministic). Candidates or existing
/// facilities that are !ok() reach nothing / cover nothing.
CoverageSets build_coverage_sets(const WalkGraph& g, std::span<const SnapResult> candidates,
                                 std::span<const Home> homes, std::span<const SnapResult> existing,
                                 const SitingOptions& opt);

struct SitingStep {
    std::uint32_t candidate;  ///< index into the candidates
    double gain;              ///< population newly covered (served) by this site
    double covered;           ///< cumulative newly covered after this site (the K curve)
    double share;             ///< (base_covered + covered) / total_population
};

struct SitingResult {
    std::vector<SitingStep> steps;  ///< in the order chosen; steps[k-1].covered = curve at K=k
    double base_covered = 0;
    double total_population = 0;
    std::uint64_t evaluations = 0;  ///< marginal-gain evaluations (lazy greedy's work)
    /// Fewer than k sites were chosen: no remaining candidate is allowed by the spacing or
    /// has a positive gain.
    bool exhausted = false;
    double covered() const { return steps.empty() ? 0.0 : steps.back().covered; }
};

/// Lazy greedy. `positions` are the candidates' snapped points (for the spacing rule);
/// `existing` the existing facilities' points (spacing to them is enforced too).
SitingResult greedy_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                           const SitingOptions& opt, std::span<const LonLat> existing = {});

/// Optimal uncapacitated solution by branch and bound (same spacing rule). For small
/// instances (tens of candidates). Steps are listed in candidate order; evaluations counts
/// the search nodes. Throws std::invalid_argument when opt.capacity is not empty.
SitingResult exact_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                          const SitingOptions& opt, std::span<const LonLat> existing = {});

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
