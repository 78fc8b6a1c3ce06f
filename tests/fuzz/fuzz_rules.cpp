// Fuzzes io::load_rules (the rule set TOML, e.g. configs/rules/gb50180_2018.toml).
#include "io/config.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = lc15::fuzz::write_input(data, size, "rules.toml");
    return lc15::fuzz::run([&] { (void)lc15::io::load_rules(path); });
}
