// lc15 history — Value conversions, the back-end choice, and the SQLite back end.
#include "history/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "engine/error.hpp"

namespace lc15::history {

std::int64_t Value::as_int() const {
    if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
    if (auto* d = std::get_if<double>(&v_)) return static_cast<std::int64_t>(*d);
    if (auto* s = std::get_if<std::string>(&v_)) return std::strtoll(s->c_str(), nullptr, 10);
    return 0;
}

double Value::as_double() const {
    if (auto* d = std::get_if<double>(&v_)) return *d;
    if (auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
    if (auto* s = std::get_if<std::string>(&v_)) return std::strtod(s->c_str(), nullptr);
    return std::nan("");
}

std::optional<double> Value::as_optional_double() const {
    if (is_null()) return std::nullopt;
    return as_double();
}

std::string Value::as_text() const {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    if (auto* i = std::get_if<std::int64_t>(&v_)) return std::to_string(*i);
    if (auto* d = std::get_if<double>(&v_)) {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, *d);  // shortest exact
        return std::string(buf, r.ptr);
    }
    return {};
}

std::string Database::redact(const std::string& url) {
    // postgresql://user:secret@host/db -> postgresql://user@host/db
    if (!is_postgres_url(url)) return url;
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (at == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + url.substr(at);
}

bool is_postgres_url(const std::string& h) {
    return h.rfind("postgresql://", 0) == 0 || h.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Database> open_database(const std::string& history) {
    if (history.empty())
        throw InputError("--history", "no history given",
                         "give a file (history.sqlite) or postgresql://host/db");
    if (is_postgres_url(history)) return detail::open_postgres(history);
    return detail::open_sqlite(history);
}

namespace detail {
namespace {

class Sqlite : public Database {
  public:
    explicit Sqlite(std::string path) : path_(std::move(path)) {
        namespace fs = std::filesystem;
        const fs::path p(path_);
        if (fs::is_directory(p))
            throw InputError(path_, "is a folder, not a history file",
                             "give a file name, e.g. " + (p / "history.sqlite").string());
        if (!p.parent_path().empty() && !fs::is_directory(p.parent_path()))
            throw InputError(path_, "its folder does not exist",
                             "create " + p.parent_path().string() + " first");
        if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw InputError(path_, "cannot open the history: " + msg,
                             "check the path and that it is writable");
        }
        sqlite3_busy_timeout(db_, 30000);  // desk tools reading it hold short read locks
        // The rollback journal (not WAL): one file to copy, and a transaction cut short by
        // kill -9 or a full disk is rolled back on the next open.
        // A file that is not SQLite fails here, not in the middle of the run.
        try {
            query("SELECT count(*) FROM sqlite_master", {});
            exec_script("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
        } catch (const std::exception& e) {
            throw InputError(path_, std::string("not an SQLite history: ") + e.what(),
                             "give a new file name or an lc15 history");
        }
    }
    ~Sqlite() override {
        if (in_tx_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        for (auto& [sql, st] : cache_) sqlite3_finalize(st);
        sqlite3_close(db_);
        if (lock_fd_ >= 0) close(lock_fd_);
    }
    const char* backend() const override { return "sqlite"; }
    std::string where() const override { return path_; }

    void exec_script(const std::string& sql) override {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(path_ + ": " + msg + " in: " + sql.substr(0, 200));
        }
    }
    void exec(const std::string& sql, const std::vector<Value>& params) override {
        sqlite3_stmt* st = prepare(sql);
        bind(st, sql, params);
        step_all(st, sql, nullptr);
    }
    void exec_many(const std::string& sql, const std::vector<Row>& rows) override {
        sqlite3_stmt* st = prepare(sql);
        for (const Row& r : rows) {
            bind(st, sql, r);
            step_all(st, sql, nullptr);
        }
    }
    Rows query(const std::string& sql, const std::vector<Value>& params) override {
        sqlite3_stmt* st = prepare(sql);
        bind(st, sql, params);
        Rows out;
        step_all(st, sql, &out);
        return out;
    }
    void begin() override {
        exec_script("BEGIN IMMEDIATE");
        in_tx_ = true;
    }
    void commit() override {
        exec_script("COMMIT");
        in_tx_ = false;
    }
    void rollback() override {
        if (!in_tx_) return;
        in_tx_ = false;
        // SQLite may have rolled back by itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM).
        if (sqlite3_get_autocommit(db_)) return;
        exec_script("ROLLBACK");
    }
    bool try_lock(const std::string& me, std::string& holder) override {
        const std::string lock_path = path_ + ".lock";
        if (lock_fd_ < 0) {
            lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (lock_fd_ < 0)
                throw InputError(lock_path, "cannot create the run lock",
                                 "make the history's folder writable");
        }
        if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
            char buf[512];
            const ssize_t n = pread(lock_fd_, buf, sizeof buf - 1, 0);
            holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "another process";
            while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0'))
                holder.pop_back();
            return false;
        }
        const std::string text = me + "\n";
        if (ftruncate(lock_fd_, 0) != 0 ||
            pwrite(lock_fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
            throw InputError(lock_path, "cannot write the run lock", "check the free disk space");
        return true;
    }
    void unlock() override {
        if (lock_fd_ < 0) return;
        if (ftruncate(lock_fd_, 0) != 0) { /* the holder text is only informative */
        }
        flock(lock_fd_, LOCK_UN);
    }

  private:
    sqlite3_stmt* prepare(const std::string& sql) {
        for (auto& [s, st] : cache_)
            if (s == sql) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                return st;
            }
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(path_ + ": " + sqlite3_errmsg(db_) + " in: " + sql);
        cache_.emplace_back(sql, st);
        return st;
    }
    void bind(sqlite3_stmt* st, const std::string& sql, const std::vector<Value>& params) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(st))
            throw std::logic_error("wrong number of parameters for: " + sql);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int k = static_cast<int>(i) + 1;
            const auto& v = params[i].raw();
            int rc = SQLITE_OK;
            if (auto* x = std::get_if<std::int64_t>(&v))
                rc = sqlite3_bind_int64(st, k, *x);
            else if (auto* d = std::get_if<double>(&v)) {
                rc = std::isfinite(*d) ? sqlite3_bind_double(st, k, *d) : sqlite3_bind_null(st, k);
            } else if (auto* s = std::get_if<std::string>(&v))
                rc = sqlite3_bind_text(st, k, s->data(), static_cast<int>(s->size()),
                                       SQLITE_TRANSIENT);
            else
                rc = sqlite3_bind_null(st, k);
            if (rc != SQLITE_OK) throw std::runtime_error(path_ + ": " + sqlite3_errmsg(db_));
        }
    }
    void step_all(sqlite3_stmt* st, const std::string& sql, Rows* out) {
        for (;;) {
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) {
                const std::string msg = sqlite3_errmsg(db_);
                sqlite3_reset(st);
                if (rc == SQLITE_FULL || rc == SQLITE_IOERR)
                    throw InputError(path_, "cannot write the history: " + msg,
                                     "free disk space; the history is unchanged");
                throw std::runtime_error(path_ + ": " + msg + " in: " + sql.substr(0, 200));
            }
            if (!out) continue;
            Row row;
            const int n = sqlite3_column_count(st);
            row.reserve(static_cast<std::size_t>(n));
            for (int c = 0; c < n; ++c) {
                switch (sqlite3_column_type(st, c)) {
                    case SQLITE_INTEGER:
                        row.emplace_back(std::int64_t(sqlite3_column_int64(st, c)));
                        break;
                    case SQLITE_FLOAT:
                        row.emplace_back(sqlite3_column_double(st, c));
                        break;
                    case SQLITE_NULL:
                        row.emplace_back();
                        break;
                    default: {
                        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                        row.emplace_back(std::string(
                            t ? t : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
                    }
                }
            }
            out->push_back(std::move(row));
        }
        sqlite3_reset(st);
    }

    std::string path_;
    sqlite3* db_ = nullptr;
    std::vector<std::pair<std::string, sqlite3_stmt*>> cache_;
    bool in_tx_ = false;
    int lock_fd_ = -1;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path) {
    return std::make_unique<Sqlite>(path);
}

}  // namespace detail
}  // namespace lc15::history
