// lc15 history — the nightly run's memory: what one run measured, stored so that a later run
// can say what changed (docs/NIGHTLY.md has the schema).
//
//   RunSnapshot now = snapshot_run(city, model, report, handles, &bus, info);  // no recompute
//   History h(open_database("history.sqlite"));      // migrates to kSchemaVersion
//   HistoryLock lock(h, false);                       // refused (InputError naming the holder)
//   std::optional<RunSnapshot> before = h.last_run(now.city, now.profile, now.rules_key);
//   std::int64_t id = h.write_run(now);               // one transaction: all or nothing
//   std::vector<TrendPoint> t = h.trend({.community = "翠华社区"});
//
// A snapshot copies the figures of the same io::City / CoverageReport / io::BusAnalysis that
// `lc15 coverage` writes, never computing them again: per (community, category) population,
// covered, share, median, p90, facilities within reach and pass; the city figures; the three
// 500 m bus figures (city and communities); the facilities and stops used (source, id,
// category, name, position, status); and for each (community, category) the facilities that
// are the nearest within the radius for some of its homes ("serving": a facility that serves
// nobody cannot change a share, so the cause of a fall is exact).
// Schema versions: 1 (the first), 2 (runs.inputs_key for duplicate runs, trend indexes, the
// lock holder table). Opening an older history migrates it in one transaction.
// Cost: a write is a few inserts per figure in one transaction (docs/BENCHMARKS.md);
// trend() reads one index range. Thread safety: one History per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "history/database.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"

namespace lc15::history {

constexpr int kSchemaVersion = 2;

struct FigureRow {
    std::string community_id, community_name, category;
    double population = 0, covered = 0, share = 0, median_m = -1, p90_m = -1;
    std::int64_t facilities_within = 0;
    bool pass = false;
};
struct CityFigureRow {
    std::string category, name_zh;
    double radius_m = 0, population = 0, covered = 0, share = 0;
};
/// The three 500 m stop-catchment shares; community_id "" is the city. Unset: no land/people.
struct BusFigureRow {
    std::string community_id;
    std::optional<double> land_share, people_straight_share, people_walk_share;
};
struct FacilityRow {
    std::string source, id, category, name, status;  ///< status: used | merged | off_network
    double lon = 0, lat = 0;
};
struct StopRow {
    std::string source, id, name;
    double lon = 0, lat = 0;
};
struct ServingRow {
    std::string community_id, category, source, facility_id;
};
struct InputRow {
    std::string role, path, sha256;
};

struct RunSnapshot {
    std::int64_t run_id = 0;  ///< 0 until written
    std::string city, profile;
    std::string rules_key;   ///< SHA-256 of the effective rules (ids, radii, weights, targets)
    std::string inputs_key;  ///< SHA-256 of everything that determines the figures
    std::string started_at, finished_at;  ///< ISO 8601 UTC
    std::string program_version, config_hash, osm_timestamp, command;
    std::string outcome = "ok";  ///< ok | plan_warnings | data_warnings
    double seconds = 0;
    std::string timings_json;  ///< [["step", seconds], ...]
    double city_score = 0, population = 0, bus_radius_m = 0;
    std::int64_t homes = 0, homes_snapped = 0;
    std::vector<InputRow> inputs;
    std::vector<FigureRow> figures;
    std::vector<CityFigureRow> city_figures;
    std::vector<BusFigureRow> bus;  ///< empty without a bus analysis
    std::vector<FacilityRow> facilities;
    std::vector<StopRow> stops;
    std::vector<ServingRow> serving;

    /// SHA-256 of the input files but the config and rules (what "data unchanged" compares).
    std::string data_key() const;
    std::size_t used_facilities() const;
};

struct SnapshotInfo {
    std::string command, started_at;
    double seconds = 0;
    std::vector<std::pair<std::string, double>> timings;
};

/// Copies what the run measured. handle_of_record: from io::make_coverage_model.
RunSnapshot snapshot_run(const io::City& city, const CoverageModel& model,
                         const CoverageReport& report,
                         const std::vector<FacilityHandle>& handle_of_record,
                         const io::BusAnalysis* bus, const SnapshotInfo& info);

/// Now as "2026-12-01T02:00:00Z"; LC15_NOW (same form) overrides it, for tests of dates.
std::string utc_now();

struct RunSummary {
    std::int64_t run_id = 0;
    std::string city, profile, started_at, outcome, program_version, osm_timestamp, inputs_key;
    double seconds = 0, city_score = 0;
    std::int64_t facilities = 0, stops = 0, homes = 0;
};

struct TrendQuery {
    std::string community;  ///< id or name; "" = the city figures
    std::string category;   ///< id or Chinese name; "" = every category
    std::string since;      ///< "YYYY-MM-DD" ("" = all)
    std::string profile;    ///< "" = every profile
};
struct TrendPoint {
    std::int64_t run_id = 0;
    std::string started_at, profile, community_id, community_name, category;
    double share = 0, population = 0, covered = 0;
    bool pass = false;          ///< city rows: false
    std::string category_name;  ///< Chinese name (from the runs' city figures)
};

class History {
  public:
    /// Opens the history and, with migrate_now, creates or migrates its schema (InputError
    /// for a newer one). A nightly run takes the lock first, then calls migrate().
    explicit History(std::unique_ptr<Database> db, bool migrate_now = true);
    void migrate();
    Database& db() { return *db_; }
    int schema_version();

    /// The last stored run of the same city, profile and rules, if any.
    std::optional<RunSnapshot> last_run(const std::string& city, const std::string& profile,
                                        const std::string& rules_key);
    /// The last run with these inputs (a duplicate), if any.
    std::optional<RunSummary> find_inputs(const std::string& city, const std::string& profile,
                                          const std::string& inputs_key);
    /// Started_at of the earliest run of an unbroken series ending at the last run of
    /// (city, profile) whose data_key is `data_key` ("" if the last run's data differ).
    std::string unchanged_since(const std::string& city, const std::string& profile,
                                const std::string& data_key);
    RunSnapshot load_run(std::int64_t run_id);
    /// Stores the run in one transaction; returns its run_id. On any error nothing is stored.
    std::int64_t write_run(RunSnapshot& run);
    std::vector<RunSummary> runs(const std::string& since = {});
    std::vector<TrendPoint> trend(const TrendQuery& q);
    /// Every community figure of the last `last_runs` runs of (city, profile), ordered by
    /// community, category and run (for the report page's sparklines).
    std::vector<TrendPoint> community_trends(const std::string& city, const std::string& profile,
                                             int last_runs = 90);

    /// Test hook: LC15_TEST_HOLD_AT=in_transaction makes write_run stop after its inserts,
    /// before COMMIT, print "lc15: holding at in_transaction" to stderr and sleep (so that a
    /// test can kill -9 it there).
    static void hold_point(const char* name);

  private:
    void add_geometry();
    std::unique_ptr<Database> db_;
};

/// The SQL of each schema version step (1: the first schema; 2: its migration).
const std::vector<std::string>& schema_steps();

/// Holds the history's run lock for its lifetime. Without `wait`, throws LockHeld naming the
/// holder; with it, waits (polling once a second) up to wait_seconds.
class LockHeld : public InputError {
  public:
    using InputError::InputError;
};
class HistoryLock {
  public:
    HistoryLock(Database& db, bool wait, int wait_seconds = 24 * 3600);
    ~HistoryLock();
    HistoryLock(const HistoryLock&) = delete;
    HistoryLock& operator=(const HistoryLock&) = delete;

  private:
    Database& db_;
};

}  // namespace lc15::history
