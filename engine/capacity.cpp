#include "engine/capacity.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lc15 {

double decay_weight(Distance d, double radius_cm, Decay decay) {
    if (decay == Decay::kNone) return 1.0;
    const double floor = std::exp(-0.5);
    const double x = radius_cm > 0 ? static_cast<double>(d) / radius_cm : 0.0;
    return std::max(0.0, (std::exp(-0.5 * x * x) - floor) / (1.0 - floor));
}

ReachMatrix reach_matrix(const CoverageModel& m, std::uint32_t cat, Decay decay) {
    const std::uint32_t nf = m.num_facility_handles();
    const auto nh = static_cast<std::int64_t>(m.homes().size());
    const double r_cm = metres_to_cm(m.rules().at(cat).radius_m);
    std::vector<std::vector<std::pair<HomeId, Distance>>> per(nf);
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, nf, 4), [&](const auto& range) {
        for (std::uint32_t f = range.begin(); f != range.end(); ++f) {
            if (m.facility_active(f) && m.facility_category(f) == cat) per[f] = m.homes_within(f);
        }
    });
    std::size_t nnz = 0;
    for (const auto& p : per) nnz += p.size();
    ReachMatrix w(nh, nf);
    w.reserve(static_cast<std::int64_t>(nnz));
    // Columns in handle order, rows ascending within a column: filled in place, no sort.
    for (std::uint32_t f = 0; f < nf; ++f) {
        w.startVec(f);
        for (const auto& [h, d] : per[f]) w.insertBack(h, f) = decay_weight(d, r_cm, decay);
    }
    w.finalize();
    return w;
}

TwoStepResult two_step(const ReachMatrix& w, std::span<const double> demand,
                       std::span<const double> supply) {
    if (static_cast<std::int64_t>(demand.size()) != w.rows() ||
        static_cast<std::int64_t>(supply.size()) != w.cols()) {
        throw std::invalid_argument("two_step: demand per home and supply per facility needed");
    }
    using Vec = Eigen::VectorXd;
    const Eigen::Map<const Vec> d(demand.data(), static_cast<Eigen::Index>(demand.size()));
    const Eigen::Map<const Vec> s(supply.data(), static_cast<Eigen::Index>(supply.size()));
    // Step 1: demand weighted within each catchment, then places per demand person.
    const Vec reached = w.transpose() * d;
    Vec ratio = Vec::Zero(s.size());
    for (Eigen::Index j = 0; j < s.size(); ++j)
        if (reached[j] > 0) ratio[j] = s[j] / reached[j];
    // Step 2: every home sums the ratios of the facilities it reaches.
    const Vec access = w * ratio;
    TwoStepResult out;
    out.ratio.assign(ratio.data(), ratio.data() + ratio.size());
    out.access.assign(access.data(), access.data() + access.size());
    out.places.resize(demand.size());
    for (std::size_t i = 0; i < demand.size(); ++i) out.places[i] = out.access[i] * demand[i];
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
    const auto& homes = m.homes();
    for (std::size_t h = 0; h < homes.size(); ++h) {
        const CommunityId c = homes[h].community;
        CommunityPlaces& e = out.communities[c < num_communities ? c : num_communities];
        e.demand += demand[h];
        e.places += places[h];
    }
    out.city = {};
    for (CommunityPlaces& e : out.communities) {
        e.needed = e.demand * rule.places_per_1000 / 1000.0;
        e.gap = std::max(0.0, e.needed - e.places);
        e.per_1000 = e.demand > 0 ? 1000.0 * e.places / e.demand : 0.0;
        out.city.demand += e.demand;
        out.city.places += e.places;
        out.city.needed += e.needed;
        out.city.gap += e.gap;
    }
    out.city.per_1000 = out.city.demand > 0 ? 1000.0 * out.city.places / out.city.demand : 0.0;
}

PlaceReport measure_places(const CoverageModel& m, std::uint32_t cat, const DemandRule& rule,
                           std::span<const double> supply, std::uint32_t num_communities,
                           Decay decay) {
    const std::uint32_t nf = m.num_facility_handles();
    if (supply.size() != nf) {
        throw std::invalid_argument("measure_places: one supply value per facility handle");
    }
    std::vector<double> s(nf, 0.0);
    PlaceReport out;
    for (std::uint32_t f = 0; f < nf; ++f) {
        if (!m.facility_active(f) || m.facility_category(f) != cat) continue;
        s[f] = std::isfinite(supply[f]) && supply[f] > 0 ? supply[f] : 0.0;
        out.supply += s[f];
    }
    const ReachMatrix w = reach_matrix(m, cat, decay);
    const std::vector<double> demand = demand_of(m, rule);
    out.detail = two_step(w, demand, s);
    for (std::uint32_t f = 0; f < nf; ++f)
        if (out.detail.ratio[f] > 0) out.supply_reached += s[f];
    sum_places(m, demand, out.detail.places, rule, num_communities, out);
    return out;
}

}  // namespace lc15
