// lc15 bus — bus stop coverage (the three 500 m figures, the gap list, the walking service
// area) and walk + bus access to the config's [bus] categories (docs/TRANSIT.md).
#include <chrono>
#include <cstdio>
#include <tuple>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "cli/text.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/files.hpp"

namespace lc15::cli {
namespace {

class BusCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "bus"; }
    const char* description() const override {
        return "Bus stop coverage (500 m: land, population straight and walked), gaps, and walk + "
               "bus access";
    }
    void setup(CLI::App& app) override {
        add_city_options(app);
        app.add_option("--radius", radius_m_,
                       "Stop catchment radius in metres (GB 50220-95: 300 and 500)")
            ->check(number_check("--radius",
                                 {"a catchment radius in metres", 0, 1e308, true, false, "500"}));
        app.add_option(
            "--window", window_,
            "GTFS time window for headways, HH:MM-HH:MM (default: the config's [bus] window, else "
            "07:00-09:00)");
        add_threads_option(app);
        app.footer("Example:\n  lc15 bus --config configs/zhuhai_xiangzhou.toml --out out/bus");
    }

    int run() override {
        const auto parallelism = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();
        io::BusAnalysisOptions bopt;
        bopt.radius_m = radius_m_;
        if (!window_.empty()) {
            bopt.gtfs.emplace();
            std::tie(bopt.gtfs->window_start_s, bopt.gtfs->window_end_s) =
                io::parse_time_window(window_, "--window");
        }
        const io::CityConfig config = io::load_city_config(config_file);
        io::check_bus_inputs(config);
        io::OutputDir out(out_dir);
        const io::City city = io::load_city(config, profile, &progress);
        const io::BusAnalysis bus = io::analyse_bus(city, bopt, &progress);
        io::write_bus_outputs(out, city, bus);
        out.commit();

        const double total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!quiet) print_summary(city, bus, total);
        return kExitOk;
    }

  private:
    void print_summary(const io::City& city, const io::BusAnalysis& bus, double seconds) const {
        const auto& c = bus.catchment.city;
        std::printf("%s — %u lines (%s), %zu stops for coverage, profile %s\n",
                    city.config.name.c_str(), bus.network.num_lines(), bus.line_source.c_str(),
                    bus.stops, city.walker.name.c_str());
        if (bus.radius_scale != 1) {
            std::printf(
                "radius %.0f m: the %s walker's distance in the time an adult walks %.0f m\n",
                bus.radius_m, city.walker.name.c_str(), bus.radius_m / bus.radius_scale);
        }
        std::printf(
            "within %.0f m of a stop: land %s (straight, the official indicator), "
            "people %.1f %% straight, %.1f %% walking\n",
            bus.radius_m, land_share_text(c.land_m2, c.land_share).c_str(), 100 * c.straight_share,
            100 * c.walk_share);
        if (c.population > 0) {
            std::printf(
                "city figures over %.0f people, of whom %.0f (%.1f %%) live outside every "
                "community\n",
                c.population, city.population_outside_communities,
                100 * city.population_outside_communities / c.population);
        }
        std::printf("%zu gap cells; largest: %.0f people\n", bus.catchment.gaps.size(),
                    bus.catchment.gaps.empty() ? 0.0 : bus.catchment.gaps.front().population);
        const std::size_t ci = bus.city_index();
        for (const auto& a : bus.access) {
            if (a.facilities == 0) {
                std::printf("%-16s no facilities in the city: nobody reaches it\n",
                            a.category.c_str());
                continue;
            }
            const double p = a.population[ci] > 0 ? a.population[ci] : 1;
            std::printf("%-16s within %.0f min: walking %.1f %%, walk + bus %.1f %%\n",
                        a.category.c_str(), bus.budget_min, 100 * a.walk_population[ci] / p,
                        100 * a.walk_bus_population[ci] / p);
        }
        std::printf("%zu warnings (bus_warnings.txt); %.2f s; outputs in %s\n", bus.warnings.size(),
                    seconds, out_dir.c_str());
    }

    std::string window_;
    double radius_m_ = 500;
};

}  // namespace

std::unique_ptr<Command> make_bus_command() { return std::make_unique<BusCommand>(); }

}  // namespace lc15::cli
