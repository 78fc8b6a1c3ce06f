#include "io/gtfs.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "engine/error.hpp"
#include "io/gdal_errors.hpp"

namespace lc15::io {

namespace {

namespace fs = std::filesystem;

/// Where the feed's files live: a folder, or a zip read through /vsizip/ (possibly with the
/// files in one sub-folder of the archive).
struct FeedSource {
    fs::path path;
    std::string prefix;  // VSI path prefix of the member files, ending in '/'

    explicit FeedSource(const fs::path& p) : path(p) {
        VSIStatBufL st;
        if (VSIStatL(p.string().c_str(), &st) != 0) {
            throw InputError(p.string(), "GTFS feed not found",
                             "give a .zip file or a folder holding stops.txt, trips.txt, …");
        }
        if (VSI_ISDIR(st.st_mode)) {
            prefix = p.string() + "/";
            return;
        }
        prefix = "/vsizip/" + fs::absolute(p).string() + "/";
        if (VSIStatL((prefix + "stops.txt").c_str(), &st) == 0) return;
        // Some feeds are zipped with their folder: look one level down.
        char** list = VSIReadDirRecursive(prefix.c_str());
        std::string found;
        for (char** it = list; it && *it; ++it) {
            const std::string name = *it;
            if (name.size() > 10 && name.ends_with("/stops.txt")) {
                found = name.substr(0, name.size() - 9);
                break;
            }
        }
        const bool readable = list != nullptr;
        CSLDestroy(list);
        if (!found.empty()) prefix += found;
        if (!readable) {
            // Not even the zip's table of contents could be read: the file is cut short or not
            // a zip at all, which "stops.txt missing" would hide.
            throw InputError(p.string(),
                             "the GTFS zip is damaged (truncated download?) or not a zip",
                             "download the feed again (check its size), or test it with unzip -t");
        }
    }

    bool has(const std::string& name) const {
        VSIStatBufL st;
        return VSIStatL((prefix + name).c_str(), &st) == 0;
    }

    std::string where(const std::string& name) const { return path.string() + ": " + name; }

    std::string read(const std::string& name) const {
        VSILFILE* f = VSIFOpenL((prefix + name).c_str(), "rb");
        if (!f) {
            throw InputError(where(name), "required GTFS file missing",
                             "a feed needs stops.txt, routes.txt, trips.txt and stop_times.txt");
        }
        std::string text;
        char buf[1 << 16];
        GdalErrors gdal(where(name));  // a member cut short or failing its CRC
        for (;;) {
            const std::size_t n = VSIFReadL(buf, 1, sizeof buf, f);
            text.append(buf, n);
            if (n < sizeof buf) break;
        }
        VSIFCloseL(f);
        gdal.check("the GTFS zip is damaged: download the feed again, or test it with unzip -t");
        return text;
    }
};

bool parse_double(const std::string& s, double& out) {
    const char* b = s.data();
    const char* e = b + s.size();
    while (b < e && *b == ' ') ++b;
    auto [p, ec] = std::from_chars(b, e, out);
    return ec == std::errc() && p == e && std::isfinite(out);
}

/// "H:MM:SS" (hours may exceed 24) to seconds; -1 if empty; -2 if malformed.
int parse_time(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && s[b] == ' ') ++b;
    while (e > b && s[e - 1] == ' ') --e;
    if (b == e) return -1;
    int parts[3] = {0, 0, 0};
    int k = 0;
    bool digit = false;
    for (std::size_t i = b; i < e; ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            parts[k] = parts[k] * 10 + (c - '0');
            digit = true;
            if (parts[k] > 100000) return -2;
        } else if (c == ':' && digit && k < 2) {
            ++k;
            digit = false;
        } else {
            return -2;
        }
    }
    if (k != 2 || !digit || parts[1] > 59 || parts[2] > 59) return -2;
    return parts[0] * 3600 + parts[1] * 60 + parts[2];
}

int weekday_index(const std::string& w) {
    static const char* names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                  "friday", "saturday", "sunday"};
    for (int i = 0; i < 7; ++i) {
        if (w == names[i]) return i;
    }
    return -1;
}

/// Day of the week of a YYYYMMDD date, 0 = Monday (Sakamoto's method).
int weekday_of(int yyyymmdd) {
    int y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100;
    const int d = yyyymmdd % 100;
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3) y -= 1;
    const int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
    return (sunday0 + 6) % 7;
}

bool parse_date(const std::string& s, int& out) {
    if (s.size() != 8 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    out = std::stoi(s);
    const int m = out / 100 % 100, d = out % 100;
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

struct StopTime {
    std::uint32_t seq;
    StopId stop;
    int arrival, departure;  // seconds, -1 when empty
};

double median(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

}  // namespace

std::pair<int, int> parse_time_window(const std::string& text, const std::string& where) {
    const std::string hint = "write the window like 07:00-09:00";
    auto hhmm = [&](const std::string& s, const char* what) {
        int h = 0, m = 0;
        char colon = 0;
        if (std::sscanf(s.c_str(), "%d%c%d", &h, &colon, &m) != 3 || colon != ':' || h < 0 ||
            m < 0 || m > 59) {
            throw InputError(where, std::string(what) + " '" + s + "' is not HH:MM", hint);
        }
        return h * 3600 + m * 60;
    };
    const auto dash = text.find('-');
    if (dash == std::string::npos) throw InputError(where, "'" + text + "' has no '-'", hint);
    const int start = hhmm(text.substr(0, dash), "start");
    const int end = hhmm(text.substr(dash + 1), "end");
    if (end <= start) throw InputError(where, "'" + text + "' ends before it starts", hint);
    return {start, end};
}

GtfsFeed read_gtfs(const fs::path& zip_or_folder, const GtfsOptions& options) {
    const FeedSource src(zip_or_folder);
    GtfsFeed feed;
    auto warn = [&](const std::string& where, const std::string& what) {
        feed.warnings.push_back(where + ": " + what);
    };
    if (options.window_end_s <= options.window_start_s) {
        throw InputError("GTFS options", "the time window is empty",
                         "give a window start before its end, e.g. 07:00–09:00");
    }
    int day = -1, weekday = -1;
    if (!options.date.empty()) {
        if (!parse_date(options.date, day)) {
            throw InputError("GTFS options", "date '" + options.date + "' is not YYYYMMDD",
                             "write the service day like 20190417");
        }
        weekday = weekday_of(day);
    } else {
        weekday = weekday_index(options.weekday);
        if (weekday < 0) {
            throw InputError("GTFS options", "weekday '" + options.weekday + "' unknown",
                             "use monday, tuesday, … sunday (lower case)");
        }
    }

    // --- stops.txt ---
    std::unordered_map<std::string, StopId> stop_index;
    {
        CsvTable t(src.read("stops.txt"), src.where("stops.txt"));
        const int c_id = t.col("stop_id", true), c_lat = t.col("stop_lat", true),
                  c_lon = t.col("stop_lon", true), c_name = t.col("stop_name", false),
                  c_type = t.col("location_type", false);
        while (t.next()) {
            const std::string& type = t.get(c_type);
            if (!type.empty() && type != "0") continue;  // stations, entrances, nodes
            const std::string& id = t.get(c_id);
            double lat = 0, lon = 0;
            if (id.empty()) {
                warn(t.here(), "stop without stop_id; skipped");
                continue;
            }
            if (!parse_double(t.get(c_lat), lat) || !parse_double(t.get(c_lon), lon) ||
                std::abs(lat) > 90 || std::abs(lon) > 180) {
                warn(t.here(), "stop " + id + ": bad stop_lat/stop_lon '" + t.get(c_lat) + "," +
                                   t.get(c_lon) + "'; skipped");
                continue;
            }
            if (!stop_index.emplace(id, static_cast<StopId>(feed.stops.size())).second) {
                warn(t.here(), "duplicate stop_id " + id + "; the first kept");
                continue;
            }
            feed.stops.push_back({{lon, lat}, id, t.get(c_name)});
        }
    }

    // --- routes.txt ---
    std::unordered_map<std::string, std::string> route_name;
    {
        CsvTable t(src.read("routes.txt"), src.where("routes.txt"));
        const int c_id = t.col("route_id", true), c_short = t.col("route_short_name", false),
                  c_long = t.col("route_long_name", false);
        while (t.next()) {
            const std::string& id = t.get(c_id);
            if (id.empty()) {
                warn(t.here(), "route without route_id; skipped");
                continue;
            }
            route_name[id] = !t.get(c_short).empty() ? t.get(c_short) : t.get(c_long);
        }
    }

    // --- calendar: which services run on the day ---
    std::unordered_map<std::string, bool> runs;  // service_id -> runs (absent: not listed)
    const bool has_calendar = src.has("calendar.txt"), has_dates = src.has("calendar_dates.txt");
    if (has_calendar) {
        static const char* names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                      "friday", "saturday", "sunday"};
        CsvTable t(src.read("calendar.txt"), src.where("calendar.txt"));
        const int c_id = t.col("service_id", true), c_day = t.col(names[weekday], true);
        const int c_start = t.col("start_date", day >= 0), c_end = t.col("end_date", day >= 0);
        while (t.next()) {
            bool on = t.get(c_day) == "1";
            if (day >= 0) {
                int a = 0, b = 0;
                if (!parse_date(t.get(c_start), a) || !parse_date(t.get(c_end), b)) {
                    warn(t.here(), "bad start_date/end_date; service " + t.get(c_id) + " skipped");
                    on = false;
                } else {
                    on = on && a <= day && day <= b;
                }
            }
            runs[t.get(c_id)] = on;
        }
    }
    if (has_dates) {
        CsvTable t(src.read("calendar_dates.txt"), src.where("calendar_dates.txt"));
        const int c_id = t.col("service_id", true), c_date = t.col("date", true),
                  c_type = t.col("exception_type", true);
        while (t.next()) {
            int d = 0;
            if (!parse_date(t.get(c_date), d)) {
                warn(t.here(), "bad date '" + t.get(c_date) + "'; skipped");
                continue;
            }
            const std::string& type = t.get(c_type);
            if (day >= 0) {
                if (d != day) continue;
                if (type == "1")
                    runs[t.get(c_id)] = true;
                else if (type == "2")
                    runs[t.get(c_id)] = false;
            } else if (type == "1" && weekday_of(d) == weekday && !runs.count(t.get(c_id))) {
                runs[t.get(c_id)] = true;  // a service given only by dates, on that weekday
            }
        }
    }
    const bool filter_by_day = has_calendar || has_dates;

    // --- trips.txt ---
    struct Trip {
        std::string route;
        std::vector<StopTime> times;
        std::vector<std::pair<int, int>> freq_windows;  // (start, end) from frequencies.txt
        std::vector<int> freq_headways;
    };
    std::unordered_map<std::string, std::uint32_t> trip_index;
    std::vector<Trip> trips;
    std::vector<std::string> trip_ids;
    {
        CsvTable t(src.read("trips.txt"), src.where("trips.txt"));
        const int c_route = t.col("route_id", true), c_service = t.col("service_id", true),
                  c_trip = t.col("trip_id", true);
        while (t.next()) {
            ++feed.trips_total;
            const std::string& route = t.get(c_route);
            if (!route_name.count(route)) {
                warn(t.here(),
                     "trip " + t.get(c_trip) + ": unknown route_id " + route + "; skipped");
                continue;
            }
            if (filter_by_day) {
                auto it = runs.find(t.get(c_service));
                if (it == runs.end() || !it->second) continue;
            }
            if (!trip_index.emplace(t.get(c_trip), static_cast<std::uint32_t>(trips.size()))
                     .second) {
                warn(t.here(), "duplicate trip_id " + t.get(c_trip) + "; the first kept");
                continue;
            }
            trips.push_back({route, {}, {}, {}});
            trip_ids.push_back(t.get(c_trip));
        }
        feed.trips_on_day = trips.size();
    }

    // --- stop_times.txt ---
    {
        CsvTable t(src.read("stop_times.txt"), src.where("stop_times.txt"));
        const int c_trip = t.col("trip_id", true), c_arr = t.col("arrival_time", true),
                  c_dep = t.col("departure_time", true), c_stop = t.col("stop_id", true),
                  c_seq = t.col("stop_sequence", true);
        while (t.next()) {
            auto it = trip_index.find(t.get(c_trip));
            if (it == trip_index.end()) continue;  // not running that day (or unknown)
            auto st = stop_index.find(t.get(c_stop));
            if (st == stop_index.end()) {
                warn(t.here(), "unknown stop_id " + t.get(c_stop) + "; row skipped");
                continue;
            }
            double seq = 0;
            if (!parse_double(t.get(c_seq), seq) || seq < 0) {
                warn(t.here(), "bad stop_sequence '" + t.get(c_seq) + "'; row skipped");
                continue;
            }
            int arr = parse_time(t.get(c_arr)), dep = parse_time(t.get(c_dep));
            if (arr == -2 || dep == -2) {
                warn(t.here(),
                     "bad time '" + t.get(c_arr) + "'/'" + t.get(c_dep) + "'; treated as empty");
                if (arr == -2) arr = -1;
                if (dep == -2) dep = -1;
            }
            if (arr < 0) arr = dep;
            if (dep < 0) dep = arr;
            trips[it->second].times.push_back(
                {static_cast<std::uint32_t>(seq), st->second, arr, dep});
        }
    }

    // --- frequencies.txt (optional) ---
    if (src.has("frequencies.txt")) {
        CsvTable t(src.read("frequencies.txt"), src.where("frequencies.txt"));
        const int c_trip = t.col("trip_id", true), c_start = t.col("start_time", true),
                  c_end = t.col("end_time", true), c_head = t.col("headway_secs", true);
        while (t.next()) {
            auto it = trip_index.find(t.get(c_trip));
            if (it == trip_index.end()) continue;
            const int a = parse_time(t.get(c_start)), b = parse_time(t.get(c_end));
            double h = 0;
            if (a < 0 || b < 0 || b <= a || !parse_double(t.get(c_head), h) || h <= 0) {
                warn(t.here(), "bad frequency row; skipped");
                continue;
            }
            trips[it->second].freq_windows.push_back({a, b});
            trips[it->second].freq_headways.push_back(static_cast<int>(h));
        }
    }

    // --- trips -> patterns ---
    struct Pattern {
        std::string route;
        std::vector<StopId> stops;
        std::vector<std::vector<double>> hops;  // per hop, the ride times of the window's trips
        double departures = 0;
    };
    std::map<std::pair<std::string, std::vector<StopId>>, std::uint32_t> pattern_index;
    std::vector<Pattern> patterns;
    const double window = options.window_end_s - options.window_start_s;
    for (std::uint32_t ti = 0; ti < trips.size(); ++ti) {
        Trip& trip = trips[ti];
        auto& times = trip.times;
        if (times.size() < 2) {
            if (!times.empty())
                warn("stop_times.txt", "trip " + trip_ids[ti] + " has one stop; skipped");
            continue;
        }
        std::sort(times.begin(), times.end(),
                  [](const StopTime& a, const StopTime& b) { return a.seq < b.seq; });
        if (times.front().departure < 0 || times.back().arrival < 0) {
            warn("stop_times.txt",
                 "trip " + trip_ids[ti] + ": first or last stop has no time; skipped");
            continue;
        }
        // Fill empty times between timepoints by straight-line distance along the stops.
        std::vector<double> along(times.size(), 0.0);
        for (std::size_t i = 1; i < times.size(); ++i) {
            along[i] = along[i - 1] + haversine_m(feed.stops[times[i - 1].stop].pos,
                                                  feed.stops[times[i].stop].pos);
        }
        bool bad = false;
        std::size_t last = 0;
        for (std::size_t i = 1; i < times.size(); ++i) {
            if (times[i].arrival < 0) continue;
            const double t0 = times[last].departure, t1 = times[i].arrival;
            if (t1 < t0) bad = true;
            for (std::size_t j = last + 1; j < i; ++j) {
                const double f = along[i] > along[last]
                                     ? (along[j] - along[last]) / (along[i] - along[last])
                                     : double(j - last) / double(i - last);
                times[j].arrival = times[j].departure =
                    static_cast<int>(std::lround(t0 + f * (t1 - t0)));
            }
            last = i;
        }
        if (bad) {
            warn("stop_times.txt", "trip " + trip_ids[ti] + ": times go backwards; skipped");
            continue;
        }
        // Departures in the window: the trip itself, or those frequencies.txt implies.
        double departures = 0;
        if (trip.freq_windows.empty()) {
            const int dep = times.front().departure;
            if (dep >= options.window_start_s && dep < options.window_end_s) departures = 1;
        } else {
            for (std::size_t k = 0; k < trip.freq_windows.size(); ++k) {
                const int a = std::max(trip.freq_windows[k].first, options.window_start_s);
                const int b = std::min(trip.freq_windows[k].second, options.window_end_s);
                if (b > a) departures += double(b - a) / trip.freq_headways[k];
            }
        }
        if (departures <= 0) continue;
        ++feed.trips_in_window;
        std::vector<StopId> seq;
        for (const StopTime& st : times) seq.push_back(st.stop);
        auto [it, fresh] = pattern_index.emplace(std::make_pair(trip.route, seq),
                                                 static_cast<std::uint32_t>(patterns.size()));
        if (fresh)
            patterns.push_back(
                {trip.route, seq, std::vector<std::vector<double>>(seq.size() - 1), 0});
        Pattern& p = patterns[it->second];
        p.departures += departures;
        for (std::size_t i = 0; i + 1 < times.size(); ++i) {
            p.hops[i].push_back(times[i + 1].arrival - times[i].departure);
        }
    }

    if (patterns.empty() && feed.trips_on_day > 0) {
        auto hhmm = [](int t) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "%02d:%02d", t / 3600, t / 60 % 60);
            return std::string(buf);
        };
        warn(src.where("stop_times.txt"),
             "no trip departs between " + hhmm(options.window_start_s) + " and " +
                 hhmm(options.window_end_s) +
                 "; no line is built (choose a window when buses run)");
    }
    // Patterns in order of (route, stops) so that line ids do not depend on file order.
    std::map<std::string, int> per_route;
    for (const auto& [key, pi] : pattern_index) {
        Pattern& p = patterns[pi];
        TransitLineInput line;
        line.id = p.route + "/" + std::to_string(++per_route[p.route]);
        line.name = route_name[p.route];
        line.stops = p.stops;
        for (auto& h : p.hops) line.hop_seconds.push_back(median(h));
        line.headway_seconds = window / p.departures;
        feed.lines.push_back(std::move(line));
    }
    return feed;
}

}  // namespace lc15::io
