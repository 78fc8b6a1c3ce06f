// lc15 scenarios — which dead end to open first: candidate footpaths from every dead end to
// another street, each scored by the residents who would gain coverage (docs/METHOD.md,
// "Opening dead ends"; `lc15 deadends`).
//
//   LinkBarriers bar = link_barriers(city);                 // buildings, water, railways (OSM)
//   std::vector<LinkCandidate> c = find_link_candidates(g, snapper, ends, bar, {150});
//   LinkScorer scorer(base_model);                           // one search per category, once
//   LinkGain gain = scorer.score(c[i].from_snap, c[i].to_snap);   // one evaluation per link
//   std::vector<std::size_t> order = rank_links(gains);       // each link alone
//   GreedyRanking gr = rank_links_greedy(scorer, c, gains, reaches);  // each given those above
//   Scenario s = links_scenario(c, order, k, base_config);    // the top k as add_link edits
//
// Semantics:
//  * A candidate joins a dead end (a vertex, engine/network_metrics.hpp) by a straight
//    footpath to the nearest point of another street segment within max_link_m, taking the
//    nearest street whose path crosses no barrier (no ring of a building or water area, no
//    railway or waterway line, and does not run inside one) and is a shortcut: the walk
//    between the two points before is longer than min_detour x the straight line (else the
//    dead end is already joined there), and crosses no other street (it would meet that one
//    first). One candidate per dead end at most; of two dead ends whose links join each other,
//    the lower vertex keeps it (the other is kDuplicate).
//  * The link is the edit `add_link` of scenarios/scenario.hpp with from = the dead end,
//    to = the street point: the scenario rebuild gives the link the haversine length of its
//    snapped ends, and so does the scorer.
//  * score(): per category, the residents of homes not covered before whose walk to a facility
//    of the category becomes <= the radius through the link: min over both directions of
//    D(facility, end 1) + link + D(end 2, home), with the engine's distance (access legs, the
//    direct walk along a shared edge). Homes keep their snaps (a home never re-snaps onto the
//    new footpath). Adding a link only shortens walks: nobody loses coverage.
//  * rank_links: by the gain in city score (category weights), then more residents gained,
//    then the shorter link, then the dead end's vertex id; ties are stable for any thread count.
//  * rank_links_greedy: the same order of comparison on the gain *added* to the links ranked
//    above: rank 1 is the best link alone, rank 2 the best given rank 1 is opened, and so on
//    (the residents a link covers that no better-ranked link already covers). Two dead ends of
//    one cut-off fragment each score the whole fragment alone; greedily the second adds
//    nothing and drops below the links that reach other people. Each link's reach is still
//    measured alone on today's network: people reached only by two new links together count
//    for neither (the scenario of the top k, evaluated by the scenario machinery, counts them).
//    A coverage of sets, so the added gain never grows as links are chosen and the lazy
//    evaluation below is exact: the greedy order is the one a full re-scoring after each
//    choice gives on these reaches.
// Cost: the scorer's construction is one multi-source search per category; a score() is at
// most two searches per category bounded by what is left of the radius after the link; the
// greedy ranking re-adds a link's reach (its homes) only when it reaches the top of the queue
// again, O(sum of reaches x log n) in practice.
// Thread safety: find_link_candidates and score() are const and run from many threads (the
// scorer keeps one search object per thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "engine/graph.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"
#include "io/city.hpp"
#include "scenarios/scenario.hpp"

namespace lc15::scenarios {

/// What a new footpath must not cross.
struct LinkBarriers {
    std::vector<MultiPolygon> areas;         ///< buildings, water areas
    std::vector<std::string> area_kinds;     ///< "building" / "water", parallel to areas
    std::vector<std::vector<LonLat>> lines;  ///< railways, waterways
    std::vector<std::string> line_kinds;     ///< "railway" / "waterway"
};

/// Buildings (building=*), water (natural=water, waterway=riverbank areas; waterway lines)
/// and railways (railway=rail, light_rail, narrow_gauge, subway, monorail, funicular, not in
/// a tunnel or on a bridge) among the city's OSM features.
LinkBarriers link_barriers(const io::City& city);

struct LinkOptions {
    double max_link_m = 150;
    /// The walk between the two ends before must exceed this times the straight length.
    double min_detour = 2.0;
    double max_snap_m = 300;           ///< the snap limit of the scenario that adds the link
    std::uint8_t forbidden_flags = 0;  ///< edges the walker may not use (the snapper's)
};

enum class LinkRefusal : std::uint8_t {
    kNone,        ///< a candidate was found
    kNoStreet,    ///< no other street within max_link_m
    kBarrier,     ///< every street within reach is behind a barrier
    kNoShortcut,  ///< every street within reach is already a short walk away
    kDuplicate    ///< the same link as another dead end's (two dead ends facing each other)
};
const char* refusal_name(LinkRefusal r);

struct LinkCandidate {
    VertexId dead_end = kInvalidId;
    LonLat from, to;                ///< the dead end; the point of the other street
    SnapResult from_snap, to_snap;  ///< as the scenario's snapper places them
    EdgeId to_edge = kInvalidId;
    double length_m = 0;  ///< straight, haversine
    /// Walk between the two points before; -1: longer than 20 x max_link_m, or none.
    double walk_before_m = -1;
    LinkRefusal refusal = LinkRefusal::kNone;
    /// kBarrier: the kind of the nearest street's barrier ("building", "water", "railway",
    /// "waterway", or "street": the path would cross another street, where it meets it);
    /// kDuplicate: "n" + the vertex key (OSM node id) of the dead end that carries the link.
    std::string blocked_by;
};

/// One entry per dead end (in the order given): a candidate, or why there is none.
std::vector<LinkCandidate> find_link_candidates(const WalkGraph& g, const Snapper& snapper,
                                                std::span<const VertexId> dead_ends,
                                                const LinkBarriers& barriers,
                                                const LinkOptions& options);

struct LinkGain {
    std::vector<double> gained;  ///< residents newly covered, per category
    double residents = 0;        ///< sum over categories
    double score_gain = 0;       ///< city score points (0..100 scale)
};

/// The homes a link newly covers, per category ([category] -> homes, in the order found).
using LinkReach = std::vector<std::vector<HomeId>>;

/// Homes already covered by chosen links: [category][home] != 0.
using TakenHomes = std::vector<std::vector<std::uint8_t>>;

class LinkScorer {
  public:
    /// `base` must be computed and outlive the scorer.
    explicit LinkScorer(const CoverageModel& base);
    ~LinkScorer();
    /// The gain of the link a-b alone; with `reach`, also the homes it newly covers.
    LinkGain score(const SnapResult& a, const SnapResult& b, LinkReach* reach = nullptr) const;
    /// The gain of a link of reach `r` over the homes `taken` (empty: none taken).
    LinkGain added(const LinkReach& r, const TakenHomes& taken) const;
    std::size_t num_categories() const;
    std::size_t num_homes() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Indices of the candidates best first (see above); candidates refused come last, by id.
std::vector<std::size_t> rank_links(const std::vector<LinkCandidate>& candidates,
                                    const std::vector<LinkGain>& gains);

struct GreedyRanking {
    std::vector<std::size_t> order;  ///< candidates, best first; refused ones last, by id
    std::vector<LinkGain> added;     ///< per candidate: its gain over those ranked above it
};

/// The greedy ranking (see above). `gains[i]` and `reaches[i]` are score()'s for candidate i.
GreedyRanking rank_links_greedy(const LinkScorer& scorer,
                                const std::vector<LinkCandidate>& candidates,
                                const std::vector<LinkGain>& gains,
                                const std::vector<LinkReach>& reaches);

/// A scenario of the first k ranked candidates with a positive gain, as add_link edits.
Scenario links_scenario(const std::vector<LinkCandidate>& candidates,
                        const std::vector<LinkGain>& gains, const std::vector<std::size_t>& order,
                        std::size_t k, const std::filesystem::path& base_config,
                        const WalkGraph& g);

/// The scenario's TOML text, loadable by load_scenario; `base` is written as given (a path
/// relative to where the file is written). Coordinates round-trip exactly.
std::string scenario_toml(const Scenario& s, const std::string& base);

}  // namespace lc15::scenarios
