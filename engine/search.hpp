// lc15 engine — multi-source, distance-bounded Dijkstra.
//
// The core primitive (after or-tools' BoundedDijkstra and RoutingKit's timestamps):
//
//   MultiSourceDijkstra search(graph);            // one per thread; reuse it across runs
//   std::vector<SearchSource> src{{v, 0, 0}, {w, 150, 1}};   // vertex, offset (cm), label
//   search.run(src, metres_to_cm(500), [&](VertexId v, Distance d, std::uint32_t label) {
//       ...                                       // called once per settled vertex, d ascending
//   });
//   search.distance(x); search.label(x);          // valid until the next run
//
// Semantics:
//  * Sources carry an offset: a point lying along an edge enters the graph at both ends of the
//    edge with the along-edge distance as offset (see snap.hpp). Several sources may share a
//    vertex; the smallest offset wins; ties keep the smallest label, so results never depend on
//    the order of sources or on thread scheduling.
//  * The limit is INCLUSIVE: every vertex with distance <= limit is settled and reported; no
//    vertex with distance > limit is. Use kMaxSearchDistance for an unbounded search.
//  * Arcs whose flags intersect `forbidden_flags` are not used (e.g. kEdgeSteps for the
//    barrier-free profile, kEdgeClosed for closed ways).
//  * label(v) is the label of the source from which v's shortest distance comes.
//
// Cost: O((V' + E') log V') for the V' vertices settled; reset between runs is O(1) (a
// timestamp per vertex), so small bounded searches on a large city cost only what they touch.
// Thread safety: a search object is not shared; the graph it reads is.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/graph.hpp"

namespace lc15 {

struct SearchSource {
    VertexId vertex;
    Distance offset;  ///< distance already travelled when entering at `vertex` (cm)
    std::uint32_t label;
};

class MultiSourceDijkstra {
public:
    explicit MultiSourceDijkstra(const WalkGraph& g)
        : g_(&g), dist_(g.num_vertices()), label_(g.num_vertices()), stamp_(g.num_vertices(), 0) {}

    template <class OnSettle>
    void run(std::span<const SearchSource> sources, Distance limit, OnSettle&& on_settle,
             std::uint8_t forbidden_flags = 0) {
        assert(limit <= kMaxSearchDistance);
        next_stamp();
        heap_.clear();
        for (const SearchSource& s : sources) {
            if (s.offset > limit) continue;
            relax(s.vertex, s.offset, s.label);
        }
        settled_count_ = 0;
        while (!heap_.empty()) {
            std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
            const HeapItem top = heap_.back();
            heap_.pop_back();
            const VertexId v = top.vertex;
            if (top.dist != dist_[v] || (stamp_[v] & kSettledBit)) continue;  // stale entry
            stamp_[v] |= kSettledBit;
            ++settled_count_;
            const Distance dv = top.dist;
            const std::uint32_t lv = label_[v];
            on_settle(v, dv, lv);
            const ArcId end = g_->first_out(v + 1);
            for (ArcId a = g_->first_out(v); a < end; ++a) {
                if (g_->arc_flags(a) & forbidden_flags) continue;
                const Distance nd = dv + g_->arc_length(a);
                if (nd > limit) continue;
                relax(g_->head(a), nd, lv);
            }
        }
    }

    /// Distance of v in the last run, kInfDistance if v was not reached within the limit.
    Distance distance(VertexId v) const {
        return (stamp_[v] & ~kSettledBit) == stamp_now_ && (stamp_[v] & kSettledBit) ? dist_[v] : kInfDistance;
    }
    /// Label of the source nearest to v in the last run (kInvalidId if unreached).
    std::uint32_t label(VertexId v) const { return distance(v) == kInfDistance ? kInvalidId : label_[v]; }
    /// Vertices settled by the last run.
    std::uint32_t settled_count() const { return settled_count_; }
    const WalkGraph& graph() const { return *g_; }

private:
    static constexpr std::uint32_t kSettledBit = 1u << 31;
    struct HeapItem {
        Distance dist;
        std::uint32_t label;
        VertexId vertex;
        friend bool operator>(const HeapItem& a, const HeapItem& b) {
            if (a.dist != b.dist) return a.dist > b.dist;
            if (a.label != b.label) return a.label > b.label;
            return a.vertex > b.vertex;
        }
    };

    void next_stamp() {
        if (++stamp_now_ == kSettledBit) {  // wrapped: clear once every 2^31 runs
            std::fill(stamp_.begin(), stamp_.end(), 0);
            stamp_now_ = 1;
        }
    }

    void relax(VertexId v, Distance d, std::uint32_t label) {
        const std::uint32_t s = stamp_[v];
        if ((s & ~kSettledBit) == stamp_now_) {
            if (s & kSettledBit) return;
            if (d > dist_[v] || (d == dist_[v] && label >= label_[v])) return;
        } else {
            stamp_[v] = stamp_now_;
        }
        dist_[v] = d;
        label_[v] = label;
        heap_.push_back({d, label, v});
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
    }

    const WalkGraph* g_;
    std::vector<Distance> dist_;
    std::vector<std::uint32_t> label_;
    std::vector<std::uint32_t> stamp_;  // low 31 bits: run stamp; top bit: settled in that run
    std::uint32_t stamp_now_ = 0;
    std::uint32_t settled_count_ = 0;
    std::vector<HeapItem> heap_;
};

}  // namespace lc15
