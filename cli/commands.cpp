#include "cli/command.hpp"

namespace lc15::cli {

// The one list of commands. Each factory lives in its command_<name>.cpp.
std::unique_ptr<Command> make_coverage_command();
std::unique_ptr<Command> make_bus_command();
std::unique_ptr<Command> make_inspect_command();
std::unique_ptr<Command> make_graph_export_command();
std::unique_ptr<Command> make_convert_command();
std::unique_ptr<Command> make_scenario_command();
std::unique_ptr<Command> make_optimize_command();
std::unique_ptr<Command> make_deadends_command();
std::unique_ptr<Command> make_nightly_command();
std::unique_ptr<Command> make_history_command();
std::unique_ptr<Command> make_map_command();
std::unique_ptr<Command> make_serve_command();
std::unique_ptr<Command> make_version_command();

std::vector<std::unique_ptr<Command>> make_commands() {
    std::vector<std::unique_ptr<Command>> v;
    v.push_back(make_coverage_command());
    v.push_back(make_bus_command());
    v.push_back(make_inspect_command());
    v.push_back(make_graph_export_command());
    v.push_back(make_convert_command());
    v.push_back(make_scenario_command());
    v.push_back(make_optimize_command());
    v.push_back(make_deadends_command());
    v.push_back(make_nightly_command());
    v.push_back(make_history_command());
    v.push_back(make_map_command());
    v.push_back(make_serve_command());
    v.push_back(make_version_command());
    return v;
}

}  // namespace lc15::cli
