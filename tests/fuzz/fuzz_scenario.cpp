// Fuzzes scenarios::load_scenario (a what-if scenario TOML, e.g. scenarios/examples/*.toml).
#include "scenarios/scenario.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = lc15::fuzz::write_input(data, size, "scenario.toml");
    return lc15::fuzz::run([&] { (void)lc15::scenarios::load_scenario(path); });
}
