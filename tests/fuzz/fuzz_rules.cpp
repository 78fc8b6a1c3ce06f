// Fuzzes the rule set reader (io::load_rules).
#include "io/config.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto p = lc15::fuzz::write_input(data, size, "rules.toml");
    lc15::fuzz::expect_input_errors_only([&] { lc15::io::load_rules(p); });
    return 0;
}
