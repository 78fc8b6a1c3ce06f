#include "io/gtfs.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
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

    /// An open member file, closed when it goes.
    struct File {
        VSILFILE* f = nullptr;
        explicit File(VSILFILE* file) : f(file) {}
        File(const File&) = delete;
        File& operator=(const File&) = delete;
        ~File() {
            if (f) VSIFCloseL(f);
        }
    };

    /// A member file to read in chunks (CsvTable's streaming form); nullptr if absent.
    std::unique_ptr<File> open(const std::string& name) const {
        VSILFILE* f = VSIFOpenL((prefix + name).c_str(), "rb");
        return f ? std::make_unique<File>(f) : nullptr;
    }

    /// What GdalErrors::check says when a member cannot be read whole.
    static constexpr const char* kDamaged =
        "the GTFS zip is damaged: download the feed again, or test it with unzip -t";

    std::string read(const std::string& name) const {
        std::unique_ptr<File> file = open(name);
        if (!file) {
            throw InputError(where(name), "required GTFS file missing",
                             "a feed needs stops.txt, routes.txt, trips.txt and stop_times.txt");
        }
        std::string text;
        char buf[1 << 16];
        GdalErrors gdal(where(name));  // a member cut short or failing its CRC
        for (;;) {
            const std::size_t n = VSIFReadL(buf, 1, sizeof buf, file->f);
            text.append(buf, n);
            if (n < sizeof buf) break;
        }
        file.reset();  // closed before the check, so that an error on closing counts
        gdal.check(kDamaged);
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
    double dist;             // shape_dist_traveled, NaN when empty
};

/// One point of a shape (shapes.txt), with the line it was read from for messages.
struct ShapePoint {
    double seq;
    LonLat pos;
    double dist;  // shape_dist_traveled, NaN when empty
    int line;
};

double median(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/// A shape_id that a trip in the window names: that trip's line in trips.txt and its id.
struct UsedShape {
    int trips_line = 0;
    std::string trip;
};

/// The points of the shapes the window's trips name, read from shapes.txt (optional) in one
/// streaming pass that keeps only those shapes' rows: each sorted by shape_pt_sequence (rows
/// may come in any order, as GTFS allows), shape_dist_traveled kept only when every point has
/// it and it never decreases. A bad coordinate or sequence, a sequence repeated within a shape,
/// or a used shape_id with no points throws InputError naming the file and line.
std::unordered_map<std::string, std::vector<ShapePoint>> read_shapes(
    const FeedSource& src, const std::map<std::string, UsedShape>& used,
    std::vector<std::string>& warnings) {
    std::unordered_map<std::string, std::vector<ShapePoint>> out;
    if (used.empty()) return out;
    const std::unique_ptr<FeedSource::File> file = src.open("shapes.txt");
    if (!file) {
        warnings.push_back(src.where("trips.txt") + ": trips name shapes (" +
                           std::to_string(used.size()) +
                           " shape_ids) but the feed has no shapes.txt; lines are drawn straight "
                           "between their stops");
        return out;
    }
    const std::string where = src.where("shapes.txt");
    const std::string damaged = FeedSource::kDamaged;
    GdalErrors gdal(where);
    for (const auto& u : used) out[u.first];
    {
        VSILFILE* f = file->f;
        CsvTable t([f](char* buf, std::size_t n) { return VSIFReadL(buf, 1, n, f); }, where);
        const int c_id = t.col("shape_id", true), c_lat = t.col("shape_pt_lat", true),
                  c_lon = t.col("shape_pt_lon", true), c_seq = t.col("shape_pt_sequence", true),
                  c_dist = t.col("shape_dist_traveled", false);
        while (t.next()) {
            const auto it = out.find(t.get(c_id));
            if (it == out.end()) continue;  // a shape no trip of the window uses
            auto bad = [&](const std::string& what, const std::string& fix) {
                gdal.check(damaged);  // a damaged member shows as garbage rows: say so first
                throw InputError(t.here(), "shape " + it->first + ": " + what, fix);
            };
            double lat = 0, lon = 0, seq = 0, dist = std::nan("");
            if (!parse_double(t.get(c_lat), lat) || !parse_double(t.get(c_lon), lon)) {
                bad("shape_pt_lat/shape_pt_lon '" + t.get(c_lat) + "," + t.get(c_lon) +
                        "' is not a number",
                    "write the point in decimal degrees (WGS84), e.g. -30.02727,-51.22919");
            }
            if (std::abs(lat) > 90 || std::abs(lon) > 180) {
                bad("shape_pt_lat/shape_pt_lon '" + t.get(c_lat) + "," + t.get(c_lon) +
                        "' is out of range",
                    "latitude must lie within ±90 and longitude within ±180 (columns swapped?)");
            }
            if (!parse_double(t.get(c_seq), seq) || seq < 0 || seq != std::floor(seq)) {
                bad("shape_pt_sequence '" + t.get(c_seq) + "' is not a whole number ≥ 0",
                    "number the points of each shape 0, 1, 2, … (gaps allowed) in riding order");
            }
            if (!t.get(c_dist).empty() && !parse_double(t.get(c_dist), dist)) {
                bad("shape_dist_traveled '" + t.get(c_dist) + "' is not a number",
                    "give the distance along the shape as a number, or leave it empty");
            }
            it->second.push_back({seq, {lon, lat}, dist, t.line()});
        }
    }
    gdal.check(damaged);
    for (const auto& [id, u] : used) {
        if (out[id].empty()) {
            throw InputError(
                src.where("trips.txt") + ":" + std::to_string(u.trips_line),
                "trip " + u.trip + " names shape_id " + id + ", which shapes.txt does not hold",
                "add the shape's points to shapes.txt, or leave the trip's "
                "shape_id empty (its line is then drawn straight between stops)");
        }
    }
    for (const auto& u : used) {
        std::vector<ShapePoint>& pts = out[u.first];
        std::stable_sort(pts.begin(), pts.end(),
                         [](const ShapePoint& a, const ShapePoint& b) { return a.seq < b.seq; });
        bool dist_ok = true;
        for (std::size_t i = 0; i < pts.size(); ++i) {
            if (i > 0 && pts[i].seq == pts[i - 1].seq) {
                const int a = std::min(pts[i - 1].line, pts[i].line),
                          b = std::max(pts[i - 1].line, pts[i].line);
                char seq[32];
                std::snprintf(seq, sizeof seq, "%.0f", pts[i].seq);
                throw InputError(where + ":" + std::to_string(b),
                                 "shape " + u.first + ": shape_pt_sequence " + seq +
                                     " repeats that of line " + std::to_string(a) +
                                     " (the sequence must increase along the shape)",
                                 "give each point of a shape its own shape_pt_sequence, "
                                 "increasing in riding order");
            }
            dist_ok =
                dist_ok && std::isfinite(pts[i].dist) && (i == 0 || pts[i].dist >= pts[i - 1].dist);
        }
        if (!dist_ok) {
            const bool any = std::any_of(pts.begin(), pts.end(),
                                         [](const ShapePoint& p) { return std::isfinite(p.dist); });
            if (any) {
                warnings.push_back(where + ": shape " + u.first +
                                   ": shape_dist_traveled missing or decreasing; the stops are "
                                   "placed on the shape by position");
            }
            for (ShapePoint& p : pts) p.dist = std::nan("");
        }
    }
    return out;
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
        std::string shape;  // shape_id, empty when none
        int line = 0;       // in trips.txt, for messages
    };
    std::unordered_map<std::string, std::uint32_t> trip_index;
    std::vector<Trip> trips;
    std::vector<std::string> trip_ids;
    {
        CsvTable t(src.read("trips.txt"), src.where("trips.txt"));
        const int c_route = t.col("route_id", true), c_service = t.col("service_id", true),
                  c_trip = t.col("trip_id", true), c_shape = t.col("shape_id", false);
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
            trips.push_back({route, {}, {}, {}, t.get(c_shape), t.line()});
            trip_ids.push_back(t.get(c_trip));
        }
        feed.trips_on_day = trips.size();
    }

    // --- stop_times.txt ---
    {
        CsvTable t(src.read("stop_times.txt"), src.where("stop_times.txt"));
        const int c_trip = t.col("trip_id", true), c_arr = t.col("arrival_time", true),
                  c_dep = t.col("departure_time", true), c_stop = t.col("stop_id", true),
                  c_seq = t.col("stop_sequence", true),
                  c_dist = t.col("shape_dist_traveled", false);
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
            double dist = std::nan("");
            if (!t.get(c_dist).empty() && !parse_double(t.get(c_dist), dist)) {
                warn(t.here(), "bad shape_dist_traveled '" + t.get(c_dist) + "'; ignored");
                dist = std::nan("");
            }
            trips[it->second].times.push_back(
                {static_cast<std::uint32_t>(seq), st->second, arr, dep, dist});
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
        std::uint32_t first_trip = 0;  // in trips.txt order: its shape draws the line
    };
    std::map<std::pair<std::string, std::vector<StopId>>, std::uint32_t> pattern_index;
    std::vector<Pattern> patterns;
    std::map<std::string, UsedShape> used_shapes;  // shape_id -> its first trip in the window
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
        if (!trip.shape.empty())
            used_shapes.emplace(trip.shape, UsedShape{trip.line, trip_ids[ti]});
        std::vector<StopId> seq;
        for (const StopTime& st : times) seq.push_back(st.stop);
        auto [it, fresh] = pattern_index.emplace(std::make_pair(trip.route, seq),
                                                 static_cast<std::uint32_t>(patterns.size()));
        if (fresh)
            patterns.push_back(
                {trip.route, seq, std::vector<std::vector<double>>(seq.size() - 1), 0, ti});
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
    const std::unordered_map<std::string, std::vector<ShapePoint>> shape_points =
        read_shapes(src, used_shapes, feed.warnings);

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
        // The line's course: along its first trip's shape, straight where that has none.
        std::vector<LonLat> at;
        std::vector<double> stop_dist;
        for (const StopTime& st : trips[p.first_trip].times) {
            at.push_back(feed.stops[st.stop].pos);
            stop_dist.push_back(st.dist);
        }
        const auto shape = shape_points.find(trips[p.first_trip].shape);
        if (shape == shape_points.end()) {
            feed.shapes.push_back(straight_shape(at));
        } else {
            std::vector<LonLat> path;
            std::vector<double> path_dist;
            for (const ShapePoint& sp : shape->second) {
                path.push_back(sp.pos);
                path_dist.push_back(sp.dist);
            }
            feed.shapes.push_back(
                shape_along_path(at, path, stop_dist, path_dist, kMaxStopShapeM, true));
        }
        feed.lines.push_back(std::move(line));
    }
    return feed;
}

}  // namespace lc15::io
