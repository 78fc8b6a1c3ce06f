// Fuzzes the city config reader (io::load_city_config) with the shipped rule set beside it.
#include "io/config.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool rules = [] {
        std::filesystem::create_directories(lc15::fuzz::scratch() / "rules");
        std::filesystem::copy_file(LC15_SOURCE_DIR "/configs/rules/gb50180_2018.toml",
                                   lc15::fuzz::scratch() / "rules/gb50180_2018.toml",
                                   std::filesystem::copy_options::overwrite_existing);
        return true;
    }();
    (void)rules;
    const auto p = lc15::fuzz::write_input(data, size, "city.toml");
    lc15::fuzz::expect_input_errors_only([&] { lc15::io::load_city_config(p); });
    return 0;
}
