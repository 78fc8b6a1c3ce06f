// Fuzzes the scenario reader (scenarios::load_scenario).
#include "scenarios/scenario.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto p = lc15::fuzz::write_input(data, size, "scenario.toml");
    lc15::fuzz::expect_input_errors_only([&] { lc15::scenarios::load_scenario(p); });
    return 0;
}
