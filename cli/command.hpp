// lc15 CLI — one class per command (osmium-tool style).
//
// setup() declares options on the command's CLI11 sub-app and opens nothing; run() does the
// work and returns an exit code. Errors are exceptions: lc15::InputError (exit 1: bad input,
// names the file/object and the fix) or anything else (exit 2: internal error).
// Every command is listed once in commands.cpp, which drives registration and the --help tests.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <CLI/CLI.hpp>
#include <charconv>
#include <memory>
#include <string>
#include <vector>

namespace lc15::cli {

enum ExitCode : int { kExitOk = 0, kExitInput = 1, kExitInternal = 2 };

class Command {
  public:
    virtual ~Command() = default;
    virtual const char* name() const = 0;
    virtual const char* description() const = 0;
    virtual void setup(CLI::App& app) = 0;
    virtual int run() = 0;
};

/// Mix-in for commands that compute: -j/--threads N (default: all cores).
struct ThreadsOption {
    int threads = 0;
    void add_threads_option(CLI::App& app) {
        app.add_option("-j,--threads", threads,
                       "Worker threads (default: all cores); results are identical for any N")
            ->check(CLI::Validator(
                [](const std::string& v) -> std::string {
                    int n = -1;
                    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                    if (ec == std::errc() && end == v.data() + v.size() && n >= 0 && n <= 1024)
                        return {};
                    return "-j " + v +
                           " is not a thread count: give a whole number from 1 to 1024, or 0 "
                           "for all cores";
                },
                "0..1024"));
    }
    /// Hold the returned object for the duration of the computation.
    std::unique_ptr<tbb::global_control> limit_threads() const {
        if (threads <= 0) return nullptr;
        return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                     static_cast<std::size_t>(threads));
    }
};

/// Mix-in for commands that load a city: -c/--config, -o/--out, --profile, -q/--quiet, worded
/// the same in every command's --help. add_city_options() declares all four (--out required);
/// a command whose options differ calls the single adders in the order its --help lists them
/// and adjusts the returned option (e.g. ->description(...) where --out means a folder tree).
struct CityOptions {
    std::string config_file, out_dir, profile;
    bool quiet = false;

    void add_city_options(CLI::App& app, bool config_required = true) {
        add_config_option(app, config_required);
        add_out_option(app);
        add_profile_option(app);
        add_quiet_option(app);
    }
    CLI::Option* add_config_option(CLI::App& app, bool required = true) {
        return app
            .add_option("-c,--config", config_file,
                        "City config (TOML), e.g. configs/zhuhai_xiangzhou.toml")
            ->required(required);
    }
    CLI::Option* add_out_option(CLI::App& app, bool required = true) {
        return app
            .add_option("-o,--out", out_dir,
                        "Output folder (created; files replaced only when the run succeeds)")
            ->required(required);
    }
    CLI::Option* add_profile_option(CLI::App& app) {
        return app.add_option("--profile", profile,
                              "Walker profile: adult, elderly, barrier_free (default: the "
                              "config's)");
    }
    /// `shown`: what the command prints when not quiet ("summary", "table").
    CLI::Option* add_quiet_option(CLI::App& app, const std::string& shown = "summary") {
        return app.add_flag("-q,--quiet", quiet, "No progress or " + shown + " on the terminal");
    }
};

/// All commands, in the order `lc15 --help` lists them.
std::vector<std::unique_ptr<Command>> make_commands();

}  // namespace lc15::cli
