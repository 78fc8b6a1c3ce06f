#include "io/files.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

void require_readable(const fs::path& path, const std::string& what) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw InputError(path.string(), what + " not found",
                         "check the path (relative paths start from the current folder)");
    }
    if (fs::is_directory(path, ec)) {
        throw InputError(path.string(), what + " is a folder, not a file",
                         "give the path of the file itself");
    }
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw InputError(path.string(), what + " cannot be read", "check the file's permissions");
}

namespace {

// Compact SHA-256 (FIPS 180-4); used only for provenance hashes of inputs.
struct Sha256 {
    std::array<std::uint32_t, 8> h{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::uint64_t total = 0;
    std::array<unsigned char, 64> buf{};
    std::size_t used = 0;

    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    void block(const unsigned char* p) {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
                   (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
                      hh = h[7];
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t t1 =
                hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const std::uint32_t t2 =
                (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
    void update(const unsigned char* p, std::size_t n) {
        total += n;
        while (n > 0) {
            const std::size_t take = std::min(n, 64 - used);
            std::memcpy(buf.data() + used, p, take);
            used += take;
            p += take;
            n -= take;
            if (used == 64) {
                block(buf.data());
                used = 0;
            }
        }
    }
    std::string hex() {
        const std::uint64_t bits = total * 8;
        const unsigned char one = 0x80, zero = 0;
        update(&one, 1);
        while (used != 56) update(&zero, 1);
        unsigned char len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        update(len, 8);
        std::string out;
        char tmp[9];
        for (std::uint32_t v : h) {
            std::snprintf(tmp, sizeof tmp, "%08x", v);
            out += tmp;
        }
        return out;
    }
};

}  // namespace

std::string sha256_hex(const std::string& bytes) {
    Sha256 s;
    s.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return s.hex();
}

std::string file_sha256(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw InputError(path.string(), "cannot be read for hashing",
                         "check the file's permissions");
    Sha256 s;
    std::array<char, 1 << 16> chunk;
    while (f) {
        f.read(chunk.data(), chunk.size());
        s.update(reinterpret_cast<const unsigned char*>(chunk.data()),
                 static_cast<std::size_t>(f.gcount()));
    }
    return s.hex();
}

OutputDir::OutputDir(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) {
        throw InputError(dir_.string(), "output path exists and is not a folder",
                         "give a folder name for --out");
    }
    created_ = !fs::exists(dir_, ec);
    fs::create_directories(dir_, ec);
    if (ec) {
        throw InputError(dir_.string(), "cannot create the output folder: " + ec.message(),
                         "choose a folder you can write to with --out");
    }
    staging_ = dir_ / (".lc15-partial-" + std::to_string(::getpid()));
    fs::remove_all(staging_, ec);
    fs::create_directories(staging_, ec);
    if (ec || ::access(staging_.c_str(), W_OK) != 0) {
        throw InputError(dir_.string(), "output folder is not writable",
                         "choose a folder you can write to with --out");
    }
}

OutputDir::~OutputDir() {
    std::error_code ec;
    fs::remove_all(staging_, ec);
    if (created_ && !committed_ && fs::is_empty(dir_, ec)) fs::remove(dir_, ec);
}

fs::path OutputDir::stage(const std::string& name) {
    names_.push_back(name);
    const fs::path p = staging_ / name;
    fs::create_directories(p.parent_path());
    return p;
}

void OutputDir::discard(const std::string& name) { discarded_.push_back(name); }

void OutputDir::commit() {
    for (const std::string& name : names_) {
        const fs::path from = staging_ / name, to = dir_ / name;
        std::error_code ec;
        if (!fs::exists(from, ec)) continue;
        fs::create_directories(to.parent_path(), ec);
        fs::rename(from, to, ec);
        if (ec)
            throw InputError(to.string(), "cannot move output into place: " + ec.message(),
                             "check the folder's permissions");
    }
    for (const std::string& name : discarded_) {
        std::error_code ec;
        fs::remove(dir_ / name, ec);
    }
    committed_ = true;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
    const fs::path tmp = path.string() + ".lc15-tmp-" + std::to_string(::getpid());
    {
        std::ofstream f(tmp, std::ios::binary);
        if (!f)
            throw InputError(path.string(), "cannot write",
                             "choose a path in a folder you can write to");
        f << content;
        f.close();
        if (!f) {
            std::error_code ec;
            fs::remove(tmp, ec);
            throw InputError(path.string(), "write failed (disk full?)",
                             "free space or choose another path");
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw InputError(path.string(), "cannot move output into place",
                         "check the folder's permissions");
    }
}

}  // namespace lc15::io
