#include <iostream>

#include "cli/command.hpp"
#include "lc15_version.hpp"

namespace lc15::cli {
namespace {

class VersionCommand : public Command {
  public:
    const char* name() const override { return "version"; }
    const char* description() const override { return "Print lc15's version"; }
    void setup(CLI::App&) override {}
    int run() override {
        std::cout << "lc15 " << LC15_VERSION << "\n";
        return kExitOk;
    }
};

}  // namespace

std::unique_ptr<Command> make_version_command() { return std::make_unique<VersionCommand>(); }

}  // namespace lc15::cli
