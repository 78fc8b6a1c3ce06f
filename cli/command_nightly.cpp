// lc15 nightly — the nightly run: coverage and bus figures per walker profile, stored in the
// history (SQLite or PostgreSQL) in one transaction per run, compared with the run before and
// with the plan's [targets], with warnings a planner reads and exit codes a scheduler acts on
// (docs/NIGHTLY.md).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "history/history.hpp"
#include "history/report.hpp"
#include "history/warnings.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/coverage_output.hpp"
#include "io/files.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

enum NightlyExit : int { kExitLocked = 3, kExitPlanWarnings = 4, kExitDataWarnings = 5 };

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::string> split_profiles(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string p;
    while (std::getline(ss, p, ','))
        if (!p.empty()) out.push_back(p);
    return out;
}

class NightlyCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "nightly"; }
    const char* description() const override {
        return "The nightly run: coverage stored in a history, compared with the night before "
               "and the plan's targets, with early warnings";
    }
    void setup(CLI::App& app) override {
        add_config_option(app);
        app.add_option("--history", history_,
                       "History: an SQLite file (created) or postgresql://user@host/db")
            ->required();
        add_out_option(app, false)
            ->description(
                "Output folder: coverage outputs (one subfolder per profile when several), "
                "warnings.csv, warnings.json, report.html, lc15.prom");
        app.add_option("--profile", profile,
                       "Walker profiles, comma-separated: adult,elderly,barrier_free (default: "
                       "the config's)");
        app.add_option("--metrics", metrics_,
                       "Prometheus textfile to write by atomic rename (default: DIR/lc15.prom)");
        app.add_flag("--wait", wait_, "If another run holds the history, wait for it");
        app.add_option("--wait-minutes", wait_minutes_,
                       "How long --wait waits, at most a week (default 600)")
            ->check(number_check("--wait-minutes",
                                 {"a number of minutes", 0, 10080, true, true, "600"}));
        app.add_flag("--force", force_, "Store a run even if the same inputs were stored before");
        app.add_flag("--no-bus", no_bus_, "Skip the bus analysis (no bus figures stored)");
        add_quiet_option(app);
        add_threads_option(app);
        app.footer(
            "Exit codes: 0 stored, no warning; 1 bad input or failed run (history unchanged); "
            "2 internal error; 3 another run holds the history; 4 stored, plan warnings; 5 "
            "stored, data warnings (docs/NIGHTLY.md).\n"
            "Example:\n  lc15 nightly --config configs/zhuhai_xiangzhou.toml --history "
            "/var/lib/lc15/history.sqlite --out /var/lib/lc15/tonight");
    }

    int run() override {
        const auto start = Clock::now();
        try {
            return run_night(start);
        } catch (const history::LockHeld& e) {
            std::cerr << "lc15 nightly: refused: " << e.what() << "\n";
            return kExitLocked;
        } catch (...) {
            write_metrics_failed(since(start));
            throw;
        }
    }

  private:
    int run_night(Clock::time_point start) {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const io::CityConfig config = io::load_city_config(config_file);
        for (const io::PlanTarget& t : config.plan_targets.targets)
            if (t.key != "bus500")
                config.rules.index_of(t.key, t.where + " [targets." + t.key + "]");
        if (!no_bus_) io::check_bus_inputs(config);
        std::vector<std::string> profiles = split_profiles(profile);
        if (profiles.empty()) profiles.push_back(config.profile);
        for (const std::string& p : profiles) (void)config.walking_profile(p);  // fail early

        history::History hist(history::open_database(history_), false);
        history::HistoryLock lock(hist.db(), wait_, wait_minutes_ * 60);
        hist.migrate();
        std::optional<io::OutputDir> out;
        if (!out_dir.empty()) out.emplace(out_dir);  // removes what dead runs left there

        std::vector<history::NightResult> night;
        for (const std::string& p : profiles) {
            const std::string started = history::utc_now();
            const auto t_run = Clock::now();
            io::City city = io::load_city(config, p, &progress);
            io::drop_building_outlines(city);  // this run draws no map
            io::RunInfo info;
            info.command = "lc15 nightly --config " + config_file + " --history " +
                           history::Database::redact(history_) + " --profile " + p;
            // The usual coverage outputs, staged now and moved into place after the history
            // write: a run that fails leaves neither.
            std::optional<io::OutputDir> profile_out;
            io::OutputDir* target = nullptr;
            if (out) {
                if (profiles.size() > 1) {
                    profile_out.emplace(fs::path(out_dir) / p);
                    target = &*profile_out;
                } else {
                    target = &*out;
                }
            }
            // What needs the city alone (the bus analysis, coverage.gpkg's first layers) is
            // done while the model is built and computes.
            TerminalProgress::Beside bus_progress(progress);
            std::optional<io::BusBeside> bus_beside;
            if (!no_bus_) bus_beside.emplace(target, city, &bus_progress);
            std::vector<FacilityHandle> handles;
            CoverageModel model = io::make_coverage_model(city, &handles);
            std::optional<io::CityLayers> city_layers;
            if (target) city_layers.emplace(*target, city, model.rules());
            auto t0 = Clock::now();
            {
                ProgressStep step(&progress, "coverage", 0);
                model.compute();
                model.release_edit_state();  // this run edits nothing
            }
            info.timings.emplace_back("coverage", since(t0));
            const CoverageReport report =
                model.report(static_cast<std::uint32_t>(city.communities.size()));
            const std::optional<io::BusAnalysis> bus = io::write_coverage_outputs(
                target, city, model, report, info, !no_bus_, &progress, nullptr,
                city_layers ? &*city_layers : nullptr, bus_beside ? &*bus_beside : nullptr);
            history::SnapshotInfo si{info.command, started, since(t_run), city.timings};
            si.timings.insert(si.timings.end(), info.timings.begin(), info.timings.end());
            history::NightResult r;
            r.run = history::snapshot_run(city, model, report, handles, bus ? &*bus : nullptr, si);

            std::optional<history::RunSnapshot> before =
                hist.last_run(r.run.city, r.run.profile, r.run.rules_key);
            // Same inputs as the last stored run: not stored again (unless --force), and
            // compared with the run before that one, so that tonight reports what it reported.
            const bool dup = !force_ && before && before->inputs_key == r.run.inputs_key;
            if (dup) {
                r.duplicate_of = before->run_id;
                before.reset();
                const auto older = hist.runs();
                for (auto it = older.rbegin(); it != older.rend(); ++it)
                    if (it->run_id < r.duplicate_of && it->city == r.run.city &&
                        it->profile == r.run.profile) {
                        history::RunSnapshot o = hist.load_run(it->run_id);
                        if (o.rules_key == r.run.rules_key) before = std::move(o);
                        break;
                    }
            }
            r.comparison = history::compare_runs(
                before ? &*before : nullptr, r.run, config.plan_targets,
                hist.unchanged_since(r.run.city, r.run.profile, r.run.data_key()),
                r.run.started_at.substr(0, 10));
            r.run.outcome = r.comparison.count("data")   ? "data_warnings"
                            : r.comparison.count("plan") ? "plan_warnings"
                                                         : "ok";
            history::History::hold_point("before_write");
            if (dup) {
                if (!quiet)
                    std::printf(
                        "%s, %s: same inputs as run %lld, the last one: not stored again "
                        "(--force stores it)\n",
                        r.run.city.c_str(), p.c_str(), static_cast<long long>(r.duplicate_of));
            } else {
                hist.write_run(r.run);
                r.stored = true;
            }
            history::History::hold_point("after_write");
            if (profile_out) profile_out->commit();
            if (!quiet) print_run(r);
            night.push_back(std::move(r));
        }

        std::vector<history::Warning> all;
        for (const auto& r : night)
            all.insert(all.end(), r.comparison.warnings.begin(), r.comparison.warnings.end());
        const double seconds = since(start);
        if (out) {
            io::write_file_atomic(out->stage("warnings.csv"), history::warnings_csv(all));
            io::write_file_atomic(out->stage("warnings.json"), history::warnings_json(night));
            io::write_file_atomic(
                out->stage("report.html"),
                history::report_html(
                    night.front(),
                    hist.community_trends(night.front().run.city, night.front().run.profile)));
            out->commit();
        }
        const std::string metrics = metrics_path();
        if (!metrics.empty())
            io::write_file_atomic(
                metrics, history::prometheus_text(night, true, seconds, history::utc_now()));
        std::size_t plan = 0, data = 0;
        for (const auto& r : night) {
            plan += r.comparison.count("plan");
            data += r.comparison.count("data");
        }
        if (!quiet)
            std::printf("%zu plan warnings, %zu data warnings%s; %.2f s\n", plan, data,
                        out ? (", in " + out_dir + "/warnings.csv").c_str() : "", seconds);
        if (data) return kExitDataWarnings;
        if (plan) return kExitPlanWarnings;
        return kExitOk;
    }

    void print_run(const history::NightResult& r) const {
        std::printf(
            "%s, profile %s: run %lld, city score %.1f, compared with %s\n", r.run.city.c_str(),
            r.run.profile.c_str(), static_cast<long long>(r.stored ? r.run.run_id : r.duplicate_of),
            r.run.city_score,
            r.comparison.baseline_run ? ("run " + std::to_string(r.comparison.baseline_run)).c_str()
                                      : "nothing (first run)");
        for (const history::Warning& w : r.comparison.warnings)
            std::printf("  [%s] %s\n", w.group.c_str(), w.message.c_str());
    }

    std::string metrics_path() const {
        if (!metrics_.empty()) return metrics_;
        if (!out_dir.empty()) return (fs::path(out_dir) / "lc15.prom").string();
        return {};
    }

    void write_metrics_failed(double seconds) const {
        try {
            const std::string m = metrics_path();
            if (!m.empty() &&
                fs::is_directory(fs::path(m).parent_path().empty() ? fs::path(".")
                                                                   : fs::path(m).parent_path()))
                io::write_file_atomic(
                    m, history::prometheus_text({}, false, seconds, history::utc_now()));
        } catch (...) {
        }
    }

    std::string history_, metrics_;
    bool wait_ = false, force_ = false, no_bus_ = false;
    int wait_minutes_ = 600;
};

}  // namespace

std::unique_ptr<Command> make_nightly_command() { return std::make_unique<NightlyCommand>(); }

}  // namespace lc15::cli
