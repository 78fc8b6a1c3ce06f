// lc15 history — the comparison and warning rules (history/warnings.hpp).
#include "history/warnings.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace lc15::history {

std::size_t Comparison::count(const std::string& group) const {
    std::size_t n = 0;
    for (const Warning& w : warnings) n += w.group == group;
    return n;
}

long days_of(const std::string& date) {
    int y = 0, m = 0, d = 0;
    if (date.size() < 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return 0;
    // Days from civil (H. Hinnant's algorithm).
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string percent(double share) {
    const double p = share * 100;
    char buf[32];
    if (std::fabs(p - std::round(p)) < 0.05)
        std::snprintf(buf, sizeof buf, "%.0f %%", p);
    else
        std::snprintf(buf, sizeof buf, "%.1f %%", p);
    return buf;
}

namespace {

constexpr double kEps = 1e-9;

/// "翠华幼儿园 (osm node 123)", "(facilities_amap.csv id 7)".
std::string facility_label(const FacilityRow& f) {
    std::string where;
    if (f.source == "osm" && f.id.size() > 1) {
        const char t = f.id[0];
        where = std::string("osm ") +
                (t == 'n'   ? "node "
                 : t == 'w' ? "way "
                 : t == 'r' ? "relation "
                            : "") +
                (t == 'n' || t == 'w' || t == 'r' ? f.id.substr(1) : f.id);
    } else {
        where = f.source + " id " + f.id;
    }
    return (f.name.empty() ? "" : f.name + " ") + "(" + where + ")";
}

using Key = std::tuple<std::string, std::string, std::string>;  // category, source, id

struct CategoryInfo {
    std::string name_zh;
    double radius_m = 0;
};

std::string category_title(const std::map<std::string, CategoryInfo>& cats, const std::string& id) {
    auto it = cats.find(id);
    if (it == cats.end()) return id;
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.0f m", it->second.radius_m);
    return (it->second.name_zh.empty() ? id : it->second.name_zh) + buf;
}

std::optional<double> bus_figure(const BusFigureRow& b, const std::string& figure) {
    if (figure == "people_straight") return b.people_straight_share;
    if (figure == "people_walk") return b.people_walk_share;
    return b.land_share;
}

const io::PlanTarget* target_of(const io::PlanTargets& t, const std::string& key) {
    for (const io::PlanTarget& p : t.targets)
        if (p.key == key) return &p;
    return nullptr;
}

}  // namespace

Comparison compare_runs(const RunSnapshot* before, const RunSnapshot& now,
                        const io::PlanTargets& targets, const std::string& unchanged_since,
                        const std::string& today) {
    Comparison out;
    std::vector<Warning> plan, data;
    std::map<std::string, CategoryInfo> cats;
    for (const CityFigureRow& c : now.city_figures) cats[c.category] = {c.name_zh, c.radius_m};
    std::map<std::string, std::string> community_names;
    for (const FigureRow& f : now.figures) community_names[f.community_id] = f.community_name;

    if (before) {
        out.baseline_run = before->run_id;
        std::map<Key, const FacilityRow*> now_facilities, before_facilities;
        for (const FacilityRow& f : now.facilities)
            now_facilities[{f.category, f.source, f.id}] = &f;
        for (const FacilityRow& f : before->facilities)
            if (f.status == "used") before_facilities[{f.category, f.source, f.id}] = &f;
        // What served each (community, category) before.
        std::map<std::pair<std::string, std::string>, std::vector<Key>> served;
        for (const ServingRow& s : before->serving)
            served[{s.community_id, s.category}].push_back({s.category, s.source, s.facility_id});
        std::map<std::pair<std::string, std::string>, const FigureRow*> old;
        for (const FigureRow& f : before->figures) old[{f.community_id, f.category}] = &f;

        // facility -> communities it moved: (name, before, after)
        std::map<Key, std::vector<std::tuple<std::string, double, double>>> moved;
        for (const FigureRow& a : now.figures) {
            auto it = old.find({a.community_id, a.category});
            if (it == old.end()) continue;
            const FigureRow& b = *it->second;
            if (!(a.share < b.share - kEps)) continue;
            // The cause: what served this community before and does not any more.
            std::string cause;
            for (const Key& k : served[{a.community_id, a.category}]) {
                auto bf = before_facilities.find(k);
                if (bf == before_facilities.end()) continue;
                auto nf = now_facilities.find(k);
                std::string why;
                if (nf == now_facilities.end())
                    why = " is gone from the inputs";
                else if (nf->second->status == "off_network")
                    why = " is now off the network";
                else if (nf->second->status == "merged")
                    why = " is now merged with a duplicate";
                if (why.empty()) continue;
                cause += (cause.empty() ? "" : "; ") + facility_label(*bf->second) + why;
                if (nf == now_facilities.end())
                    moved[k].emplace_back(a.community_name, b.share, a.share);
            }
            const io::PlanTarget* t = target_of(targets, a.category);
            std::string kind;
            if (b.pass && !a.pass)
                kind = "lost_pass";
            else if (t && t->share && b.share >= *t->share - kEps && a.share < *t->share - kEps)
                kind = "below_target";
            else if ((b.share - a.share) * 100 > targets.drop_points + kEps)
                kind = "share_drop";
            if (kind.empty()) continue;
            Warning w{"plan",     kind, a.community_id, a.community_name,
                      a.category, "",   b.share,        a.share,
                      cause,      ""};
            w.category_name = cats.count(a.category) ? cats[a.category].name_zh : a.category;
            w.message = category_title(cats, a.category) + " coverage of " + a.community_name +
                        " fell from " + percent(b.share) + " to " + percent(a.share);
            if (kind == "lost_pass") w.message += " (no longer passes)";
            if (kind == "below_target")
                w.message += " (below the plan's target " + percent(*t->share) +
                             (t->due.empty() ? "" : " by " + t->due) + ")";
            w.message += cause.empty() ? ": cause unknown (no facility that served it is gone; "
                                         "streets or homes changed)"
                                       : ": " + cause;
            plan.push_back(std::move(w));
        }
        for (const auto& [k, list] : moved) {
            const FacilityRow& f = *before_facilities[k];
            Warning w{"plan",
                      "facility_gone",
                      "",
                      "",
                      f.category,
                      "",
                      std::nullopt,
                      std::nullopt,
                      facility_label(f) + " is gone from the inputs",
                      ""};
            w.category_name = cats.count(f.category) ? cats[f.category].name_zh : f.category;
            std::string names;
            for (const auto& [name, b, a] : list) {
                names += (names.empty() ? "" : ", ") + name + " (" + percent(b) + " → " +
                         percent(a) + ")";
                w.community_name += (w.community_name.empty() ? "" : "; ") + name;
            }
            w.message =
                category_title(cats, f.category) + ": " + w.cause + "; coverage fell in " + names;
            plan.push_back(std::move(w));
        }
        // The bus 500 m figure (the target's figure, else the land share).
        const io::PlanTarget* bt = target_of(targets, "bus500");
        const std::string figure = bt ? bt->figure : "land";
        std::map<std::string, const BusFigureRow*> old_bus;
        for (const BusFigureRow& b : before->bus) old_bus[b.community_id] = &b;
        for (const BusFigureRow& a : now.bus) {
            if (a.community_id.empty()) continue;
            auto it = old_bus.find(a.community_id);
            if (it == old_bus.end()) continue;
            const auto fb = bus_figure(*it->second, figure), fa = bus_figure(a, figure);
            if (!fb || !fa || !(*fa < *fb - kEps)) continue;
            std::string kind;
            if (bt && bt->share && *fb >= *bt->share - kEps && *fa < *bt->share - kEps)
                kind = "below_target";
            else if ((*fb - *fa) * 100 > targets.drop_points + kEps)
                kind = "share_drop";
            if (kind.empty()) continue;
            const std::string name = community_names.count(a.community_id)
                                         ? community_names[a.community_id]
                                         : a.community_id;
            Warning w{"plan", kind, a.community_id, name, "bus500", "公交站点 500 m", fb, fa,
                      "",     ""};
            w.message =
                "bus stop 500 m (" + figure + ") coverage of " + name + " fell from " +
                percent(*fb) + " to " + percent(*fa) +
                (kind == "below_target" ? " (below the plan's target " + percent(*bt->share) + ")"
                                        : "");
            plan.push_back(std::move(w));
        }
    }

    // Targets due soon or past and not met.
    const long today_d = days_of(today);
    for (const io::PlanTarget& t : targets.targets) {
        if (t.due.empty()) continue;
        const long left = days_of(t.due) - today_d;
        if (left > targets.due_warning_days) continue;
        const std::string when =
            left >= 0 ? "due " + t.due + " (in " + std::to_string(left) + " days)"
                      : "due " + t.due + " (" + std::to_string(-left) + " days past)";
        Warning w{"plan", "target_due", "", "", t.key, "", std::nullopt, std::nullopt, "", ""};
        w.category_name = t.key == "bus500"   ? "公交站点 500 m"
                          : cats.count(t.key) ? cats[t.key].name_zh
                                              : t.key;
        if (t.count) {
            double have = 0;
            for (const FacilityRow& f : now.facilities)
                have += f.category == t.key && f.status == "used";
            if (have >= *t.count) continue;
            w.after = have;
            w.message = w.category_name + " target " + std::to_string(*t.count) + " facilities " +
                        when + ": " + std::to_string(int(have)) + " in the inputs";
            plan.push_back(std::move(w));
            continue;
        }
        if (!t.share) continue;
        std::size_t below = 0, all = 0;
        std::string lowest;
        double low = 2;
        if (t.key == "bus500") {
            for (const BusFigureRow& b : now.bus) {
                if (b.community_id.empty()) {
                    w.after = bus_figure(b, t.figure);
                    continue;
                }
                const auto v = bus_figure(b, t.figure);
                if (!v) continue;
                ++all;
                if (*v < *t.share - kEps) ++below;
                if (*v < low) {
                    low = *v;
                    lowest = community_names[b.community_id];
                }
            }
        } else {
            for (const FigureRow& f : now.figures) {
                if (f.category != t.key || f.population <= 0) continue;
                ++all;
                if (f.share < *t.share - kEps) ++below;
                if (f.share < low) {
                    low = f.share;
                    lowest = f.community_name;
                }
            }
            for (const CityFigureRow& c : now.city_figures)
                if (c.category == t.key) w.after = c.share;
        }
        if (below == 0) continue;
        w.message = category_title(cats, t.key) + " target " + percent(*t.share) + " " + when +
                    ": " + std::to_string(below) + " of " + std::to_string(all) +
                    " communities below (lowest " + lowest + " " + percent(low) + ")";
        if (t.key == "bus500")
            w.message =
                "bus stop 500 m (" + t.figure + ")" + w.message.substr(w.message.find(" target"));
        plan.push_back(std::move(w));
    }

    // Data warnings.
    if (!unchanged_since.empty()) {
        const long days = today_d - days_of(unchanged_since);
        if (days >= targets.stale_days) {
            Warning w{"data", "inputs_unchanged", "",           "", "",
                      "",     std::nullopt,       double(days), "", ""};
            w.cause = "no input file changed since " + unchanged_since.substr(0, 10);
            w.message = "every input file is unchanged for " + std::to_string(days) +
                        " days (since " + unchanged_since.substr(0, 10) +
                        "): is the nightly export still running?";
            data.push_back(std::move(w));
        }
    }
    if (before) {
        auto check = [&](const char* what, double b, double a) {
            if (b <= 0 || a >= b * (1 - targets.data_drop)) return;
            Warning w{"data", "count_drop", "", "", what, "", b, a, "", ""};
            char buf[160];
            std::snprintf(buf, sizeof buf, "%s fell from %.0f to %.0f (%.0f %%) since run %lld",
                          what, b, a, 100 * (a - b) / b, static_cast<long long>(before->run_id));
            w.message = std::string(buf) + ": check the export before reading the figures";
            data.push_back(std::move(w));
        };
        check("facilities", double(before->used_facilities()), double(now.used_facilities()));
        check("stops", double(before->stops.size()), double(now.stops.size()));
        check("homes", double(before->homes), double(now.homes));
        check("snapped homes", double(before->homes_snapped), double(now.homes_snapped));
    }
    out.warnings = std::move(plan);
    out.warnings.insert(out.warnings.end(), data.begin(), data.end());
    return out;
}

}  // namespace lc15::history
