// lc15 — the 15-minute living circle, measured along the street network.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <iostream>
#include <memory>
#include <new>

#include "cli/command.hpp"
#include "engine/error.hpp"
#include "lc15_version.hpp"

int main(int argc, char** argv) {
    using namespace lc15::cli;
    CLI::App app{"lc15: walking access to everyday services (GB 50180-2018 living circles)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("lc15 ") + LC15_VERSION_STRING);
    auto commands = make_commands();
    Command* chosen = nullptr;
    for (auto& c : commands) {
        CLI::App* sub = app.add_subcommand(c->name(), c->description());
        c->setup(*sub);
        sub->callback([&chosen, cmd = c.get()] { chosen = cmd; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);  // prints help or the parse error
        return rc == 0 ? kExitOk : kExitInput;
    }
    try {
        return chosen->run();
    } catch (const lc15::InputError& e) {
        std::cerr << "lc15 " << chosen->name() << ": error: " << e.what() << "\n";
        return kExitInput;
    } catch (const std::bad_alloc&) {
        std::cerr << "lc15 " << chosen->name() << ": error: out of memory\n"
                  << "  fix: cut a smaller extract (osmium extract -b ...) or use a machine with "
                     "more memory\n";
        return kExitInternal;
    } catch (const std::exception& e) {
        std::cerr << "lc15 " << chosen->name() << ": internal error: " << e.what() << "\n"
                  << "  this is a bug in lc15; please report it with the command line\n";
        return kExitInternal;
    }
}
