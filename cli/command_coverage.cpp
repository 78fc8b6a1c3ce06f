// lc15 coverage — the living-circle measurement for a whole city, every category, every
// community: what the nightly job and the public maps are built on.
#include <chrono>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "cli/text.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/coverage_output.hpp"
#include "maps/maps.hpp"

namespace lc15::cli {
namespace {

class CoverageCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "coverage"; }
    const char* description() const override {
        return "Walking coverage per community and category against GB 50180-2018 (GeoPackage, "
               "CSV, JSON)";
    }
    void setup(CLI::App& app) override {
        add_city_options(app);
        app.add_flag("--no-bus", no_bus_,
                     "Skip the bus analysis (the bus_* files and the bus500_* columns)");
        app.add_flag("--maps", maps_,
                     "Also draw the maps: map_*.pdf (A3) and map.html (lc15 map for PNG, SVG "
                     "and other papers)");
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 coverage --config configs/zhuhai_xiangzhou.toml --out out/demo");
    }
    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();
        const io::CityConfig config = io::load_city_config(config_file);
        if (!no_bus_) io::check_bus_inputs(config);
        if (maps_) {
            maps::require_fonts();
            maps::require_page_assets();
        }
        io::OutputDir out(out_dir);  // checked before the long work starts
        io::City city = io::load_city(config, profile, &progress);
        if (!maps_) io::drop_building_outlines(city);  // only the maps draw them
        // The bus analysis needs the city alone: it starts now, while the model is built and
        // computes.
        TerminalProgress::Beside bus_progress(progress);
        std::optional<io::BusBeside> bus_beside;
        if (!no_bus_) bus_beside.emplace(&out, city, &bus_progress);
        CoverageModel model = io::make_coverage_model(city);
        // coverage.gpkg's layers of the city alone, written while the model computes.
        io::CityLayers city_layers(out, city, model.rules());
        io::RunInfo run;
        run.command = "lc15 coverage --config " + config_file + " --out " + out_dir +
                      (profile.empty() ? "" : " --profile " + profile);
        auto t0 = std::chrono::steady_clock::now();
        {
            ProgressStep step(&progress, "coverage", 0);
            model.compute();
            model.release_edit_state();  // this run edits nothing
        }
        run.timings.emplace_back(
            "coverage",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const CoverageReport report =
            model.report(static_cast<std::uint32_t>(city.communities.size()));
        if (no_bus_) run.command += " --no-bus";
        io::NetworkFigures network;
        const std::optional<io::BusAnalysis> bus =
            io::write_coverage_outputs(&out, city, model, report, run, !no_bus_, &progress,
                                       &network, &city_layers, bus_beside ? &*bus_beside : nullptr);
        if (maps_) {
            maps::MapPlan plan;
            plan.formats = {maps::Format::kPdf};
            for (std::uint32_t k = 0; k < model.rules().size(); ++k) plan.categories.push_back(k);
            maps::MapInputs inputs{&city, &model, &report, bus ? &*bus : nullptr};
            inputs.network = &network;  // as the tables hold them, not computed again
            maps::write_maps(out, inputs, plan, maps::MapOptions{});
        }
        out.commit();
        const double total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!quiet) print_summary(city, model, report, bus ? &*bus : nullptr, total);
        return kExitOk;
    }

  private:
    void print_summary(const io::City& city, const CoverageModel& model,
                       const CoverageReport& report, const io::BusAnalysis* bus, double seconds) {
        const auto& rules = model.rules();
        double pop = 0;
        for (const auto& h : city.homes) pop += h.population;
        std::printf("%s — %zu communities, %.0f residents in %zu homes, profile %s\n",
                    city.config.name.c_str(), city.communities.size(), pop, city.homes.size(),
                    city.walker.name.c_str());
        std::printf("%s%s%6s %8s %10s\n", pad("category", 20).c_str(), pad("", 30).c_str(),
                    "radius", "covered", "facilities");
        for (std::uint32_t k = 0; k < rules.size(); ++k) {
            std::size_t used = 0;
            for (const auto& r : city.facilities)
                used += r.category == k && r.status == io::FacilityRecord::Status::Used;
            std::size_t island = 0;
            for (const auto& r : city.facilities)
                island +=
                    r.category == k && r.status == io::FacilityRecord::Status::Used && r.on_island;
            std::printf("%s%s%5.0fm %7.1f%% %10zu%s\n", pad(rules[k].id, 20).c_str(),
                        pad(rules[k].name_zh, 30).c_str(), rules[k].radius_m,
                        100.0 * report.city[k].share, used,
                        used > 0 && island == used ? "  (all on islands: warnings.txt)" : "");
        }
        if (bus) {
            const auto& c = bus->catchment.city;
            std::printf(
                "bus: within %.0f m of a stop: land %s, people %.1f %% straight, %.1f %% "
                "walking; %zu gap cells\n",
                bus->radius_m, land_share_text(c.land_m2, c.land_share).c_str(),
                100 * c.straight_share, 100 * c.walk_share, bus->catchment.gaps.size());
        }
        std::printf("living-circle score %.1f / 100; %zu warnings (warnings.txt); %.2f s\n",
                    report.city_score, city.warnings.size(), seconds);
        std::printf(
            "outputs in %s: coverage.gpkg communities.csv community_categories.csv "
            "city_summary.csv summary.json warnings.txt%s%s\n",
            out_dir.c_str(),
            bus ? " bus_catchment.csv bus_gaps.csv bus_access.csv bus_routes.csv bus.gpkg "
                  "bus_warnings.txt"
                : "",
            maps_ ? " map_overview.pdf map_<category>.pdf map_bus.pdf map_atlas.pdf map.html" : "");
    }

    bool no_bus_ = false;
    bool maps_ = false;
};

}  // namespace

std::unique_ptr<Command> make_coverage_command() { return std::make_unique<CoverageCommand>(); }

}  // namespace lc15::cli
