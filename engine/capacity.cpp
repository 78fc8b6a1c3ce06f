#include "engine/capacity.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

namespace lc15 {

double decay_weight(Distance d, double radius_cm, Decay decay) {
    if (decay == Decay::kNone) return 1.0;
    const double floor = std::exp(-0.5);
    const double x = radius_cm > 0 ? static_cast<double>(d) / radius_cm : 0.0;
    return std::max(0.0, (std::exp(-0.5 * x * x) - floor) / (1.0 - floor));
}

namespace {

// One facility's column of the reach matrix: the homes within its radius, ascending, and
// their weights.
struct Column {
    std::vector<std::int64_t> homes;
    std::vector<double> weights;
};

// A column without its storage: one of a (compressed) ReachMatrix's, or a Column.
struct ColumnView {
    std::span<const std::int64_t> homes;
    std::span<const double> weights;
};

ColumnView view(const Column& c) { return {c.homes, c.weights}; }

// Column f of w (empty beyond its columns: a facility added since w was made).
ColumnView view(const ReachMatrix& w, FacilityHandle f) {
    if (f >= w.cols()) return {};
    const std::int64_t b = w.outerIndexPtr()[f];
    const auto n = static_cast<std::size_t>(w.outerIndexPtr()[f + 1] - b);
    return {{w.innerIndexPtr() + b, n}, {w.valuePtr() + b, n}};
}

// Facility f's column: one bounded search, its distances weighted (empty when f is inactive).
Column reach_column(const CoverageModel& m, FacilityHandle f, Decay decay) {
    Column c;
    if (!m.facility_active(f)) return c;
    const double r_cm = metres_to_cm(m.rules().at(m.facility_category(f)).radius_m);
    const std::vector<std::pair<HomeId, Distance>> within = m.homes_within(f);
    c.homes.reserve(within.size());
    c.weights.reserve(within.size());
    for (const auto& [h, d] : within) {
        c.homes.push_back(h);
        c.weights.push_back(decay_weight(d, r_cm, decay));
    }
    return c;
}

// Step 1 for one facility: its places over the demand weighted within its catchment (summed
// in home order), 0 when no demand reaches it.
double catchment_ratio(ColumnView c, std::span<const double> demand, double supply) {
    double reached = 0;
    for (std::size_t k = 0; k < c.homes.size(); ++k)
        reached += c.weights[k] * demand[static_cast<std::size_t>(c.homes[k])];
    return reached > 0 ? supply / reached : 0.0;
}

// The reach matrix by home: every home's facilities with their weights, ascending handle.
struct RowEntry {
    FacilityHandle f;
    double w;
};
struct ReachRows {
    std::vector<std::int64_t> first;  // per home, and one past the last
    std::vector<RowEntry> entries;
    std::span<const RowEntry> row(HomeId h) const {
        return {entries.data() + first[h], static_cast<std::size_t>(first[h + 1] - first[h])};
    }
};

// The transpose of a compressed w: columns visited in handle order, so rows come out sorted.
ReachRows rows_of(const ReachMatrix& w) {
    ReachRows r;
    r.first.assign(static_cast<std::size_t>(w.rows()) + 1, 0);
    const std::int64_t nnz = w.outerIndexPtr()[w.cols()];
    const std::int64_t* inner = w.innerIndexPtr();
    for (std::int64_t k = 0; k < nnz; ++k) ++r.first[static_cast<std::size_t>(inner[k]) + 1];
    for (std::size_t h = 1; h < r.first.size(); ++h) r.first[h] += r.first[h - 1];
    r.entries.resize(static_cast<std::size_t>(nnz));
    std::vector<std::int64_t> fill(r.first.begin(), r.first.end() - 1);
    for (std::int64_t f = 0; f < w.cols(); ++f) {
        for (std::int64_t k = w.outerIndexPtr()[f]; k < w.outerIndexPtr()[f + 1]; ++k) {
            r.entries[static_cast<std::size_t>(fill[static_cast<std::size_t>(inner[k])]++)] = {
                static_cast<FacilityHandle>(f), w.valuePtr()[k]};
        }
    }
    return r;
}

// Step 2 for one home: the ratios of the facilities it reaches, weighted, in handle order.
double home_access(std::span<const RowEntry> row, std::span<const double> ratio) {
    double a = 0;
    for (const RowEntry& e : row) a += e.w * ratio[e.f];
    return a;
}

// The two steps on w (compressed) and its rows.
TwoStepResult two_step_on(const ReachMatrix& w, const ReachRows& rows,
                          std::span<const double> demand, std::span<const double> supply) {
    TwoStepResult out;
    out.ratio.assign(supply.size(), 0.0);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, supply.size(), 64), [&](const auto& range) {
            for (std::size_t f = range.begin(); f != range.end(); ++f) {
                out.ratio[f] =
                    catchment_ratio(view(w, static_cast<FacilityHandle>(f)), demand, supply[f]);
            }
        });
    out.access.assign(demand.size(), 0.0);
    out.places.assign(demand.size(), 0.0);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, demand.size(), 4096), [&](const auto& range) {
            for (std::size_t h = range.begin(); h != range.end(); ++h) {
                out.access[h] = home_access(rows.row(static_cast<HomeId>(h)), out.ratio);
                out.places[h] = out.access[h] * demand[h];
            }
        });
    return out;
}

// The places of facility f that count: its `supply` when it is an active facility of `cat`
// and the value a positive finite number, else 0.
double usable_supply(const CoverageModel& m, std::uint32_t cat, FacilityHandle f, double supply) {
    if (!m.facility_active(f) || m.facility_category(f) != cat) return 0.0;
    return std::isfinite(supply) && supply > 0 ? supply : 0.0;
}

// Supply figures over `handles` (ascending; a handle without places adds nothing).
void sum_supply(std::span<const FacilityHandle> handles, std::span<const double> s,
                PlaceReport& out) {
    out.supply = out.supply_reached = 0;
    for (const FacilityHandle f : handles) {
        out.supply += s[f];
        if (out.detail.ratio[f] > 0) out.supply_reached += s[f];
    }
}

// The homes of entry e: community e, or (e = num_communities) the homes of none.
std::span<const HomeId> entry_homes(const CoverageModel& m, std::uint32_t e,
                                    std::uint32_t num_communities) {
    return e < num_communities ? m.community_homes(e) : m.homes_outside(num_communities);
}

// One entry's figures from its homes, in their order.
void sum_entry(std::span<const HomeId> homes, std::span<const double> demand,
               std::span<const double> places, const DemandRule& rule, CommunityPlaces& e) {
    e = {};
    for (const HomeId h : homes) {
        e.demand += demand[h];
        e.places += places[h];
    }
    e.needed = e.demand * rule.places_per_1000 / 1000.0;
    e.gap = std::max(0.0, e.needed - e.places);
    e.per_1000 = e.demand > 0 ? 1000.0 * e.places / e.demand : 0.0;
}

// The city figures: the entries summed in entry order.
void sum_city(PlaceReport& out) {
    out.city = {};
    for (const CommunityPlaces& e : out.communities) {
        out.city.demand += e.demand;
        out.city.places += e.places;
        out.city.needed += e.needed;
        out.city.gap += e.gap;
    }
    out.city.per_1000 = out.city.demand > 0 ? 1000.0 * out.city.places / out.city.demand : 0.0;
}

// What measure_places computes, with the parts a PlaceTracker keeps handed back.
struct Measured {
    ReachMatrix w;
    ReachRows rows;
    std::vector<double> demand;
    std::vector<double> supply;           // per handle: usable_supply
    std::vector<FacilityHandle> handles;  // the active facilities of the category, ascending
    PlaceReport report;
};

Measured measure(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                 std::span<const double> supply, std::uint32_t num_communities, Decay decay,
                 const char* who) {
    const std::uint32_t nf = m.num_facility_handles();
    if (supply.size() != nf) {
        throw std::invalid_argument(std::string(who) + ": one supply value per facility handle");
    }
    Measured x;
    x.supply.assign(nf, 0.0);
    for (FacilityHandle f = 0; f < nf; ++f) {
        if (!m.facility_active(f) || m.facility_category(f) != cat) continue;
        x.supply[f] = usable_supply(m, cat, f, supply[f]);
        x.handles.push_back(f);
    }
    x.w = reach_matrix(m, cat, decay);
    x.rows = rows_of(x.w);
    x.demand = demand_of(m, rule);
    x.report.detail = two_step_on(x.w, x.rows, x.demand, x.supply);
    sum_supply(x.handles, x.supply, x.report);
    sum_places(m, x.demand, x.report.detail.places, rule, num_communities, x.report);
    return x;
}

bool same_bits(double a, double b) {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

}  // namespace

ReachMatrix reach_matrix(const CoverageModel& m, std::uint32_t cat, Decay decay) {
    const std::uint32_t nf = m.num_facility_handles();
    const auto nh = static_cast<std::int64_t>(m.homes().size());
    std::vector<Column> per(nf);
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, nf, 4), [&](const auto& range) {
        for (std::uint32_t f = range.begin(); f != range.end(); ++f) {
            if (m.facility_active(f) && m.facility_category(f) == cat)
                per[f] = reach_column(m, f, decay);
        }
    });
    std::size_t nnz = 0;
    for (const auto& p : per) nnz += p.homes.size();
    ReachMatrix w(nh, nf);
    w.reserve(static_cast<std::int64_t>(nnz));
    // Columns in handle order, rows ascending within a column: filled in place, no sort.
    for (std::uint32_t f = 0; f < nf; ++f) {
        w.startVec(f);
        for (std::size_t k = 0; k < per[f].homes.size(); ++k)
            w.insertBack(per[f].homes[k], f) = per[f].weights[k];
    }
    w.finalize();
    return w;
}

TwoStepResult two_step(const ReachMatrix& w, std::span<const double> demand,
                       std::span<const double> supply) {
    const std::span<const double> one[] = {supply};
    return std::move(two_step(w, demand, one).front());
}

std::vector<TwoStepResult> two_step(const ReachMatrix& w, std::span<const double> demand,
                                    std::span<const std::span<const double>> supplies) {
    for (const std::span<const double> supply : supplies) {
        if (static_cast<std::int64_t>(demand.size()) != w.rows() ||
            static_cast<std::int64_t>(supply.size()) != w.cols()) {
            throw std::invalid_argument("two_step: demand per home and supply per facility needed");
        }
    }
    std::vector<TwoStepResult> out;
    auto all = [&](const ReachMatrix& c) {
        const ReachRows rows = rows_of(c);
        for (const std::span<const double> supply : supplies)
            out.push_back(two_step_on(c, rows, demand, supply));
    };
    if (!w.isCompressed()) {
        ReachMatrix c = w;
        c.makeCompressed();
        all(c);
    } else {
        all(w);
    }
    return out;
}

std::vector<double> demand_of(const CoverageModel& m, const DemandRule& rule) {
    std::vector<double> d(m.homes().size(), 0.0);
    for (std::size_t h = 0; h < d.size(); ++h) d[h] = m.homes()[h].population * rule.share;
    return d;
}

void sum_places(const CoverageModel& m, std::span<const double> demand,
                std::span<const double> places, const DemandRule& rule,
                std::uint32_t num_communities, PlaceReport& out) {
    out.communities.assign(std::size_t{num_communities} + 1, CommunityPlaces{});
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, num_communities + 1),
                      [&](const auto& range) {
                          for (std::uint32_t e = range.begin(); e != range.end(); ++e) {
                              sum_entry(entry_homes(m, e, num_communities), demand, places, rule,
                                        out.communities[e]);
                          }
                      });
    sum_city(out);
}

PlaceReport measure_places(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                           std::span<const double> supply, std::uint32_t num_communities,
                           Decay decay) {
    return measure(m, cat, rule, supply, num_communities, decay, "measure_places").report;
}

// ---- PlaceTracker ----------------------------------------------------------------------------

struct PlaceTracker::State {
    std::uint32_t cat = 0, num_communities = 0;
    DemandRule rule;
    Decay decay = Decay::kNone;
    // As made (never changed): the reach matrix by facility and by home, and the demand.
    ReachMatrix w;
    ReachRows rows;
    std::vector<double> demand;
    // Current figures and inputs.
    PlaceReport report;
    std::vector<double> supply;           // per handle: usable_supply
    std::vector<FacilityHandle> handles;  // of the category, ascending (closed ones stay: 0)
    // Since construction or the last undo(): the current column of every facility updated,
    // and per home the entries of those columns (ascending handle); their entries in `rows`
    // no longer count.
    std::unordered_map<FacilityHandle, Column> columns;
    std::vector<char> updated;  // per handle
    std::unordered_map<HomeId, std::vector<RowEntry>> patch;
    // What undo() puts back, in reverse order, and the figures of construction.
    std::vector<std::tuple<FacilityHandle, double, double>> handle_log;  // (f, R_f, supply)
    std::vector<std::tuple<HomeId, double, double>> home_log;            // (h, A_h, P_h)
    std::vector<std::pair<std::uint32_t, CommunityPlaces>> entry_log;
    std::vector<FacilityHandle> inserted;  // into `handles`
    CommunityPlaces city0;
    double supply0 = 0, supply_reached0 = 0;
    std::vector<RowEntry> scratch;

    // A_h from its current row: the rows' entries of facilities not updated merged with the
    // patch, in handle order.
    double access_now(HomeId h) {
        const std::span<const RowEntry> base =
            h + 1 < rows.first.size() ? rows.row(h) : std::span<const RowEntry>{};
        const auto it = patch.find(h);
        const std::span<const RowEntry> extra =
            it == patch.end() ? std::span<const RowEntry>{} : std::span<const RowEntry>(it->second);
        scratch.clear();
        std::size_t j = 0;
        for (const RowEntry& e : base) {
            if (e.f < updated.size() && updated[e.f]) continue;
            for (; j < extra.size() && extra[j].f < e.f; ++j) scratch.push_back(extra[j]);
            scratch.push_back(e);
        }
        for (; j < extra.size(); ++j) scratch.push_back(extra[j]);
        return home_access(scratch, report.detail.ratio);
    }
};

PlaceTracker::PlaceTracker(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                           std::span<const double> supply, std::uint32_t num_communities,
                           Decay decay)
    : s_(std::make_unique<State>()) {
    Measured x = measure(m, cat, rule, supply, num_communities, decay, "PlaceTracker");
    State& s = *s_;
    s.cat = cat;
    s.num_communities = num_communities;
    s.rule = rule;
    s.decay = decay;
    s.w = std::move(x.w);
    s.rows = std::move(x.rows);
    s.demand = std::move(x.demand);
    s.report = std::move(x.report);
    s.supply = std::move(x.supply);
    s.handles = std::move(x.handles);
    s.city0 = s.report.city;
    s.supply0 = s.report.supply;
    s.supply_reached0 = s.report.supply_reached;
    s.updated.assign(s.supply.size(), 0);
}

PlaceTracker::~PlaceTracker() = default;
PlaceTracker::PlaceTracker(PlaceTracker&&) noexcept = default;
PlaceTracker& PlaceTracker::operator=(PlaceTracker&&) noexcept = default;

const PlaceReport& PlaceTracker::report() const { return s_->report; }

void PlaceTracker::update(const CoverageModel& m, std::span<const FacilityHandle> changed,
                          std::span<const double> supply) {
    State& s = *s_;
    const std::uint32_t nf = m.num_facility_handles();
    if (supply.size() != nf)
        throw std::invalid_argument("PlaceTracker::update: one supply value per facility handle");
    if (m.homes().size() != s.demand.size())
        throw std::invalid_argument("PlaceTracker::update: the model's homes changed");
    std::vector<FacilityHandle> fs;
    for (const FacilityHandle f : changed) {
        if (f >= nf) throw std::out_of_range("PlaceTracker::update: no such facility handle");
        if (m.facility_category(f) == s.cat) fs.push_back(f);
    }
    std::sort(fs.begin(), fs.end());
    fs.erase(std::unique(fs.begin(), fs.end()), fs.end());
    std::vector<double>& ratio = s.report.detail.ratio;
    if (ratio.size() < nf) {  // handles added since: no places yet
        ratio.resize(nf, 0.0);
        s.supply.resize(nf, 0.0);
        s.updated.resize(nf, 0);
    }
    if (fs.empty()) return;
    // The catchments now: one bounded search per facility, in parallel.
    std::vector<Column> now(fs.size());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, fs.size()), [&](const auto& range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i)
            now[i] = reach_column(m, fs[i], s.decay);
    });
    // Each facility: the catchment it had out, the one it has in, its ratio again.
    std::vector<HomeId> touched;
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const FacilityHandle f = fs[i];
        s.handle_log.emplace_back(f, ratio[f], s.supply[f]);
        const auto had = s.columns.find(f);
        const ColumnView before = had != s.columns.end() ? view(had->second) : view(s.w, f);
        for (const std::int64_t h : before.homes) {
            touched.push_back(static_cast<HomeId>(h));
            if (had == s.columns.end()) continue;
            auto& p = s.patch[static_cast<HomeId>(h)];
            const auto e =
                std::find_if(p.begin(), p.end(), [f](const RowEntry& x) { return x.f == f; });
            if (e != p.end()) p.erase(e);
        }
        Column& col = now[i];
        for (std::size_t k = 0; k < col.homes.size(); ++k) {
            const auto h = static_cast<HomeId>(col.homes[k]);
            touched.push_back(h);
            auto& p = s.patch[h];
            p.insert(std::upper_bound(p.begin(), p.end(), f,
                                      [](FacilityHandle x, const RowEntry& e) { return x < e.f; }),
                     RowEntry{f, col.weights[k]});
        }
        s.supply[f] = usable_supply(m, s.cat, f, supply[f]);
        ratio[f] = catchment_ratio(view(col), s.demand, s.supply[f]);
        s.columns[f] = std::move(col);
        s.updated[f] = 1;
        const auto at = std::lower_bound(s.handles.begin(), s.handles.end(), f);
        if (at == s.handles.end() || *at != f) {
            s.handles.insert(at, f);
            s.inserted.push_back(f);
        }
    }
    // The homes of those catchments: A and P again; their entries where P changed.
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::vector<double>& access = s.report.detail.access;
    std::vector<double>& places = s.report.detail.places;
    std::vector<std::uint32_t> entries;
    for (const HomeId h : touched) {
        const double a = s.access_now(h);
        const double p = a * s.demand[h];
        if (same_bits(a, access[h]) && same_bits(p, places[h])) continue;
        s.home_log.emplace_back(h, access[h], places[h]);
        if (!same_bits(p, places[h])) {
            const CommunityId c = m.homes()[h].community;
            entries.push_back(c < s.num_communities ? c : s.num_communities);
        }
        access[h] = a;
        places[h] = p;
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    for (const std::uint32_t e : entries) s.entry_log.emplace_back(e, s.report.communities[e]);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, entries.size()), [&](const auto& range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
            const std::uint32_t e = entries[i];
            sum_entry(entry_homes(m, e, s.num_communities), s.demand, places, s.rule,
                      s.report.communities[e]);
        }
    });
    if (!entries.empty()) sum_city(s.report);
    sum_supply(s.handles, s.supply, s.report);
}

void PlaceTracker::undo() {
    State& s = *s_;
    std::vector<double>& ratio = s.report.detail.ratio;
    for (auto it = s.home_log.rbegin(); it != s.home_log.rend(); ++it) {
        const auto& [h, a, p] = *it;
        s.report.detail.access[h] = a;
        s.report.detail.places[h] = p;
    }
    for (auto it = s.entry_log.rbegin(); it != s.entry_log.rend(); ++it)
        s.report.communities[it->first] = it->second;
    for (auto it = s.handle_log.rbegin(); it != s.handle_log.rend(); ++it) {
        const auto& [f, r, sup] = *it;
        ratio[f] = r;
        s.supply[f] = sup;
    }
    for (const auto& [f, col] : s.columns) s.updated[f] = 0;
    s.columns.clear();
    s.patch.clear();
    s.home_log.clear();
    s.entry_log.clear();
    s.handle_log.clear();
    s.report.city = s.city0;
    s.report.supply = s.supply0;
    s.report.supply_reached = s.supply_reached0;
    for (const FacilityHandle f : s.inserted)
        s.handles.erase(std::lower_bound(s.handles.begin(), s.handles.end(), f));
    s.inserted.clear();
}

}  // namespace lc15
