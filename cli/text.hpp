// lc15 CLI — terminal text helpers: padding that knows Chinese characters take two columns.
#pragma once

#include <cstdio>
#include <string>

namespace lc15::cli {

/// Terminal columns taken by UTF-8 text: East Asian wide characters (U+1100 Hangul Jamo,
/// U+2E80 and above: CJK, fullwidth forms, ㎡ …) count two, everything else one.
inline std::size_t display_width(const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        char32_t cp = c;
        std::size_t n = 1;
        if (c >= 0xF0) {
            cp = c & 0x07;
            n = 4;
        } else if (c >= 0xE0) {
            cp = c & 0x0F;
            n = 3;
        } else if (c >= 0xC0) {
            cp = c & 0x1F;
            n = 2;
        }
        for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        i += n;
        w += (cp >= 0x2E80 && cp <= 0xFFDC) || (cp >= 0x1100 && cp <= 0x115F) || cp >= 0x20000 ? 2
                                                                                               : 1;
    }
    return w;
}

/// Left-aligned in `width` columns (never cut).
inline std::string pad(const std::string& s, std::size_t width) {
    const std::size_t w = display_width(s);
    return w >= width ? s + " " : s + std::string(width - w, ' ');
}

/// The residential-land share of a bus catchment, "42.0 %", or why there is none.
inline std::string land_share_text(double land_m2, double share) {
    if (!(land_m2 > 0)) return "n/a, no residential land mapped";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", 100 * share);
    return buf;
}

}  // namespace lc15::cli
