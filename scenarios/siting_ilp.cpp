// Exact siting as an integer programme solved by CBC (scenarios/siting.hpp, ilp_siting).
#include <coin/Cbc_C_Interface.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>

#include "scenarios/siting.hpp"

namespace lc15 {

namespace {

struct CbcDeleter {
    void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};

// Objective of a set of sites, and their order by greedy re-ranking (largest marginal gain
// first, ties by index), as steps.
double value_and_steps(const CoverageSets& sets, const SitingOptions& opt, const PlaceGap* gap,
                       std::vector<std::uint32_t> chosen, SitingResult& r) {
    std::vector<double> residual;
    PlaceShares shares;
    const bool cap = !opt.capacity.empty();
    if (cap) {
        shares = place_shares(sets, *gap, opt.capacity, opt.decay, opt.radius_m);
        residual = gap->gap;
    } else {
        residual = sets.weight;
    }
    auto gain = [&](std::uint32_t c) {
        double s = 0;
        if (cap) {
            for (std::uint32_t i = shares.first[c]; i < shares.first[c + 1]; ++i)
                s += std::min(residual[shares.slot[i]], shares.places[i]);
        } else {
            for (HomeId h : sets.homes_of(c)) s += residual[h];
        }
        return s;
    };
    auto take = [&](std::uint32_t c) {
        if (cap) {
            for (std::uint32_t i = shares.first[c]; i < shares.first[c + 1]; ++i) {
                double& x = residual[shares.slot[i]];
                x -= std::min(x, shares.places[i]);
            }
        } else {
            for (HomeId h : sets.homes_of(c)) residual[h] = 0;
        }
    };
    std::sort(chosen.begin(), chosen.end());
    double covered = 0;
    while (!chosen.empty()) {
        std::size_t best = 0;
        double best_gain = -1;
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            const double g = gain(chosen[i]);
            if (g > best_gain) {
                best_gain = g;
                best = i;
            }
        }
        take(chosen[best]);
        covered += best_gain;
        const double share =
            r.total_population > 0 ? (r.base_covered + covered) / r.total_population : 0.0;
        r.steps.push_back({chosen[best], best_gain, covered, share});
        chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(best));
    }
    return covered;
}

}  // namespace

ExactSiting ilp_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                       const SitingOptions& opt, std::span<const LonLat> existing,
                       const PlaceGap* gap, double time_limit_s) {
    const auto start = std::chrono::steady_clock::now();
    const bool cap = !opt.capacity.empty();
    if (cap && !gap) throw std::invalid_argument("ilp_siting: capacities need the place gap");
    if (opt.min_spacing_m > 0 && positions.size() != sets.num_candidates())
        throw std::invalid_argument("ilp_siting: spacing needs one position per candidate");
    const std::uint32_t nc = sets.num_candidates();
    ExactSiting out;
    SitingResult& r = out.result;
    if (cap) {
        r.total_population = std::accumulate(gap->gap.begin(), gap->gap.end(), 0.0);
    } else {
        r.base_covered = sets.base_covered;
        r.total_population = sets.total_population;
    }
    PlaceShares shares;
    if (cap) shares = place_shares(sets, *gap, opt.capacity, opt.decay, opt.radius_m);

    // Candidates that can add anything and are allowed next to the existing facilities.
    std::vector<std::uint32_t> cand;
    for (std::uint32_t c = 0; c < nc; ++c) {
        if (opt.min_spacing_m > 0) {
            bool near = false;
            for (const LonLat& q : existing)
                near = near || haversine_m(positions[c], q) < opt.min_spacing_m;
            if (near) continue;
        }
        double g = 0;
        if (cap) {
            for (std::uint32_t i = shares.first[c]; i < shares.first[c + 1]; ++i)
                g += std::min(gap->gap[shares.slot[i]], shares.places[i]);
        } else {
            for (HomeId h : sets.homes_of(c)) g += sets.weight[h];
        }
        if (g > 0) cand.push_back(c);
    }

    // Rows: one per home (uncapacitated) or slot (capacitated) that some candidate reaches,
    // then the count row, then the spacing pairs.
    const std::size_t n_items = cap ? gap->gap.size() : sets.weight.size();
    std::vector<int> row_of(n_items, -1);
    std::vector<std::uint32_t> item_of_row;
    auto row_for = [&](std::uint32_t item) {
        if (row_of[item] < 0) {
            row_of[item] = static_cast<int>(item_of_row.size());
            item_of_row.push_back(item);
        }
        return row_of[item];
    };
    struct Entry {
        int row;
        double value;
    };
    std::vector<std::vector<Entry>> col(cand.size());
    for (std::size_t j = 0; j < cand.size(); ++j) {
        const std::uint32_t c = cand[j];
        if (cap) {
            for (std::uint32_t i = shares.first[c]; i < shares.first[c + 1]; ++i)
                if (gap->gap[shares.slot[i]] > 0 && shares.places[i] > 0)
                    col[j].push_back({row_for(shares.slot[i]), -shares.places[i]});
        } else {
            for (HomeId h : sets.homes_of(c))
                if (sets.weight[h] > 0) col[j].push_back({row_for(h), -1.0});
        }
    }
    const int n_cover = static_cast<int>(item_of_row.size());
    const int count_row = n_cover;
    int n_rows = n_cover + 1;
    for (auto& entries : col) entries.push_back({count_row, 1.0});
    if (opt.min_spacing_m > 0) {
        for (std::size_t a = 0; a < cand.size(); ++a)
            for (std::size_t b = a + 1; b < cand.size(); ++b)
                if (haversine_m(positions[cand[a]], positions[cand[b]]) < opt.min_spacing_m) {
                    col[a].push_back({n_rows, 1.0});
                    col[b].push_back({n_rows, 1.0});
                    ++n_rows;
                }
    }

    // Columns: the x (binary sites), then one y / z per cover row. Minimise the negated
    // objective, so that CBC's bound is a lower bound of -optimum.
    const int nx = static_cast<int>(cand.size());
    const int ncols = nx + n_cover;
    std::vector<CoinBigIndex> starts{0};
    std::vector<int> index;
    std::vector<double> value, collb(ncols, 0.0), colub(ncols, 1.0), obj(ncols, 0.0);
    for (int j = 0; j < nx; ++j) {
        std::sort(col[j].begin(), col[j].end(),
                  [](const Entry& x, const Entry& y) { return x.row < y.row; });
        for (const Entry& e : col[j]) {
            index.push_back(e.row);
            value.push_back(e.value);
        }
        starts.push_back(static_cast<CoinBigIndex>(index.size()));
    }
    for (int i = 0; i < n_cover; ++i) {
        const std::uint32_t item = item_of_row[i];
        index.push_back(i);
        value.push_back(1.0);
        starts.push_back(static_cast<CoinBigIndex>(index.size()));
        if (cap) {
            colub[nx + i] = gap->gap[item];
            obj[nx + i] = -1.0;
        } else {
            obj[nx + i] = -sets.weight[item];
        }
    }
    std::vector<double> rowlb(n_rows, -std::numeric_limits<double>::infinity()), rowub(n_rows, 0);
    rowub[count_row] = opt.k;
    for (int i = count_row + 1; i < n_rows; ++i) rowub[i] = 1;

    std::vector<std::uint32_t> chosen;
    if (nx > 0) {
        std::unique_ptr<Cbc_Model, CbcDeleter> m(Cbc_newModel());
        if (!m) throw std::runtime_error("ilp_siting: CBC could not create a model");
        Cbc_loadProblem(m.get(), ncols, n_rows, starts.data(), index.data(), value.data(),
                        collb.data(), colub.data(), obj.data(), rowlb.data(), rowub.data());
        for (int j = 0; j < nx; ++j) Cbc_setInteger(m.get(), j);
        Cbc_setObjSense(m.get(), 1);
        Cbc_setLogLevel(m.get(), 0);
        Cbc_setMaximumSeconds(m.get(), std::max(0.1, time_limit_s));
        Cbc_setAllowableGap(m.get(), 1e-7);
        Cbc_setAllowableFractionGap(m.get(), 1e-9);
        // The greedy answer, kept for the case CBC finds no integer answer in time. (CBC 2.10's
        // C interface fails on some MIP starts, so none is given: its own heuristics find it.)
        const SitingResult g = greedy_siting(sets, positions, opt, existing, gap);
        Cbc_solve(m.get());
        const double* x = Cbc_bestSolution(m.get());
        if (x) {
            for (int j = 0; j < nx; ++j)
                if (x[j] > 0.5) chosen.push_back(cand[j]);
        }
        out.optimal = Cbc_isProvenOptimal(m.get()) != 0;
        out.time_limit = Cbc_isSecondsLimitReached(m.get()) != 0;
        out.bound = -Cbc_getBestPossibleObjValue(m.get());
        // Without a feasible answer from CBC, the greedy one (always feasible).
        if (!x) {
            for (const SitingStep& s : g.steps) chosen.push_back(s.candidate);
        }
    }
    if (chosen.size() > opt.k) chosen.resize(opt.k);
    out.value = value_and_steps(sets, opt, gap, chosen, r);
    r.evaluations = 0;
    r.exhausted = r.steps.size() < opt.k;
    if (out.optimal || nx == 0) out.bound = out.value;
    out.bound = std::max(out.bound, out.value);
    out.gap = out.bound > 0 ? (out.bound - out.value) / out.bound : 0.0;
    if (out.gap < 1e-9) out.gap = 0;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

}  // namespace lc15
