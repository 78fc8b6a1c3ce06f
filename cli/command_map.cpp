// lc15 map — printable maps (PDF, PNG 300 dpi, SVG) and the offline page of a coverage run,
// for public meetings: the overview, one map per category, the bus map, the atlas; with
// --scenario the scenario's before / after map instead (docs/MAPS.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "maps/maps.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"

namespace lc15::cli {

namespace {

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

class MapCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "map"; }
    const char* description() const override {
        return "Printable maps (PDF, PNG, SVG; Chinese labels) and the offline HTML page of a "
               "coverage run";
    }
    void setup(CLI::App& app) override {
        add_city_options(app);
        app.add_option("--category", categories_,
                       "Category maps to draw, comma-separated ids (default: every category)");
        app.add_option("--paper", paper_, "Paper size: A4, A3 or A1 (default A3, landscape)");
        app.add_flag("--portrait", portrait_, "Upright pages instead of landscape");
        app.add_option("--format", formats_,
                       "Comma-separated: pdf, png, svg, html (default pdf,png,html)");
        app.add_option("--dpi", dpi_, "PNG resolution (default 300)")
            ->check(number_check("--dpi", {"a PNG resolution", 36, 1200, false, false, "300"}));
        app.add_option("--max-pixels", max_pixels_,
                       "Ceiling on one PNG page's pixels (default 2e8: 800 MB of raster)")
            ->check(number_check("--max-pixels",
                                 {"a number of pixels per page", 1e6, 1e9, false, false, "2e8"}));
        app.add_option("--date", date_,
                       "Date printed on the maps and pinned in the PDF, YYYY-MM-DD (default: the "
                       "config's [maps] date, else the OSM data date)");
        app.add_flag("--no-bus", no_bus_, "Skip the bus map (and the bus analysis)");
        app.add_option("--scenario", scenario_,
                       "Scenario file (TOML): draw its before / after map (map_scenario_<file "
                       "stem>.EXT) from the evaluation `lc15 scenario` makes, instead of the "
                       "coverage maps");
        add_threads_option(app);
        app.footer(
            "Examples:\n  lc15 map --config configs/zhuhai_xiangzhou.toml --out out/maps\n"
            "  lc15 map --config configs/zhuhai_xiangzhou.toml --out out/maps --category "
            "kindergarten,park --paper A4 --format pdf\n"
            "  lc15 map --config configs/zhuhai_xiangzhou.toml --scenario "
            "scenarios/examples/new_kindergarten.toml --out out/maps");
    }

    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();
        // Every check that needs no data first, so that a typo fails in a second.
        maps::MapPlan plan;
        plan.formats.clear();
        plan.page = false;
        for (const std::string& f : split_list(formats_)) {
            if (f == "pdf") {
                plan.formats.push_back(maps::Format::kPdf);
            } else if (f == "png") {
                plan.formats.push_back(maps::Format::kPng);
            } else if (f == "svg") {
                plan.formats.push_back(maps::Format::kSvg);
            } else if (f == "html") {
                plan.page = true;
            } else {
                throw InputError("--format " + formats_, "unknown format '" + f + "'",
                                 "use a comma-separated list of pdf, png, svg, html");
            }
        }
        if (plan.formats.empty() && !plan.page)
            throw InputError("--format", "no format given", "use e.g. --format pdf,png,html");
        maps::MapOptions options;
        options.paper = maps::paper_size(paper_, portrait_);
        options.png_dpi = dpi_;
        options.max_png_pixels = max_pixels_;
        if (std::find(plan.formats.begin(), plan.formats.end(), maps::Format::kPng) !=
            plan.formats.end())
            maps::check_png_size(options);  // before the city is loaded
        options.date = date_;
        if (!date_.empty() && (date_.size() != 10 || date_[4] != '-' || date_[7] != '-'))
            throw InputError("--date " + date_, "not a date", "write YYYY-MM-DD, e.g. 2026-05-01");
        if (!plan.formats.empty()) maps::require_fonts();
        if (plan.page) maps::require_page_assets();
        const io::CityConfig config = io::load_city_config(config_file);
        if (categories_.empty()) {
            for (std::uint32_t k = 0; k < config.rules.categories.size(); ++k)
                plan.categories.push_back(k);
        } else {
            for (const std::string& id : split_list(categories_))
                plan.categories.push_back(config.rules.index_of(id, "--category " + categories_));
        }
        plan.bus = !no_bus_;
        std::optional<scenarios::Scenario> scenario;
        if (!scenario_.empty()) {
            scenario = scenarios::load_scenario(scenario_);
            if (plan.formats.empty())
                throw InputError("--format " + formats_, "a scenario map has no HTML page",
                                 "use --format pdf, png or svg with --scenario");
            plan =
                maps::MapPlan{{},
                              false,
                              false,
                              false,
                              plan.formats,
                              false,
                              "map_scenario_" + std::filesystem::path(scenario_).stem().string()};
        }
        if (plan.bus) io::check_bus_inputs(config);
        io::OutputDir out(out_dir);  // checked before the long work starts

        io::City city = io::load_city(config, profile, &progress);
        if (scenario) return run_scenario(city, *scenario, plan, options, out, progress, start);
        CoverageModel model = io::make_coverage_model(city);
        {
            ProgressStep step(&progress, "coverage", 0);
            model.compute();
        }
        const CoverageReport report =
            model.report(static_cast<std::uint32_t>(city.communities.size()));
        std::optional<io::BusAnalysis> bus;
        if (plan.bus && !plan.formats.empty()) {
            bus = io::analyse_bus(city, io::BusAnalysisOptions{}, &progress);
        }
        const maps::MapInputs inputs{&city, &model, &report, bus ? &*bus : nullptr};
        std::vector<std::string> names, warnings;
        {
            ProgressStep step(&progress, "maps", 0);
            names = maps::write_maps(out, inputs, plan, options, &warnings);
        }
        out.commit();
        for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
        const double total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!quiet) {
            std::printf("%s — %zu maps in %s (%.2f s):", city.config.name.c_str(), names.size(),
                        out_dir.c_str(), total);
            for (const auto& n : names) std::printf(" %s", n.c_str());
            std::printf("\n");
        }
        return kExitOk;
    }

  private:
    // The scenario's map: the evaluation of `lc15 scenario` (its base model is the coverage,
    // computed once), then one map per format.
    int run_scenario(const io::City& city, const scenarios::Scenario& s, const maps::MapPlan& plan,
                     const maps::MapOptions& options, io::OutputDir& out,
                     TerminalProgress& progress,
                     std::chrono::steady_clock::time_point start) const {
        const scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
        std::optional<scenarios::ScenarioEvaluator> ev;
        {
            ProgressStep step(&progress, "base coverage", 0);
            ev.emplace(sc);
        }
        scenarios::ScenarioOutcome outcome;
        {
            ProgressStep step(&progress, "scenario", 0);
            outcome = ev->evaluate(s);
            outcome.name = s.name;
        }
        const CoverageReport report =
            ev->base_model().report(static_cast<std::uint32_t>(city.communities.size()));
        const maps::ScenarioMapInputs scenario{&s, &outcome, &sc};
        const maps::MapInputs inputs{&city, &ev->base_model(), &report, nullptr, &scenario};
        std::vector<std::string> names, warnings;
        {
            ProgressStep step(&progress, "maps", 0);
            names = maps::write_maps(out, inputs, plan, options, &warnings);
        }
        out.commit();
        for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
        if (!quiet) {
            const double total =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::printf("%s — %s: %zu maps in %s (%.2f s):", city.config.name.c_str(),
                        s.name.c_str(), names.size(), out_dir.c_str(), total);
            for (const auto& n : names) std::printf(" %s", n.c_str());
            std::printf("\n");
        }
        return kExitOk;
    }

    std::string scenario_;
    std::string categories_, paper_ = "A3", formats_ = "pdf,png,html", date_;
    bool portrait_ = false, no_bus_ = false;
    double dpi_ = 300;
    double max_pixels_ = 2e8;
};

}  // namespace

std::unique_ptr<Command> make_map_command() { return std::make_unique<MapCommand>(); }

}  // namespace lc15::cli
