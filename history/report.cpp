// lc15 history — warnings files, metrics, trend chart and the offline page (history/report.hpp).
#include "history/report.hpp"
#include "io/files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace lc15::history {

namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string number(std::optional<double> v, const char* fmt = "%.6g") {
    if (!v || !std::isfinite(*v)) return "";
    char buf[48];
    std::snprintf(buf, sizeof buf, fmt, *v);
    return buf;
}

std::string label_value(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '\\' || c == '"') o += '\\';
        if (c == '\n') {
            o += "\\n";
            continue;
        }
        o += c;
    }
    return o;
}

nlohmann::ordered_json opt(std::optional<double> v) {
    return v && std::isfinite(*v) ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::string warnings_csv(const std::vector<Warning>& warnings) {
    std::string s = "\xEF\xBB\xBF";
    s += "group,kind,community_id,community,category,category_name,before,after,cause,message\n";
    for (const Warning& w : warnings) {
        s += w.group + "," + w.kind + "," + csv_field(w.community_id) + "," +
             csv_field(w.community_name) + "," + csv_field(w.category) + "," +
             csv_field(w.category_name) + "," + number(w.before) + "," + number(w.after) + "," +
             csv_field(w.cause) + "," + csv_field(w.message) + "\n";
    }
    return s;
}

std::string warnings_json(const std::vector<NightResult>& night) {
    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    std::size_t plan = 0, data = 0;
    for (const NightResult& n : night) {
        nlohmann::ordered_json ws = nlohmann::ordered_json::array();
        for (const Warning& w : n.comparison.warnings)
            ws.push_back({{"group", w.group},
                          {"kind", w.kind},
                          {"community_id", w.community_id},
                          {"community", w.community_name},
                          {"category", w.category},
                          {"category_name", w.category_name},
                          {"before", opt(w.before)},
                          {"after", opt(w.after)},
                          {"cause", w.cause},
                          {"message", w.message}});
        plan += n.comparison.count("plan");
        data += n.comparison.count("data");
        runs.push_back({{"city", n.run.city},
                        {"profile", n.run.profile},
                        {"run_id", n.stored ? n.run.run_id : n.duplicate_of},
                        {"stored", n.stored},
                        {"compared_with_run", n.comparison.baseline_run},
                        {"started_at", n.run.started_at},
                        {"inputs_key", n.run.inputs_key},
                        {"plan_warnings", n.comparison.count("plan")},
                        {"data_warnings", n.comparison.count("data")},
                        {"warnings", ws}});
    }
    nlohmann::ordered_json j;
    j["program"] = "lc15 nightly";
    j["plan_warnings"] = plan;
    j["data_warnings"] = data;
    j["runs"] = runs;
    return j.dump(2) + "\n";
}

std::string prometheus_text(const std::vector<NightResult>& night, bool success, double seconds,
                            const std::string& finished_at) {
    std::string s;
    auto help = [&](const char* name, const char* type, const char* text) {
        s += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
    };
    char buf[64];
    help("lc15_nightly_success", "gauge", "1 if the last nightly run succeeded, else 0");
    s += std::string("lc15_nightly_success ") + (success ? "1" : "0") + "\n";
    help("lc15_nightly_duration_seconds", "gauge", "Wall time of the last nightly run");
    std::snprintf(buf, sizeof buf, "%.3f", seconds);
    s += std::string("lc15_nightly_duration_seconds ") + buf + "\n";
    help("lc15_nightly_finished_timestamp_seconds", "gauge",
         "When the last nightly run ended (Unix time)");
    {
        int hh = 0, mm = 0, ss = 0;
        if (finished_at.size() >= 19)
            std::sscanf(finished_at.c_str() + 11, "%d:%d:%d", &hh, &mm, &ss);
        const long long t =
            static_cast<long long>(days_of(finished_at)) * 86400 + hh * 3600 + mm * 60 + ss;
        s += "lc15_nightly_finished_timestamp_seconds " + std::to_string(t) + "\n";
    }
    if (!success) return s;
    help("lc15_nightly_warnings", "gauge", "Warnings of the last nightly run, by group");
    for (const NightResult& n : night)
        for (const char* g : {"plan", "data"})
            s += "lc15_nightly_warnings{profile=\"" + label_value(n.run.profile) + "\",group=\"" +
                 g + "\"} " + std::to_string(n.comparison.count(g)) + "\n";
    help("lc15_city_score", "gauge", "Living-circle score of the city (0-100)");
    for (const NightResult& n : night)
        s += "lc15_city_score{profile=\"" + label_value(n.run.profile) + "\"} " +
             number(n.run.city_score, "%.6f") + "\n";
    help("lc15_city_share", "gauge", "Population share covered, per category");
    for (const NightResult& n : night)
        for (const CityFigureRow& c : n.run.city_figures)
            s += "lc15_city_share{profile=\"" + label_value(n.run.profile) + "\",category=\"" +
                 label_value(c.category) + "\"} " + number(c.share, "%.6f") + "\n";
    help("lc15_bus500_share", "gauge", "City share within 500 m of a stop, by figure");
    for (const NightResult& n : night)
        for (const BusFigureRow& b : n.run.bus) {
            if (!b.community_id.empty()) continue;
            const std::pair<const char*, std::optional<double>> f[] = {
                {"land", b.land_share},
                {"people_straight", b.people_straight_share},
                {"people_walk", b.people_walk_share}};
            for (const auto& [name, v] : f)
                if (v)
                    s += "lc15_bus500_share{profile=\"" + label_value(n.run.profile) +
                         "\",figure=\"" + name + "\"} " + number(v, "%.6f") + "\n";
        }
    return s;
}

std::string trend_csv(const std::vector<TrendPoint>& points) {
    std::string s = "\xEF\xBB\xBF";
    s += "run_id,started_at,profile,community_id,community,category,population,covered,share,"
         "pass\n";
    for (const TrendPoint& p : points) {
        s += std::to_string(p.run_id) + "," + p.started_at + "," + csv_field(p.profile) + "," +
             csv_field(p.community_id) + "," + csv_field(p.community_name) + "," +
             csv_field(p.category) + "," + number(p.population, "%.2f") + "," +
             number(p.covered, "%.2f") + "," + number(p.share, "%.6f") + "," +
             (p.community_id.empty() ? ""
              : p.pass               ? "1"
                                     : "0") +
             "\n";
    }
    return s;
}

std::string trend_svg(const std::vector<TrendPoint>& points, const std::string& title) {
    const double W = 900, H = 420, L = 60, R = 220, T = 40, B = 50;
    const double pw = W - L - R, ph = H - T - B;
    long t0 = 0, t1 = 1;
    bool first = true;
    auto seconds = [](const std::string& iso) {
        int y, mo, d, h = 0, mi = 0, se = 0;
        if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 3) return 0L;
        y -= mo <= 2;
        const long era = (y >= 0 ? y : y - 399) / 400;
        const long yoe = y - era * 400;
        const long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
        return days * 86400 + h * 3600 + mi * 60 + se;
    };
    for (const TrendPoint& p : points) {
        const long t = seconds(p.started_at);
        if (first || t < t0) t0 = t;
        if (first || t > t1) t1 = t;
        first = false;
    }
    if (t1 <= t0) t1 = t0 + 86400;
    std::string s;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" font-family=\"Noto Sans CJK SC, sans-serif\" "
                  "font-size=\"12\">\n",
                  W, H, W, H);
    s += buf;
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + std::to_string(int(L)) + "\" y=\"24\" font-size=\"15\">" +
         io::escape_xml(title) + "</text>\n";
    for (int g = 0; g <= 4; ++g) {
        const double y = T + ph - ph * g / 4.0;
        std::snprintf(buf, sizeof buf,
                      "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                      "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%d %%</text>\n",
                      L, y, L + pw, y, L - 6, y + 4, g * 25);
        s += buf;
    }
    std::snprintf(
        buf, sizeof buf,
        "<text x=\"%.0f\" y=\"%.0f\">%s</text><text x=\"%.0f\" y=\"%.0f\" "
        "text-anchor=\"end\">%s</text>\n",
        L, H - B + 20,
        points.empty() ? "" : io::escape_xml(points.front().started_at.substr(0, 10)).c_str(),
        L + pw, H - B + 20,
        points.empty() ? "" : io::escape_xml(points.back().started_at.substr(0, 10)).c_str());
    s += buf;
    // Series in input order (the query orders by profile, category, run).
    static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    std::vector<std::pair<std::string, std::vector<const TrendPoint*>>> series;
    for (const TrendPoint& p : points) {
        const std::string key =
            (p.community_name.empty() ? std::string() : p.community_name + " ") +
            (p.category_name.empty() ? p.category : p.category_name) +
            (p.profile == "adult" ? "" : " (" + p.profile + ")");
        if (series.empty() || series.back().first != key) series.push_back({key, {}});
        series.back().second.push_back(&p);
    }
    for (std::size_t i = 0; i < series.size(); ++i) {
        const char* colour = colours[i % 10];
        std::string pts;
        for (const TrendPoint* p : series[i].second) {
            const double x = L + pw * double(seconds(p->started_at) - t0) / double(t1 - t0);
            const double y = T + ph - ph * std::clamp(p->share, 0.0, 1.0);
            std::snprintf(buf, sizeof buf, "%s%.1f,%.1f", pts.empty() ? "" : " ", x, y);
            pts += buf;
        }
        s += std::string("<polyline fill=\"none\" stroke=\"") + colour +
             "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
        if (i < 20) {
            std::snprintf(buf, sizeof buf,
                          "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                          "<text x=\"%.0f\" y=\"%.0f\">",
                          L + pw + 14, T + 16.0 * i + 4, colour, L + pw + 30, T + 16.0 * i + 9);
            s += buf + io::escape_xml(series[i].first) + "</text>\n";
        }
    }
    if (series.size() > 20)
        s += "<text x=\"" + std::to_string(int(L + pw + 14)) + "\" y=\"" +
             std::to_string(int(T + 16 * 20 + 9)) + "\">… " + std::to_string(series.size() - 20) +
             " more</text>\n";
    if (points.empty())
        s += "<text x=\"" + std::to_string(int(L + 20)) + "\" y=\"" + std::to_string(int(T + 40)) +
             "\">no runs match</text>\n";
    return s + "</svg>\n";
}

std::string runs_csv(const std::vector<RunSummary>& runs) {
    std::string s = "\xEF\xBB\xBF";
    s += "run_id,started_at,city,profile,outcome,program_version,osm_timestamp,seconds,"
         "city_score,facilities,stops,homes,inputs_key\n";
    for (const RunSummary& r : runs)
        s += std::to_string(r.run_id) + "," + r.started_at + "," + csv_field(r.city) + "," +
             csv_field(r.profile) + "," + r.outcome + "," + r.program_version + "," +
             r.osm_timestamp + "," + number(r.seconds, "%.2f") + "," +
             number(r.city_score, "%.2f") + "," + std::to_string(r.facilities) + "," +
             std::to_string(r.stops) + "," + std::to_string(r.homes) + "," + r.inputs_key + "\n";
    return s;
}

std::string report_html(const NightResult& night, const std::vector<TrendPoint>& trend) {
    const RunSnapshot& run = night.run;
    std::map<std::string, std::string> names;
    for (const CityFigureRow& c : run.city_figures) names[c.category] = c.name_zh;
    std::string h;
    // Read on a phone at a meeting as well as on a desk: the page fits the screen's width (a
    // viewport, figures kept on one line, the trend line shrinking with its column), so
    // nothing needs a sideways scroll.
    h += "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         io::escape_xml(run.city) +
         " — 15分钟生活圈 nightly report</title>\n<style>\n"
         "body{font-family:'Noto Sans CJK SC',sans-serif;margin:1.5em;color:#222;"
         "overflow-wrap:anywhere}\n"
         "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border-bottom:1px solid "
         "#ddd;padding:2px 8px;text-align:left}\n.down{color:#c00}.up{color:#080}"
         ".plan{background:#fff3f0}.data{background:#f0f4ff}\n"
         "th,.num{white-space:nowrap}.trend{width:120px;max-width:100%;height:auto;display:block}\n"
         "@media (max-width:480px){body{margin:.6em}h1{font-size:1.4em}"
         "td,th{padding:2px 4px}}\n</style></head><body>\n";
    h += "<h1>" + io::escape_xml(run.city) + " — 15分钟社区生活圈 nightly report</h1>\n";
    h += "<p>Run " + std::to_string(night.stored ? run.run_id : night.duplicate_of) + ", " +
         io::escape_xml(run.started_at) + ", profile " + io::escape_xml(run.profile) + ", lc15 " +
         io::escape_xml(run.program_version) + ", OSM data of " +
         io::escape_xml(run.osm_timestamp) +
         (night.comparison.baseline_run
              ? ", compared with run " + std::to_string(night.comparison.baseline_run)
              : ", no earlier run to compare with") +
         (night.stored ? "" : " (tonight's inputs are those of the last run: not stored again)") +
         ". City score " + number(run.city_score, "%.1f") + " / 100.</p>\n";
    h += "<h2>Warnings (" + std::to_string(night.comparison.count("plan")) + " plan, " +
         std::to_string(night.comparison.count("data")) + " data)</h2>\n";
    if (night.comparison.warnings.empty())
        h += "<p>None.</p>\n";
    else {
        h += "<table><tr><th>group</th><th>kind</th><th>warning</th></tr>\n";
        for (const Warning& w : night.comparison.warnings)
            h += "<tr class=\"" + w.group + "\"><td>" + w.group + "</td><td>" + w.kind +
                 "</td><td>" + io::escape_xml(w.message) + "</td></tr>\n";
        h += "</table>\n";
    }
    h += "<h2>Communities</h2>\n<p>Share of residents within the radius; the line is the "
         "trend over the stored runs (0–100 %).</p>\n";
    // trend is ordered by community, category, run.
    std::string current;
    for (std::size_t i = 0; i < trend.size();) {
        std::size_t j = i;
        while (j < trend.size() && trend[j].community_id == trend[i].community_id &&
               trend[j].category == trend[i].category)
            ++j;
        if (trend[i].community_id != current) {
            if (!current.empty()) h += "</table>\n";
            current = trend[i].community_id;
            h += "<h3>" + io::escape_xml(trend[i].community_name) +
                 "</h3>\n<table><tr><th>category</th>"
                 "<th>share</th><th>change</th><th>pass</th><th>trend</th></tr>\n";
        }
        const TrendPoint& last = trend[j - 1];
        std::string change;
        if (j - i >= 2) {
            const double d = (last.share - trend[j - 2].share) * 100;
            char buf[48];
            std::snprintf(buf, sizeof buf, "%+.1f", d);
            change = std::fabs(d) < 0.05 ? "0"
                                         : std::string("<span class=\"") + (d < 0 ? "down" : "up") +
                                               "\">" + buf + "</span>";
        }
        std::string pts;
        const std::size_t n = j - i;
        double x = 0, y = 0;
        for (std::size_t k = i; k < j; ++k) {
            char buf[48];
            x = n > 1 ? 112.0 * double(k - i) / double(n - 1) + 2 : 114.0;
            y = 19 - 18 * std::clamp(trend[k].share, 0.0, 1.0);
            std::snprintf(buf, sizeof buf, "%s%.1f,%.1f", pts.empty() ? "" : " ", x, y);
            pts += buf;
        }
        char dot[96];
        std::snprintf(dot, sizeof dot, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x,
                      y, last.pass ? "#2ca02c" : "#d62728");
        const std::string name = names.count(last.category) ? names[last.category] : last.category;
        const bool fell = j - i >= 2 && last.share < trend[j - 2].share - 1e-9;
        h += std::string("<tr") + (fell ? " class=\"plan\"" : "") + "><td>" + io::escape_xml(name) +
             "</td><td class=\"num\">" + percent(last.share) + "</td><td class=\"num\">" + change +
             "</td><td>" + (last.pass ? "✓" : "✗") +
             "</td><td><svg class=\"trend\" viewBox=\"0 0 120 20\">"
             "<rect width=\"120\" height=\"20\" "
             "fill=\"#f4f4f4\"/><polyline fill=\"none\" stroke=\"#1f77b4\" "
             "stroke-width=\"1.5\" points=\"" +
             pts + "\"/>" + dot + "</svg></td></tr>\n";
        i = j;
    }
    if (!current.empty()) h += "</table>\n";
    h += "</body></html>\n";
    return h;
}

}  // namespace lc15::history
