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
//    barrier-free profile, kEdgeClosed for closed ways). Flags no arc of the graph carries
//    (kEdgeClosed in a city no scenario has edited) cost nothing: the arcs' flags are then
//    not read.
//  * label(v) is the label of the source from which v's shortest distance comes.
//  * Vertices are settled in ascending (distance, label); the order among vertices with equal
//    distance and label is unspecified.
//
// How: every vertex's tentative (distance, label) is one 64-bit key, distance << 32 | label,
// so one integer compare gives the tie-break. Two priority queues share that key and give the
// same results: a radix heap (keys popped never decrease, so items are only appended to
// buckets; fastest for large searches and many sources) and a 4-ary heap with a position per
// vertex (decrease-key in place; fastest for small bounded searches, which stay in L1). run()
// picks by the limit and the number of sources; measured in docs/BENCHMARKS.md.
// Per-vertex state (key, timestamp, heap position) is one 16-byte record: one cache line
// touched per relaxed arc.
//
// Cost: O((V' + E') log V') for the V' vertices settled (radix heap: O(E' + V' log C) with C
// the key range); reset between runs is O(1) (a timestamp per vertex), so small bounded
// searches on a large city cost only what they touch. Memory: 16 bytes per graph vertex.
// Thread safety: a search object is not shared; the graph it reads is.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/graph.hpp"

// Benchmarks only: 0 picks the queue per run (default), 1 always the 4-ary heap, 2 always the
// radix heap.
#ifndef LC15_SEARCH_QUEUE
#define LC15_SEARCH_QUEUE 0
#endif

namespace lc15 {

struct SearchSource {
    VertexId vertex;
    Distance offset;  ///< distance already travelled when entering at `vertex` (cm)
    std::uint32_t label;
};

class MultiSourceDijkstra {
  public:
    explicit MultiSourceDijkstra(const WalkGraph& g) : g_(&g), state_(g.num_vertices()) {}

    /// Searches with a limit up to this (cm) from at most kSmallSearchSources sources use the
    /// 4-ary heap; all others the radix heap.
    static constexpr Distance kSmallSearchLimit = 150'000;
    static constexpr std::size_t kSmallSearchSources = 8;

    template <class OnSettle>
    void run(std::span<const SearchSource> sources, Distance limit, OnSettle&& on_settle,
             std::uint8_t forbidden_flags = 0) {
        assert(limit <= kMaxSearchDistance);
        forbidden_flags &= g_->arc_flags_present();  // none of them on any arc: no check
        const bool small = LC15_SEARCH_QUEUE == 0
                               ? limit <= kSmallSearchLimit && sources.size() <= kSmallSearchSources
                               : LC15_SEARCH_QUEUE == 1;
        if (small) {
            quad_.clear();
            if (forbidden_flags == 0) {
                run_impl<false>(quad_, sources, limit, on_settle, 0);
            } else {
                run_impl<true>(quad_, sources, limit, on_settle, forbidden_flags);
            }
        } else {
            radix_.clear();
            if (forbidden_flags == 0) {
                run_impl<false>(radix_, sources, limit, on_settle, 0);
            } else {
                run_impl<true>(radix_, sources, limit, on_settle, forbidden_flags);
            }
        }
    }

    /// An unbounded search from every source that writes each vertex's (distance, label) to
    /// dist and label (kInfDistance and kInvalidId where no source reaches it): the same
    /// results as run() with kMaxSearchDistance followed by distance(v) and label(v) for every
    /// vertex, for searches that settle most of the city. Its state is one 8-byte key per
    /// vertex, reset by one fill, with no settled mark: lengths are never negative, so a key
    /// popped is final and a later candidate is never smaller; an entry whose key is no longer
    /// the vertex's is stale. Half the memory touched per relaxed arc of run()'s 16-byte
    /// record. distance() and label() report nothing reached afterwards.
    void run_nearest(std::span<const SearchSource> sources, std::span<Distance> dist,
                     std::span<std::uint32_t> label, std::uint8_t forbidden_flags = 0) {
        assert(dist.size() == g_->num_vertices() && label.size() == g_->num_vertices());
        next_stamp();
        radix_.clear();
        forbidden_flags &= g_->arc_flags_present();
        if (forbidden_flags == 0) {
            nearest_impl<false>(sources, 0);
        } else {
            nearest_impl<true>(sources, forbidden_flags);
        }
        for (VertexId v = 0; v < g_->num_vertices(); ++v) {
            const Key k = nearest_key_[v];
            dist[v] = k == kUnreached ? kInfDistance : static_cast<Distance>(k >> 32);
            label[v] = k == kUnreached ? kInvalidId : static_cast<std::uint32_t>(k);
        }
    }

    /// Distance of v in the last run, kInfDistance if v was not reached within the limit.
    Distance distance(VertexId v) const {
        const VertexState& s = state_[v];
        return s.stamp == (stamp_now_ | kSettledBit) ? static_cast<Distance>(s.key >> 32)
                                                     : kInfDistance;
    }
    /// Label of the source nearest to v in the last run (kInvalidId if unreached).
    std::uint32_t label(VertexId v) const {
        const VertexState& s = state_[v];
        return s.stamp == (stamp_now_ | kSettledBit) ? static_cast<std::uint32_t>(s.key)
                                                     : kInvalidId;
    }
    /// Vertices settled by the last run.
    std::uint32_t settled_count() const { return settled_count_; }
    const WalkGraph& graph() const { return *g_; }

  private:
    static constexpr std::uint32_t kSettledBit = 1u << 31;
    using Key = std::uint64_t;  // distance << 32 | label; distance < 2^31, so key < 2^63
    static Key make_key(Distance d, std::uint32_t label) { return Key{d} << 32 | label; }

    struct VertexState {
        Key key;              // best (distance, label) so far in the run `stamp` names
        std::uint32_t stamp;  // low 31 bits: run stamp; top bit: settled in that run
        std::uint32_t pos;    // index in the 4-ary heap while queued there
    };
    struct HeapItem {
        Key key;
        VertexId vertex;
    };

    // 4-ary min-heap with decrease-key: no stale entries, a vertex is queued at most once.
    class QuadHeap {
      public:
        static constexpr bool kLazy = false;
        void clear() { items_.clear(); }
        bool empty() const { return items_.empty(); }
        void push_or_decrease(std::vector<VertexState>& st, VertexId v, Key key, bool queued) {
            if (queued) {
                sift_up(st, st[v].pos, {key, v});
            } else {
                items_.push_back({key, v});
                sift_up(st, static_cast<std::uint32_t>(items_.size() - 1), {key, v});
            }
        }
        HeapItem pop(std::vector<VertexState>& st) {
            const HeapItem top = items_[0];
            const HeapItem last = items_.back();
            items_.pop_back();
            const auto n = static_cast<std::uint32_t>(items_.size());
            if (n == 0) return top;
            std::uint32_t i = 0;
            for (;;) {
                const std::uint32_t c = 4 * i + 1;
                if (c >= n) break;
                std::uint32_t best = c;
                const std::uint32_t e = std::min(c + 4, n);
                for (std::uint32_t k = c + 1; k < e; ++k)
                    if (items_[k].key < items_[best].key) best = k;
                if (items_[best].key >= last.key) break;
                place(st, i, items_[best]);
                i = best;
            }
            place(st, i, last);
            return top;
        }

      private:
        void place(std::vector<VertexState>& st, std::uint32_t i, const HeapItem& it) {
            items_[i] = it;
            st[it.vertex].pos = i;
        }
        void sift_up(std::vector<VertexState>& st, std::uint32_t i, const HeapItem& it) {
            while (i > 0) {
                const std::uint32_t p = (i - 1) / 4;
                if (items_[p].key <= it.key) break;
                place(st, i, items_[p]);
                i = p;
            }
            place(st, i, it);
        }
        std::vector<HeapItem> items_;
    };

    // Radix heap on the key, lazy deletion (a vertex may be queued again with a smaller key;
    // the old entry is skipped when popped). Bucket 0 holds keys equal to the last popped key;
    // bucket i > 0 keys whose highest bit differing from it is bit i-1 (keys < 2^63, so
    // i < 64). A mask of non-empty buckets makes reset and finding the next bucket O(1).
    class RadixHeap {
      public:
        static constexpr bool kLazy = true;
        void clear() {
            while (nonempty_ != 0) {
                buckets_[static_cast<std::size_t>(std::countr_zero(nonempty_))].clear();
                nonempty_ &= nonempty_ - 1;
            }
            last_ = 0;
        }
        bool empty() const { return nonempty_ == 0; }
        void push_or_decrease(std::vector<VertexState>&, VertexId v, Key key, bool) {
            const std::uint32_t b = bucket_of(key, last_);
            buckets_[b].push_back({key, v});
            nonempty_ |= std::uint64_t{1} << b;
        }
        HeapItem pop(std::vector<VertexState>&) {
            if (!(nonempty_ & 1)) {
                const auto i = static_cast<std::uint32_t>(std::countr_zero(nonempty_));
                std::vector<HeapItem>& b = buckets_[i];
                Key m = b[0].key;
                for (const HeapItem& it : b) m = std::min(m, it.key);
                last_ = m;
                nonempty_ &= ~(std::uint64_t{1} << i);
                for (const HeapItem& it : b) {  // every key lands in a bucket below i
                    const std::uint32_t j = bucket_of(it.key, m);
                    buckets_[j].push_back(it);
                    nonempty_ |= std::uint64_t{1} << j;
                }
                b.clear();
            }
            std::vector<HeapItem>& b0 = buckets_[0];
            const HeapItem top = b0.back();
            b0.pop_back();
            if (b0.empty()) nonempty_ &= ~std::uint64_t{1};
            return top;
        }

      private:
        static std::uint32_t bucket_of(Key k, Key last) {
            return k == last ? 0 : 64 - static_cast<std::uint32_t>(std::countl_zero(k ^ last));
        }
        std::array<std::vector<HeapItem>, 64> buckets_;
        std::uint64_t nonempty_ = 0;
        Key last_ = 0;
    };

    template <bool kCheckFlags, class Heap, class OnSettle>
    void run_impl(Heap& heap, std::span<const SearchSource> sources, Distance limit,
                  OnSettle& on_settle, std::uint8_t forbidden_flags) {
        next_stamp();
        for (const SearchSource& s : sources) {
            if (s.offset > limit) continue;
            relax(heap, s.vertex, make_key(s.offset, s.label));
        }
        settled_count_ = 0;
        const std::uint32_t settled_stamp = stamp_now_ | kSettledBit;
        const WalkGraph& g = *g_;
        while (!heap.empty()) {
            const HeapItem top = heap.pop(state_);
            const VertexId v = top.vertex;
            VertexState& sv = state_[v];
            if constexpr (Heap::kLazy) {
                if (top.key != sv.key || sv.stamp == settled_stamp) continue;  // stale entry
            }
            sv.stamp = settled_stamp;
            ++settled_count_;
            const auto dv = static_cast<Distance>(top.key >> 32);
            const auto lv = static_cast<std::uint32_t>(top.key);
            on_settle(v, dv, lv);
            for_each_arc<kCheckFlags>(
                g, v, dv, limit, forbidden_flags,
                [&](VertexId h, Distance nd) { relax(heap, h, make_key(nd, lv)); });
        }
    }

    // Calls step(head, d + length) for each arc out of v that the flags allow and whose end
    // lies within `limit`: the relaxation every search of this class makes.
    template <bool kCheckFlags, class Step>
    static void for_each_arc(const WalkGraph& g, VertexId v, Distance d, Distance limit,
                             std::uint8_t forbidden_flags, Step&& step) {
        const ArcId end = g.first_out(v + 1);
        for (ArcId a = g.first_out(v); a < end; ++a) {
            if constexpr (kCheckFlags) {
                if (g.arc_flags(a) & forbidden_flags) continue;
            }
            const Distance nd = d + g.arc_length(a);
            if (nd > limit) continue;
            step(g.head(a), nd);
        }
    }

    // Above every key a search makes (distance < 2^31 and a label below kInvalidId).
    static constexpr Key kUnreached = ~Key{0} >> 1;

    template <bool kCheckFlags>
    void nearest_impl(std::span<const SearchSource> sources, std::uint8_t forbidden_flags) {
        nearest_key_.assign(g_->num_vertices(), kUnreached);
        Key* key = nearest_key_.data();
        for (const SearchSource& s : sources) {
            if (s.offset > kMaxSearchDistance) continue;
            const Key k = make_key(s.offset, s.label);
            if (k < key[s.vertex]) {
                key[s.vertex] = k;
                radix_.push_or_decrease(state_, s.vertex, k, false);
            }
        }
        settled_count_ = 0;
        const WalkGraph& g = *g_;
        while (!radix_.empty()) {
            const HeapItem top = radix_.pop(state_);
            const VertexId v = top.vertex;
            if (top.key != key[v]) continue;  // stale: v was queued again with a smaller key
            ++settled_count_;
            const auto dv = static_cast<Distance>(top.key >> 32);
            const auto lv = static_cast<std::uint32_t>(top.key);
            for_each_arc<kCheckFlags>(g, v, dv, kMaxSearchDistance, forbidden_flags,
                                      [&](VertexId h, Distance nd) {
                                          const Key k = make_key(nd, lv);
                                          if (k < key[h]) {
                                              key[h] = k;
                                              radix_.push_or_decrease(state_, h, k, false);
                                          }
                                      });
        }
    }

    template <class Heap>
    void relax(Heap& heap, VertexId v, Key key) {
        VertexState& s = state_[v];
        const bool queued = s.stamp == stamp_now_;
        if (queued) {
            if (key >= s.key) return;
        } else if (s.stamp == (stamp_now_ | kSettledBit)) {
            return;
        } else {
            s.stamp = stamp_now_;
        }
        s.key = key;
        heap.push_or_decrease(state_, v, key, queued);
    }

    void next_stamp() {
        if (++stamp_now_ == kSettledBit) {  // wrapped: clear once every 2^31 runs
            for (VertexState& s : state_) s.stamp = 0;
            stamp_now_ = 1;
        }
    }

    const WalkGraph* g_;
    std::vector<VertexState> state_;
    std::uint32_t stamp_now_ = 0;
    std::uint32_t settled_count_ = 0;
    QuadHeap quad_;
    RadixHeap radix_;
    std::vector<Key> nearest_key_;  // run_nearest's state, allocated by its first run
};

}  // namespace lc15
