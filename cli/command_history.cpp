// lc15 history — reads the nightly history: the trend of a community (or the city) per
// category as CSV and as an SVG chart, and the list of runs (docs/NIGHTLY.md).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "engine/error.hpp"
#include "history/history.hpp"
#include "history/report.hpp"
#include "io/files.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;

class HistoryCommand : public Command {
  public:
    const char* name() const override { return "history"; }
    const char* description() const override {
        return "Trends and runs of the nightly history (CSV, SVG chart)";
    }
    void setup(CLI::App& app) override {
        app.add_option("--history", history_,
                       "History: an SQLite file or postgresql://user@host/db")
            ->required();
        app.add_option("--community", query_.community,
                       "Community id or name (default: the city figures)");
        app.add_option("--category", query_.category,
                       "Category id or Chinese name (default: every category)");
        app.add_option("--since", query_.since, "First day, YYYY-MM-DD");
        app.add_option("--profile", query_.profile, "Walker profile (default: every profile)");
        app.add_flag("--runs", runs_, "List the runs instead of a trend");
        app.add_option("-o,--out", out_dir_,
                       "Folder for trend.csv, trend.svg and runs.csv (default: CSV on stdout)");
        app.footer(
            "Examples:\n  lc15 history --history history.sqlite --community 翠华社区 --out "
            "out/trend\n  lc15 history --history history.sqlite --runs");
    }
    int run() override {
        if (!query_.since.empty()) {
            int y, m, d;
            char tail;
            if (query_.since.size() != 10 ||
                std::sscanf(query_.since.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
                throw InputError("--since " + query_.since, "not a date",
                                 "write --since 2026-01-31");
        }
        if (!is_postgres_url(history_) && !fs::is_regular_file(history_))
            throw InputError(history_, "no such history file",
                             "give the file `lc15 nightly --history` writes");
        history::History h(history::open_database(history_), false);
        if (h.schema_version() != history::kSchemaVersion) {
            // An older history is migrated under the run lock (never beside a nightly run).
            history::HistoryLock lock(h.db(), true, 600);
            h.migrate();
        }
        const std::vector<history::RunSummary> runs = h.runs(query_.since);
        if (runs_ && out_dir_.empty()) {
            std::cout << history::runs_csv(runs).substr(3);  // no BOM on a terminal
            return kExitOk;
        }
        const std::vector<history::TrendPoint> points = h.trend(query_);
        if (out_dir_.empty()) {
            std::cout << history::trend_csv(points).substr(3);
            return kExitOk;
        }
        io::OutputDir out(out_dir_);
        io::write_file_atomic(out.stage("runs.csv"), history::runs_csv(runs));
        if (!runs_) {
            std::string title =
                (query_.community.empty() ? std::string("city") : query_.community) +
                (query_.category.empty() ? "" : " · " + query_.category) +
                " — share of residents within reach";
            io::write_file_atomic(out.stage("trend.csv"), history::trend_csv(points));
            io::write_file_atomic(out.stage("trend.svg"), history::trend_svg(points, title));
        }
        out.commit();
        std::printf("%zu runs, %zu trend points in %s\n", runs.size(), points.size(),
                    out_dir_.c_str());
        return kExitOk;
    }

  private:
    static bool is_postgres_url(const std::string& h) { return history::is_postgres_url(h); }
    std::string history_, out_dir_;
    history::TrendQuery query_;
    bool runs_ = false;
};

}  // namespace

std::unique_ptr<Command> make_history_command() { return std::make_unique<HistoryCommand>(); }

}  // namespace lc15::cli
