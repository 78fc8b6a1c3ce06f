// Fuzzes io::load_city_config (a city config TOML). The config is written beside a link to
// the shipped configs/rules/ so that `rules = "rules/gb50180_2018.toml"` resolves, as it does
// for the shipped configs; the files it names need not exist (that is a located error too).
#include <system_error>

#include "io/config.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool linked = [] {
        std::error_code ec;
        std::filesystem::create_directory_symlink(LC15_SOURCE_DIR "/configs/rules",
                                                  lc15::fuzz::scratch() / "rules", ec);
        return true;
    }();
    (void)linked;
    const auto path = lc15::fuzz::write_input(data, size, "city.toml");
    return lc15::fuzz::run([&] { (void)lc15::io::load_city_config(path); });
}
