// lc15 history — schema, migrations, the run snapshot and its storage (history/history.hpp).
#include "history/history.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "engine/error.hpp"
#include "io/files.hpp"
#include "lc15_version.hpp"

namespace lc15::history {

// ---- schema ------------------------------------------------------------------------------

const std::vector<std::string>& schema_steps() {
    static const std::vector<std::string> steps = {
        // Version 1: the first schema.
        R"(CREATE TABLE lc15_schema (version INTEGER NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY, city TEXT NOT NULL, profile TEXT NOT NULL,
    rules_key TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    program_version TEXT NOT NULL, config_hash TEXT NOT NULL, osm_timestamp TEXT,
    command TEXT, outcome TEXT NOT NULL, seconds DOUBLE PRECISION, timings TEXT,
    city_score DOUBLE PRECISION, population DOUBLE PRECISION, homes INTEGER,
    homes_snapped INTEGER, bus_radius_m DOUBLE PRECISION);
CREATE INDEX runs_by_city ON runs (city, profile, run_id);
CREATE TABLE inputs (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), role TEXT NOT NULL, path TEXT NOT NULL,
    sha256 TEXT NOT NULL);
CREATE INDEX inputs_by_run ON inputs (run_id);
CREATE TABLE community_figures (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), community_id TEXT NOT NULL,
    community_name TEXT NOT NULL, category TEXT NOT NULL, population DOUBLE PRECISION,
    covered_population DOUBLE PRECISION, share DOUBLE PRECISION, median_m DOUBLE PRECISION,
    p90_m DOUBLE PRECISION, facilities_within INTEGER, passed INTEGER,
    PRIMARY KEY (run_id, community_id, category));
CREATE TABLE city_figures (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), category TEXT NOT NULL, name_zh TEXT,
    radius_m DOUBLE PRECISION, population DOUBLE PRECISION, covered_population DOUBLE PRECISION,
    share DOUBLE PRECISION, PRIMARY KEY (run_id, category));
CREATE TABLE bus_figures (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), community_id TEXT NOT NULL,
    land_share DOUBLE PRECISION, people_straight_share DOUBLE PRECISION,
    people_walk_share DOUBLE PRECISION, PRIMARY KEY (run_id, community_id));
CREATE TABLE facilities (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), source TEXT NOT NULL,
    facility_id TEXT NOT NULL, category TEXT NOT NULL, name TEXT, status TEXT NOT NULL,
    lon DOUBLE PRECISION, lat DOUBLE PRECISION);
CREATE INDEX facilities_by_run ON facilities (run_id);
CREATE TABLE stops (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), source TEXT NOT NULL,
    stop_id TEXT NOT NULL, name TEXT, lon DOUBLE PRECISION, lat DOUBLE PRECISION);
CREATE INDEX stops_by_run ON stops (run_id);
CREATE TABLE serving (
    run_id INTEGER NOT NULL REFERENCES runs (run_id), community_id TEXT NOT NULL,
    category TEXT NOT NULL, source TEXT NOT NULL, facility_id TEXT NOT NULL);
CREATE INDEX serving_by_run ON serving (run_id);
INSERT INTO lc15_schema (version) VALUES (1);)",
        // Version 2: duplicate runs are found by their inputs; a community's trend reads one
        // index range; the PostgreSQL lock holder's table exists from the start.
        R"(ALTER TABLE runs ADD COLUMN inputs_key TEXT;
CREATE INDEX runs_by_inputs ON runs (city, profile, inputs_key);
CREATE INDEX community_figures_trend ON community_figures (community_id, category, run_id);
CREATE INDEX community_figures_by_name ON community_figures (community_name);
CREATE TABLE IF NOT EXISTS lc15_lock (holder TEXT);
UPDATE lc15_schema SET version = 2;)",
    };
    return steps;
}

History::History(std::unique_ptr<Database> db, bool migrate_now) : db_(std::move(db)) {
    if (migrate_now) migrate();
}

int History::schema_version() {
    const Rows r = db_->query(
        db_->backend() == std::string("sqlite")
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'lc15_schema'"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name = 'lc15_schema' "
              "AND table_schema = current_schema()");
    if (r.empty() || r[0][0].as_int() == 0) return 0;
    const Rows v = db_->query("SELECT max(version) FROM lc15_schema");
    return v.empty() ? 0 : static_cast<int>(v[0][0].as_int());
}

void History::migrate() {
    int v = schema_version();
    if (v > kSchemaVersion)
        throw InputError(db_->where(),
                         "history schema version " + std::to_string(v) +
                             " is newer than this lc15 (" + std::to_string(kSchemaVersion) + ")",
                         "run a newer lc15 on this history");
    if (v == kSchemaVersion) {
        add_geometry();
        return;
    }
    if (v == 0 && db_->backend() == std::string("sqlite")) {
        const Rows t = db_->query("SELECT count(*) FROM sqlite_master");
        if (!t.empty() && t[0][0].as_int() > 0)
            throw InputError(db_->where(), "is an SQLite file but not an lc15 history",
                             "give a new file name for the history");
    }
    db_->begin();
    try {
        for (; v < kSchemaVersion; ++v)
            db_->exec_script(schema_steps()[static_cast<std::size_t>(v)]);
        db_->commit();
    } catch (...) {
        db_->rollback();
        throw;
    }
    add_geometry();
}

void History::add_geometry() {
    // PostgreSQL with PostGIS: facilities and stops gain a point geometry (EPSG:4326) computed
    // from lon/lat by the server, with a spatial index, for desk GIS reading the history.
    // Outside the schema versions: a server without PostGIS (or a user who may not create
    // the extension) keeps the same tables without them.
    if (db_->backend() != std::string("postgresql")) return;
    try {
        if (db_->query("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")[0][0]
                .as_int() == 0) {
            if (db_->query(
                       "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")[0][0]
                    .as_int() == 0)
                return;
            db_->exec_script("CREATE EXTENSION IF NOT EXISTS postgis");
        }
        for (const char* table : {"facilities", "stops"})
            db_->exec_script(std::string("ALTER TABLE ") + table +
                             " ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) GENERATED "
                             "ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED; "
                             "CREATE INDEX IF NOT EXISTS " +
                             table + "_geom ON " + table + " USING gist (geom)");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lc15: note: %s: no PostGIS geometry columns (%s)\n",
                     db_->where().c_str(), e.what());
    }
}

// ---- snapshot ----------------------------------------------------------------------------

std::string RunSnapshot::data_key() const {
    std::vector<std::string> lines;  // in any order: the stored rows come sorted
    for (const InputRow& i : inputs)
        if (i.role != "config" && i.role != "rules") lines.push_back(i.role + "\t" + i.sha256);
    std::sort(lines.begin(), lines.end());
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return io::sha256_hex(s);
}

std::size_t RunSnapshot::used_facilities() const {
    return static_cast<std::size_t>(
        std::count_if(facilities.begin(), facilities.end(),
                      [](const FacilityRow& f) { return f.status == "used"; }));
}

std::string utc_now() {
    if (const char* fixed = std::getenv("LC15_NOW"); fixed && *fixed) return fixed;
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

const char* status_name(io::FacilityRecord::Status s) {
    switch (s) {
        case io::FacilityRecord::Status::Used:
            return "used";
        case io::FacilityRecord::Status::Merged:
            return "merged";
        case io::FacilityRecord::Status::OffNetwork:
            return "off_network";
    }
    return "?";
}

std::string timings_json(const std::vector<std::pair<std::string, double>>& t) {
    std::string s = "[";
    for (std::size_t i = 0; i < t.size(); ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.3f", t[i].second);
        std::string name;
        for (char c : t[i].first) name += (c == '"' || c == '\\') ? '_' : c;
        s += (i ? ", " : "") + std::string("[\"") + name + "\", " + buf + "]";
    }
    return s + "]";
}

}  // namespace

RunSnapshot snapshot_run(const io::City& city, const CoverageModel& model,
                         const CoverageReport& report,
                         const std::vector<FacilityHandle>& handle_of_record,
                         const io::BusAnalysis* bus, const SnapshotInfo& info) {
    RunSnapshot s;
    const auto& rules = model.rules();
    s.city = city.config.name;
    s.profile = city.walker.name;
    std::string rk;
    for (const CategoryRule& r : rules) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "|%d|%.17g|%.17g|%.17g\n", r.level_minutes, r.radius_m,
                      r.weight, r.target_share);
        rk += r.id + buf;
    }
    s.rules_key = io::sha256_hex(rk);
    s.started_at = info.started_at;
    s.finished_at = utc_now();
    s.program_version = LC15_VERSION;
    s.config_hash = city.config.config_hash;
    s.osm_timestamp = city.osm.timestamp;
    s.command = info.command;
    s.seconds = info.seconds;
    s.timings_json = timings_json(info.timings);
    s.city_score = report.city_score;
    for (const io::HomeRecord& h : city.homes) {
        s.population += h.population;
        s.homes_snapped += h.snap.ok();
    }
    s.homes = static_cast<std::int64_t>(city.homes.size());
    for (const io::InputFile& f : city.inputs) s.inputs.push_back({f.role, f.path, f.sha256});
    std::string ik = s.program_version + "\n" + s.config_hash + "\n" + s.profile + "\n" +
                     s.rules_key + "\n" + (bus ? "bus\n" : "no bus\n");
    for (const InputRow& i : s.inputs) ik += i.role + "\t" + i.sha256 + "\n";
    s.inputs_key = io::sha256_hex(ik);

    const std::size_t nc = city.communities.size();
    for (std::size_t c = 0; c < nc && c < report.communities.size(); ++c) {
        const io::CommunityRecord& cr = city.communities[c];
        for (std::size_t k = 0; k < rules.size(); ++k) {
            const CategoryCommunityMetrics& m = report.communities[c].by_category[k];
            s.figures.push_back({cr.id, cr.name, rules[k].id, m.population, m.covered_population,
                                 m.share, m.median_m, m.p90_m,
                                 static_cast<std::int64_t>(m.facilities_within), m.pass});
        }
    }
    for (std::size_t k = 0; k < rules.size(); ++k)
        s.city_figures.push_back({rules[k].id, rules[k].name_zh, rules[k].radius_m,
                                  report.city[k].population, report.city[k].covered_population,
                                  report.city[k].share});
    if (bus) {
        s.bus_radius_m = bus->radius_m;
        auto row = [](std::string id, const CatchmentFigures& f) {
            BusFigureRow b;
            b.community_id = std::move(id);
            if (f.land_m2 > 0) b.land_share = f.land_share;
            if (f.population > 0) {
                b.people_straight_share = f.straight_share;
                b.people_walk_share = f.walk_share;
            }
            return b;
        };
        s.bus.push_back(row("", bus->catchment.city));
        for (std::size_t c = 0; c < nc && c < bus->catchment.communities.size(); ++c)
            s.bus.push_back(row(city.communities[c].id, bus->catchment.communities[c]));
    }
    for (const io::FacilityRecord& f : city.facilities)
        s.facilities.push_back({f.source, f.id, rules[f.category].id, f.name, status_name(f.status),
                                f.pos.lon, f.pos.lat});
    for (const io::BusStopRecord& b : city.stops)
        s.stops.push_back({b.source, b.id, b.name, b.pos.lon, b.pos.lat});

    // Serving facilities: the nearest within the radius of some home of the community.
    std::vector<std::size_t> record_of_handle(model.num_facility_handles(), SIZE_MAX);
    for (std::size_t i = 0; i < handle_of_record.size(); ++i)
        if (handle_of_record[i] != kInvalidId && handle_of_record[i] < record_of_handle.size())
            record_of_handle[handle_of_record[i]] = i;
    std::set<std::tuple<std::size_t, std::uint32_t, std::size_t>> serving;
    const auto& homes = model.homes();
    for (std::uint32_t k = 0; k < rules.size(); ++k)
        for (HomeId h = 0; h < homes.size(); ++h) {
            if (homes[h].community >= nc || !model.covered(k, h)) continue;
            const FacilityHandle fh = model.home(k, h).nearest_facility;
            if (fh >= record_of_handle.size() || record_of_handle[fh] == SIZE_MAX) continue;
            serving.insert({homes[h].community, k, record_of_handle[fh]});
        }
    for (const auto& [c, k, r] : serving)
        s.serving.push_back({city.communities[c].id, rules[k].id, city.facilities[r].source,
                             city.facilities[r].id});
    return s;
}

// ---- storage -----------------------------------------------------------------------------

void History::hold_point(const char* name) {
    const char* at = std::getenv("LC15_TEST_HOLD_AT");
    if (!at || std::string(at) != name) return;
    std::fprintf(stderr, "lc15: holding at %s\n", name);
    std::fflush(stderr);
    std::this_thread::sleep_for(std::chrono::seconds(120));
}

std::int64_t History::write_run(RunSnapshot& s) {
    Database& d = *db_;
    d.begin();
    try {
        const Rows m = d.query("SELECT max(run_id) FROM runs");
        s.run_id = (m.empty() || m[0][0].is_null() ? 0 : m[0][0].as_int()) + 1;
        d.exec(
            "INSERT INTO runs (run_id, city, profile, rules_key, started_at, finished_at, "
            "program_version, config_hash, osm_timestamp, command, outcome, seconds, timings, "
            "city_score, population, homes, homes_snapped, bus_radius_m, inputs_key) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {s.run_id, s.city, s.profile, s.rules_key, s.started_at, s.finished_at,
             s.program_version, s.config_hash, s.osm_timestamp, s.command, s.outcome, s.seconds,
             s.timings_json, s.city_score, s.population, s.homes, s.homes_snapped, s.bus_radius_m,
             s.inputs_key});
        std::vector<Row> rows;
        for (const InputRow& i : s.inputs) rows.push_back({s.run_id, i.role, i.path, i.sha256});
        d.exec_many("INSERT INTO inputs (run_id, role, path, sha256) VALUES (?, ?, ?, ?)", rows);
        rows.clear();
        for (const FigureRow& f : s.figures)
            rows.push_back({s.run_id, f.community_id, f.community_name, f.category, f.population,
                            f.covered, f.share, f.median_m, f.p90_m, f.facilities_within, f.pass});
        d.exec_many(
            "INSERT INTO community_figures (run_id, community_id, community_name, category, "
            "population, covered_population, share, median_m, p90_m, facilities_within, passed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows);
        rows.clear();
        for (const CityFigureRow& f : s.city_figures)
            rows.push_back(
                {s.run_id, f.category, f.name_zh, f.radius_m, f.population, f.covered, f.share});
        d.exec_many(
            "INSERT INTO city_figures (run_id, category, name_zh, radius_m, population, "
            "covered_population, share) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows);
        rows.clear();
        for (const BusFigureRow& b : s.bus)
            rows.push_back({s.run_id, b.community_id, Value::optional(b.land_share),
                            Value::optional(b.people_straight_share),
                            Value::optional(b.people_walk_share)});
        d.exec_many(
            "INSERT INTO bus_figures (run_id, community_id, land_share, people_straight_share, "
            "people_walk_share) VALUES (?, ?, ?, ?, ?)",
            rows);
        rows.clear();
        for (const FacilityRow& f : s.facilities)
            rows.push_back({s.run_id, f.source, f.id, f.category, f.name, f.status, f.lon, f.lat});
        d.exec_many(
            "INSERT INTO facilities (run_id, source, facility_id, category, name, status, lon, "
            "lat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows);
        rows.clear();
        for (const StopRow& b : s.stops)
            rows.push_back({s.run_id, b.source, b.id, b.name, b.lon, b.lat});
        d.exec_many(
            "INSERT INTO stops (run_id, source, stop_id, name, lon, lat) VALUES (?, ?, ?, ?, ?, ?)",
            rows);
        rows.clear();
        for (const ServingRow& v : s.serving)
            rows.push_back({s.run_id, v.community_id, v.category, v.source, v.facility_id});
        d.exec_many(
            "INSERT INTO serving (run_id, community_id, category, source, facility_id) VALUES "
            "(?, ?, ?, ?, ?)",
            rows);
        hold_point("in_transaction");
        d.commit();
    } catch (...) {
        s.run_id = 0;
        d.rollback();
        throw;
    }
    return s.run_id;
}

RunSnapshot History::load_run(std::int64_t id) {
    Database& d = *db_;
    RunSnapshot s;
    const Rows r = d.query(
        "SELECT run_id, city, profile, rules_key, started_at, finished_at, program_version, "
        "config_hash, osm_timestamp, command, outcome, seconds, timings, city_score, population, "
        "homes, homes_snapped, bus_radius_m, inputs_key FROM runs WHERE run_id = ?",
        {Value(id)});
    if (r.empty()) throw InputError(d.where(), "no run " + std::to_string(id), "");
    const Row& x = r[0];
    s.run_id = x[0].as_int();
    s.city = x[1].as_text();
    s.profile = x[2].as_text();
    s.rules_key = x[3].as_text();
    s.started_at = x[4].as_text();
    s.finished_at = x[5].as_text();
    s.program_version = x[6].as_text();
    s.config_hash = x[7].as_text();
    s.osm_timestamp = x[8].as_text();
    s.command = x[9].as_text();
    s.outcome = x[10].as_text();
    s.seconds = x[11].as_double();
    s.timings_json = x[12].as_text();
    s.city_score = x[13].as_double();
    s.population = x[14].as_double();
    s.homes = x[15].as_int();
    s.homes_snapped = x[16].as_int();
    s.bus_radius_m = x[17].as_double();
    s.inputs_key = x[18].as_text();
    const std::vector<Value> p = {Value(id)};
    for (const Row& i : d.query("SELECT role, path, sha256 FROM inputs WHERE run_id = ? ORDER BY "
                                "role, path",
                                p))
        s.inputs.push_back({i[0].as_text(), i[1].as_text(), i[2].as_text()});
    for (const Row& f :
         d.query("SELECT community_id, community_name, category, population, covered_population, "
                 "share, median_m, p90_m, facilities_within, passed FROM community_figures WHERE "
                 "run_id = ? ORDER BY community_id, category",
                 p))
        s.figures.push_back({f[0].as_text(), f[1].as_text(), f[2].as_text(), f[3].as_double(),
                             f[4].as_double(), f[5].as_double(), f[6].as_double(), f[7].as_double(),
                             f[8].as_int(), f[9].as_int() != 0});
    for (const Row& f : d.query("SELECT category, name_zh, radius_m, population, "
                                "covered_population, share FROM city_figures WHERE run_id = ? "
                                "ORDER BY category",
                                p))
        s.city_figures.push_back({f[0].as_text(), f[1].as_text(), f[2].as_double(),
                                  f[3].as_double(), f[4].as_double(), f[5].as_double()});
    for (const Row& b : d.query("SELECT community_id, land_share, people_straight_share, "
                                "people_walk_share FROM bus_figures WHERE run_id = ? ORDER BY "
                                "community_id",
                                p))
        s.bus.push_back({b[0].as_text(), b[1].as_optional_double(), b[2].as_optional_double(),
                         b[3].as_optional_double()});
    for (const Row& f : d.query("SELECT source, facility_id, category, name, status, lon, lat "
                                "FROM facilities WHERE run_id = ?",
                                p))
        s.facilities.push_back({f[0].as_text(), f[1].as_text(), f[2].as_text(), f[3].as_text(),
                                f[4].as_text(), f[5].as_double(), f[6].as_double()});
    for (const Row& b :
         d.query("SELECT source, stop_id, name, lon, lat FROM stops WHERE run_id = ?", p))
        s.stops.push_back(
            {b[0].as_text(), b[1].as_text(), b[2].as_text(), b[3].as_double(), b[4].as_double()});
    for (const Row& v : d.query(
             "SELECT community_id, category, source, facility_id FROM serving WHERE run_id = ?", p))
        s.serving.push_back({v[0].as_text(), v[1].as_text(), v[2].as_text(), v[3].as_text()});
    return s;
}

std::optional<RunSnapshot> History::last_run(const std::string& city, const std::string& profile,
                                             const std::string& rules_key) {
    const Rows r =
        db_->query("SELECT max(run_id) FROM runs WHERE city = ? AND profile = ? AND rules_key = ?",
                   {city, profile, rules_key});
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return load_run(r[0][0].as_int());
}

namespace {
RunSummary summary_of(const Row& x) {
    RunSummary s;
    s.run_id = x[0].as_int();
    s.city = x[1].as_text();
    s.profile = x[2].as_text();
    s.started_at = x[3].as_text();
    s.outcome = x[4].as_text();
    s.program_version = x[5].as_text();
    s.osm_timestamp = x[6].as_text();
    s.inputs_key = x[7].as_text();
    s.seconds = x[8].as_double();
    s.city_score = x[9].as_double();
    s.homes = x[10].as_int();
    s.facilities = x[11].as_int();
    s.stops = x[12].as_int();
    return s;
}
const char* kSummaryColumns =
    "SELECT r.run_id, r.city, r.profile, r.started_at, r.outcome, r.program_version, "
    "r.osm_timestamp, r.inputs_key, r.seconds, r.city_score, r.homes, "
    "(SELECT count(*) FROM facilities f WHERE f.run_id = r.run_id AND f.status = 'used'), "
    "(SELECT count(*) FROM stops s WHERE s.run_id = r.run_id) FROM runs r ";

/// The trend points a query of (run_id, started_at, profile, community_id, community_name,
/// category, share, population, covered, passed) gives, each with its category's Chinese name.
std::vector<TrendPoint> trend_points(Database& d, const std::string& sql,
                                     const std::vector<Value>& params) {
    std::map<std::string, std::string> names;
    for (const Row& x : d.query("SELECT DISTINCT category, name_zh FROM city_figures"))
        names[x[0].as_text()] = x[1].as_text();
    std::vector<TrendPoint> out;
    for (const Row& x : d.query(sql, params)) {
        TrendPoint& t = out.emplace_back();
        t.run_id = x[0].as_int();
        t.started_at = x[1].as_text();
        t.profile = x[2].as_text();
        t.community_id = x[3].as_text();
        t.community_name = x[4].as_text();
        t.category = x[5].as_text();
        t.share = x[6].as_double();
        t.population = x[7].as_double();
        t.covered = x[8].as_double();
        t.pass = x[9].as_int() != 0;
        t.category_name = names[t.category];
    }
    return out;
}
}  // namespace

std::optional<RunSummary> History::find_inputs(const std::string& city, const std::string& profile,
                                               const std::string& inputs_key) {
    const Rows r = db_->query(std::string(kSummaryColumns) +
                                  "WHERE r.city = ? AND r.profile = ? AND r.inputs_key = ? "
                                  "ORDER BY r.run_id DESC LIMIT 1",
                              {city, profile, inputs_key});
    if (r.empty()) return std::nullopt;
    return summary_of(r[0]);
}

std::vector<RunSummary> History::runs(const std::string& since) {
    const Rows r =
        since.empty()
            ? db_->query(std::string(kSummaryColumns) + "ORDER BY r.run_id")
            : db_->query(std::string(kSummaryColumns) + "WHERE r.started_at >= ? ORDER BY r.run_id",
                         {since});
    std::vector<RunSummary> out;
    for (const Row& x : r) out.push_back(summary_of(x));
    return out;
}

std::string History::unchanged_since(const std::string& city, const std::string& profile,
                                     const std::string& data_key) {
    const Rows r = db_->query(
        "SELECT r.run_id, r.started_at, i.role, i.sha256 FROM runs r JOIN inputs i ON i.run_id "
        "= r.run_id WHERE r.city = ? AND r.profile = ? ORDER BY r.run_id DESC, i.role, i.sha256",
        {city, profile});
    // Rows come grouped by run, newest first; rebuild each run's data key.
    std::string since;
    std::size_t i = 0;
    while (i < r.size()) {
        const std::int64_t id = r[i][0].as_int();
        RunSnapshot s;
        const std::string started = r[i][1].as_text();
        for (; i < r.size() && r[i][0].as_int() == id; ++i)
            s.inputs.push_back({r[i][2].as_text(), "", r[i][3].as_text()});
        if (s.data_key() != data_key) break;
        since = started;
    }
    return since;
}

std::vector<TrendPoint> History::trend(const TrendQuery& q) {
    Database& d = *db_;
    std::string category = q.category;
    if (!category.empty()) {
        const Rows c = d.query(
            "SELECT category FROM city_figures WHERE category = ? OR name_zh = ? "
            "LIMIT 1",
            {category, category});
        if (c.empty())
            throw InputError("--category " + q.category, "no such category in the history",
                             "use a category id (kindergarten) or its Chinese name (幼儿园)");
        category = c[0][0].as_text();
    }
    std::vector<Value> p;
    std::string sql;
    if (!q.community.empty()) {
        std::string id = q.community;
        Rows c = d.query(
            "SELECT community_id FROM community_figures WHERE community_id = ? LIMIT 1", {id});
        if (c.empty())
            c = d.query(
                "SELECT community_id FROM community_figures WHERE community_name = ? LIMIT 1",
                {id});
        if (c.empty())
            throw InputError("--community " + q.community, "no such community in the history",
                             "use a community's id or name as communities.csv lists it");
        id = c[0][0].as_text();
        sql =
            "SELECT f.run_id, r.started_at, r.profile, f.community_id, f.community_name, "
            "f.category, f.share, f.population, f.covered_population, f.passed FROM "
            "community_figures f JOIN runs r ON r.run_id = f.run_id WHERE f.community_id = ?";
        p.push_back(id);
        if (!category.empty()) {
            sql += " AND f.category = ?";
            p.push_back(category);
        }
    } else {
        sql =
            "SELECT f.run_id, r.started_at, r.profile, '', '', f.category, f.share, "
            "f.population, f.covered_population, 0 FROM city_figures f JOIN runs r ON r.run_id "
            "= f.run_id WHERE 1 = 1";
        if (!category.empty()) {
            sql += " AND f.category = ?";
            p.push_back(category);
        }
    }
    if (!q.since.empty()) {
        sql += " AND r.started_at >= ?";
        p.push_back(q.since);
    }
    if (!q.profile.empty()) {
        sql += " AND r.profile = ?";
        p.push_back(q.profile);
    }
    sql += " ORDER BY r.profile, f.category, f.run_id";
    return trend_points(d, sql, p);
}

std::vector<TrendPoint> History::community_trends(const std::string& city,
                                                  const std::string& profile, int last_runs) {
    const Rows ids = db_->query(
        "SELECT run_id FROM runs WHERE city = ? AND profile = ? ORDER BY run_id DESC LIMIT ?",
        {city, profile, last_runs});
    if (ids.empty()) return {};
    const std::int64_t first = ids.back()[0].as_int();
    return trend_points(
        *db_,
        "SELECT f.run_id, r.started_at, r.profile, f.community_id, f.community_name, "
        "f.category, f.share, f.population, f.covered_population, f.passed FROM "
        "community_figures f JOIN runs r ON r.run_id = f.run_id WHERE r.city = ? AND "
        "r.profile = ? AND f.run_id >= ? ORDER BY f.community_id, f.category, f.run_id",
        {city, profile, first});
}

// ---- lock --------------------------------------------------------------------------------

HistoryLock::HistoryLock(Database& db, bool wait, int wait_seconds) : db_(db) {
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    const std::string me =
        "lc15 nightly, pid " + std::to_string(getpid()) + " on " + host + ", started " + utc_now();
    std::string holder;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
    bool told = false;
    while (!db_.try_lock(me, holder)) {
        if (!wait || std::chrono::steady_clock::now() > until)
            throw LockHeld(db_.where(), "another run holds the history: " + holder,
                           wait ? "it ran longer than --wait allowed; try again later"
                                : "wait for it to finish, or add --wait to queue behind it");
        if (!told) {
            std::fprintf(stderr, "lc15: waiting for the history lock held by %s\n", holder.c_str());
            told = true;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

HistoryLock::~HistoryLock() {
    try {
        db_.unlock();
    } catch (...) {
    }
}

}  // namespace lc15::history
