// lc15 graph export FILE --format csv|graphml -o OUT: the walking graph for other tools.
#include <iostream>

#include "cli/command.hpp"
#include "io/graph_export.hpp"
#include "io/osm_reader.hpp"

namespace lc15::cli {
namespace {

class GraphExportCommand : public Command, ThreadsOption {
  public:
    const char* name() const override { return "graph"; }
    const char* description() const override { return "Walking graph tools (graph export)"; }
    void setup(CLI::App& app) override {
        app.require_subcommand(1);
        CLI::App* exp = app.add_subcommand(
            "export", "Write the walking graph of an OSM extract as CSV or GraphML");
        exp->add_option("file", file_, "OSM extract (.osm, .osm.bz2, .osm.pbf)")->required();
        exp->add_option("--format", format_,
                        "csv: OUT is a folder with vertices.csv and edges.csv; "
                        "graphml: OUT is a .graphml file")
            ->check(CLI::IsMember({"csv", "graphml"}))
            ->default_val("csv");
        exp->add_option("-o,--out", out_, "Output folder (csv) or file (graphml)")->required();
        exp->add_option("--private", private_, "Roads with access=private: walkable or excluded")
            ->check(CLI::IsMember({"walkable", "excluded"}))
            ->default_val("walkable");
        add_threads_option(*exp);
    }
    int run() override {
        const auto limit = limit_threads();
        io::OsmReadOptions options;
        options.profile.private_walkable = private_ == "walkable";
        const io::OsmData d = io::read_osm(file_, options);
        if (format_ == "csv") {
            io::write_graph_csv(d.graph, out_);
        } else {
            io::write_graph_graphml(d.graph, out_);
        }
        std::cerr << "lc15 graph export: " << d.graph.num_vertices() << " vertices, "
                  << d.graph.num_edges() << " edges -> " << out_ << "\n";
        return kExitOk;
    }

  private:
    std::string file_, format_ = "csv", out_, private_ = "walkable";
};

}  // namespace

std::unique_ptr<Command> make_graph_export_command() {
    return std::make_unique<GraphExportCommand>();
}

}  // namespace lc15::cli
