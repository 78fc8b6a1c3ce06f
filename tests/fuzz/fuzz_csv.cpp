// Fuzzes a planner's CSV (io::read_vector on a .csv: columns, WKT, Amap locations, numbers).
#include "io/vector_reader.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lc15::io::VectorSource src;
    src.path = lc15::fuzz::write_input(data, size, "points.csv");
    src.crs_declared = true;
    std::vector<std::string> warnings;
    lc15::fuzz::expect_input_errors_only([&] { lc15::io::read_vector(src, &warnings); });
    return 0;
}
