#include "io/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>

#include "engine/error.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

void require_readable(const fs::path& path, const std::string& what) {
    require_utf8_path(path, what);
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

// ---- the signal handler: removes the staging folders of live OutputDirs, then dies -------

namespace {

constexpr int kSignalSlots = 16;
struct SignalSlot {
    std::atomic<bool> used{false};  // claimed by an OutputDir
    std::atomic<bool> live{false};  // path is complete and the folder should be removed
    char path[4096] = {};
};
SignalSlot g_slots[kSignalSlots];
std::once_flag g_handlers_installed;

// Removes the tree under `dirfd` (entries only) with raw syscalls: async-signal-safe.
void remove_entries(int dirfd, int depth) {
    char buf[4096];
    for (;;) {
        const long n = ::syscall(SYS_getdents64, dirfd, buf, sizeof buf);
        if (n <= 0) return;
        bool removed_any = false;
        for (long off = 0; off < n;) {
            struct Dirent64 {
                std::uint64_t ino;
                std::int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[1];
            };
            auto* d = reinterpret_cast<Dirent64*>(buf + off);
            off += d->reclen;
            const char* name = d->name;
            if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
            if (::unlinkat(dirfd, name, 0) == 0) {
                removed_any = true;
                continue;
            }
            if (depth < 8) {
                const int sub = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                if (sub >= 0) {
                    remove_entries(sub, depth + 1);
                    ::close(sub);
                }
            }
            if (::unlinkat(dirfd, name, AT_REMOVEDIR) == 0) removed_any = true;
        }
        if (removed_any) ::lseek(dirfd, 0, SEEK_SET);  // entries shifted: read again
    }
}

extern "C" void lc15_output_signal(int sig) {
    for (SignalSlot& s : g_slots) {
        if (!s.live.load()) continue;
        const int fd = ::open(s.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd >= 0) {
            remove_entries(fd, 0);
            ::close(fd);
        }
        ::rmdir(s.path);
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

int register_staging(const fs::path& p) {
    std::call_once(g_handlers_installed, [] {
        struct sigaction sa {};
        sa.sa_handler = lc15_output_signal;
        sigemptyset(&sa.sa_mask);
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
            struct sigaction old {};
            // Respect a signal the parent asked to ignore (nohup).
            if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
            ::sigaction(sig, &sa, nullptr);
        }
    });
    const std::string s = p.string();
    if (s.size() >= sizeof g_slots[0].path) return -1;
    for (int i = 0; i < kSignalSlots; ++i) {
        bool expected = false;
        if (g_slots[i].used.compare_exchange_strong(expected, true)) {
            std::memcpy(g_slots[i].path, s.c_str(), s.size() + 1);
            g_slots[i].live.store(true);
            return i;
        }
    }
    return -1;
}

void unregister_staging(int slot) {
    if (slot < 0) return;
    g_slots[slot].live.store(false);
    g_slots[slot].used.store(false);
}

std::string now_utc() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::string own_command_line() {
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (char& c : s) {
        if (c == '\0') c = ' ';
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

bool process_alive(long pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

const char* fault(const char* name) { return std::getenv(name); }

}  // namespace

bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        int len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (int k = 1; k < len; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values beyond Unicode are not UTF-8.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

void require_utf8_path(const fs::path& path, const std::string& what) {
    if (valid_utf8(path.string())) return;
    std::string shown;
    for (unsigned char c : path.string()) {
        if (c < 0x80) {
            shown += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            shown += hex;
        }
    }
    throw InputError(shown, what + ": the path is not valid UTF-8 (a folder or file name in GBK?)",
                     "rename it in UTF-8 (a zip made on Chinese Windows: unzip -O GBK file.zip, "
                     "or convmv -f GBK -t UTF-8 -r --notest FOLDER)");
}

OutputDir::OutputDir(fs::path dir, CommitMode mode) : mode_(mode) {
    std::error_code ec;
    require_utf8_path(dir, "output folder");
    dir_ = fs::absolute(dir, ec).lexically_normal();
    if (dir_.has_parent_path() && !dir_.has_filename()) dir_ = dir_.parent_path();  // "out/"
    if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) {
        throw InputError(dir.string(), "output path exists and is not a folder",
                         "give a folder name for --out");
    }
    const fs::path parent = dir_.parent_path();
    const std::string name = dir_.filename().string();
    if (mode_ == CommitMode::single_files || name.empty() || name == "." || name == ".." ||
        parent == dir_) {
        if (mode_ == CommitMode::whole_folder) {
            throw InputError(dir.string(), "cannot replace this folder as a whole",
                             "give --out a folder of its own, e.g. out/run1");
        }
        fs::create_directories(dir_, ec);
        if (ec) {
            throw InputError(dir.string(), "cannot create the output folder: " + ec.message(),
                             "choose a folder you can write to");
        }
        staging_ = dir_ / (".lc15-partial-" + std::to_string(::getpid()));
    } else {
        fs::create_directories(parent, ec);
        if (ec) {
            throw InputError(dir.string(), "cannot create the output folder: " + ec.message(),
                             "choose a folder you can write to with --out");
        }
        lock_path_ = parent / ("." + name + ".lc15-lock");
        lock();
        remove_stale();
        staging_ = parent / ("." + name + ".lc15-partial-" + std::to_string(::getpid()));
    }
    fs::remove_all(staging_, ec);
    // Registered before it exists, so that a signal from the first directory on removes it.
    signal_slot_ = register_staging(staging_);
    fs::create_directories(staging_, ec);
    if (ec || ::access(staging_.c_str(), W_OK) != 0) {
        fs::remove_all(staging_, ec);  // no destructor runs for a constructor that throws
        unregister_staging(signal_slot_);
        if (lock_fd_ >= 0) ::close(lock_fd_);
        throw InputError(dir.string(),
                         mode_ == CommitMode::whole_folder
                             ? "cannot write beside the output folder (" + parent.string() + ")"
                             : "output folder is not writable",
                         "choose a folder you can write to with --out (lc15 builds the new "
                         "version beside it and switches it in at the end)");
    }
}

void OutputDir::lock() {
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) {
        throw InputError(
            dir_.string(),
            "cannot create the lock " + lock_path_.string() + ": " + std::strerror(errno),
            "choose a folder you can write to with --out");
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        char buf[512] = {};
        const ssize_t n = ::pread(lock_fd_, buf, sizeof buf - 1, 0);
        std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
        while (!holder.empty() && holder.back() == '\n') holder.pop_back();
        ::close(lock_fd_);
        lock_fd_ = -1;
        throw InputError(dir_.string(),
                         "another lc15 run is writing to this folder" +
                             (holder.empty() ? std::string() : " (" + holder + ")"),
                         "wait for that run to finish, or give another --out");
    }
    const std::string me = "pid " + std::to_string(::getpid()) + ", started " + now_utc() + ": " +
                           own_command_line() + "\n";
    if (::ftruncate(lock_fd_, 0) != 0 ||
        ::pwrite(lock_fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
        // The lock itself holds; only the note of who holds it is missing.
    }
}

void OutputDir::remove_stale() const {
    // Holding the lock, no other run can be writing DIR: every staging or old folder of DIR
    // beside it belongs to a run that died (kill -9, power loss).
    const fs::path parent = dir_.parent_path();
    const std::string name = dir_.filename().string();
    const std::string partial = "." + name + ".lc15-partial-", old = "." + name + ".lc15-old-";
    std::error_code ec;
    std::vector<fs::path> stale;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string n = it->path().filename().string();
        if (starts_with(n, partial) || starts_with(n, old)) stale.push_back(it->path());
    }
    // Folders of the earlier in-folder staging (DIR/.lc15-partial-<pid>) of dead processes.
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string n = it->path().filename().string();
        if (starts_with(n, ".lc15-partial-") &&
            !process_alive(std::atol(n.c_str() + std::strlen(".lc15-partial-"))))
            stale.push_back(it->path());
    }
    for (const fs::path& p : stale) fs::remove_all(p, ec);
}

OutputDir::~OutputDir() {
    std::error_code ec;
    fs::remove_all(staging_, ec);
    unregister_staging(signal_slot_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock; the file stays (no unlink race)
}

fs::path OutputDir::stage(const std::string& name) {
    names_.push_back(fs::path(name).lexically_normal().string());
    const fs::path p = staging_ / name;
    fs::create_directories(p.parent_path());
    if (const char* f = fault("LC15_FAULT_FULL_DISK"); f && name == f) {
        std::error_code ec;
        fs::create_symlink("/dev/full", p, ec);
        fs::create_symlink("/dev/full", p.string() + ".lc15-tmp-" + std::to_string(::getpid()), ec);
    }
    return p;
}

void OutputDir::discard(const std::string& name) {
    discarded_.push_back(fs::path(name).lexically_normal().string());
}

namespace {

void fsync_path(const fs::path& p, bool directory) {
    const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return;
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EROFS) {
        throw InputError(p.string(), std::string("cannot flush to disk: ") + std::strerror(err),
                         "check free disk space and the disk itself");
    }
}

}  // namespace

void OutputDir::commit() {
    std::error_code ec;
    if (mode_ == CommitMode::single_files) {
        for (const std::string& name : names_) {
            const fs::path from = staging_ / name, to = dir_ / name;
            if (!fs::exists(from, ec)) continue;
            fsync_path(from, false);
            fs::create_directories(to.parent_path(), ec);
            fs::rename(from, to, ec);
            if (ec)
                throw InputError(to.string(), "cannot move output into place: " + ec.message(),
                                 "check the folder's permissions");
        }
        for (const std::string& name : discarded_) fs::remove(dir_ / name, ec);
        committed_ = true;
        return;
    }

    // 1. The staged files reach the disk before anything points at them.
    for (const std::string& name : names_) {
        const fs::path p = staging_ / name;
        if (fs::is_regular_file(p, ec)) fsync_path(p, false);
    }
    // 2. Carry over what this run leaves alone: hard links to the current version's files.
    const bool existed = fs::is_directory(dir_, ec);
    if (existed) {
        std::set<std::string> skip(names_.begin(), names_.end());
        skip.insert(discarded_.begin(), discarded_.end());
        for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end;
             it.increment(ec)) {
            const fs::path rel = it->path().lexically_relative(dir_);
            const std::string r = rel.string();
            if (starts_with(rel.begin()->string(), ".lc15-partial-")) {
                it.disable_recursion_pending();
                continue;
            }
            if (skip.count(r)) {
                it.disable_recursion_pending();
                continue;
            }
            const fs::path to = staging_ / rel;
            std::error_code e2;
            if (it->is_symlink(e2)) {
                if (!fs::exists(fs::symlink_status(to, e2))) fs::copy_symlink(it->path(), to, e2);
            } else if (it->is_directory(e2)) {
                fs::create_directories(to, e2);
            } else if (!fs::exists(to, e2)) {
                fs::create_hard_link(it->path(), to, e2);
                if (e2) fs::copy_file(it->path(), to, e2);
            }
            if (e2)
                throw InputError(dir_.string(),
                                 "cannot keep " + r + " in the new version: " + e2.message(),
                                 "check free disk space and the folder's permissions");
        }
        if (ec)
            throw InputError(dir_.string(), "cannot read the output folder: " + ec.message(),
                             "check the folder's permissions");
        fs::permissions(staging_, fs::status(dir_, ec).permissions(), ec);
    }
    fsync_path(staging_, true);
    if (const char* f = fault("LC15_FAULT_COMMIT"); f && std::string(f) == "1") {
        throw InputError(dir_.string(), "cannot switch the output folder (injected fault)",
                         "unset LC15_FAULT_COMMIT");
    }
    // 3. The switch: one rename(2).
    const fs::path old = dir_.parent_path() / ("." + dir_.filename().string() + ".lc15-old-" +
                                               std::to_string(::getpid()));
    if (!existed) {
        if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
            throw InputError(
                dir_.string(),
                std::string("cannot move the outputs into place: ") + std::strerror(errno),
                "check the folder's permissions");
        }
    } else if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) ==
               0) {
        ::rename(staging_.c_str(), old.c_str());  // the old version, under a name of its own
    } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
        // No RENAME_EXCHANGE on this file system: two renames, DIR briefly missing.
        if (::rename(dir_.c_str(), old.c_str()) != 0 ||
            ::rename(staging_.c_str(), dir_.c_str()) != 0) {
            const int err = errno;
            if (!fs::exists(dir_, ec)) ::rename(old.c_str(), dir_.c_str());
            throw InputError(
                dir_.string(),
                std::string("cannot move the outputs into place: ") + std::strerror(err),
                "check the folder's permissions");
        }
    } else {
        throw InputError(dir_.string(),
                         std::string("cannot switch to the new outputs: ") + std::strerror(errno),
                         "check the folder's permissions");
    }
    fsync_path(dir_.parent_path(), true);
    committed_ = true;
    unregister_staging(signal_slot_);
    signal_slot_ = -1;
    fs::remove_all(old, ec);
    fs::remove_all(staging_, ec);
}

namespace {

// Writes and closes `path`, checking each step; errors name `shown`.
void write_checked(const fs::path& path, const std::string& content, const fs::path& shown) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        throw InputError(shown.string(), std::string("cannot write: ") + std::strerror(errno),
                         "choose a folder you can write to");
    const std::size_t n = std::fwrite(content.data(), 1, content.size(), f);
    int err = n == content.size() ? 0 : errno;
    if (std::fflush(f) != 0 && err == 0) err = errno;
    if (std::fclose(f) != 0 && err == 0) err = errno;
    if (err != 0 || n != content.size()) {
        throw InputError(shown.string(),
                         std::string("write failed: ") + std::strerror(err ? err : EIO) + " (" +
                             std::to_string(n) + " of " + std::to_string(content.size()) +
                             " bytes written)",
                         "free disk space or choose another folder; nothing was replaced");
    }
}

}  // namespace

void write_text(const fs::path& path, const std::string& content) {
    write_checked(path, content, path);
}

std::string escape_xml(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '<':
                o += "&lt;";
                break;
            case '>':
                o += "&gt;";
                break;
            case '&':
                o += "&amp;";
                break;
            case '"':
                o += "&quot;";
                break;
            default:
                o += c;
        }
    }
    return o;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
    const fs::path tmp = path.string() + ".lc15-tmp-" + std::to_string(::getpid());
    try {
        write_checked(tmp, content, path);
    } catch (const InputError&) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
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
