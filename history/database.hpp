// lc15 history — one small SQL interface over the two back ends of the nightly history: an
// embedded SQLite file (the default) and a PostgreSQL server (`postgresql://…`).
//
//   std::unique_ptr<Database> db = open_database("history.sqlite");   // or postgresql://…
//   db->begin();
//   db->exec("INSERT INTO runs (run_id, city) VALUES (?, ?)", {Value(1), Value("营口")});
//   Rows r = db->query("SELECT run_id, city FROM runs WHERE city = ?", {Value("营口")});
//   db->commit();                      // or rollback(); the destructor rolls back an open one
//
// Statements are written once, with `?` placeholders and the SQL both servers share
// (INTEGER, DOUBLE PRECISION, TEXT); the PostgreSQL back end numbers the placeholders ($1…).
// Values travel typed (integer, double, text, null); PostgreSQL's text results convert back on
// access (doubles round-trip: PostgreSQL 12+ prints the shortest exact form).
// The lock (try_lock/unlock) keeps two nightly runs apart: SQLite holds flock(2) on
// HISTORY.lock beside the file, PostgreSQL a session advisory lock; both are released by the
// kernel or the server when the process dies, so a kill -9 never leaves a stale lock.
// Errors: InputError for a history that cannot be opened (names it, says the fix);
// std::runtime_error for a failed statement (an internal error). Thread safety: one Database
// per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lc15::history {

/// A statement parameter or a result cell.
class Value {
  public:
    Value() = default;  // NULL
    Value(std::int64_t v) : v_(v) {}
    Value(int v) : v_(std::int64_t(v)) {}
    Value(std::size_t v) : v_(std::int64_t(v)) {}
    Value(double v) : v_(v) {}
    Value(bool v) : v_(std::int64_t(v)) {}
    Value(std::string v) : v_(std::move(v)) {}
    Value(const char* v) : v_(std::string(v)) {}
    /// NULL when `v` is empty.
    static Value optional(std::optional<double> v) { return v ? Value(*v) : Value(); }

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    std::int64_t as_int() const;  ///< 0 for NULL; text is parsed
    double as_double() const;     ///< NaN for NULL; text is parsed
    std::string as_text() const;  ///< "" for NULL; numbers printed exactly
    std::optional<double> as_optional_double() const;
    const std::variant<std::monostate, std::int64_t, double, std::string>& raw() const {
        return v_;
    }

  private:
    std::variant<std::monostate, std::int64_t, double, std::string> v_;
};

using Row = std::vector<Value>;
using Rows = std::vector<Row>;

class Database {
  public:
    virtual ~Database() = default;
    /// "sqlite" or "postgresql".
    virtual const char* backend() const = 0;
    /// Where it is, for messages (the file, or the URL without its password).
    virtual std::string where() const = 0;
    /// One or more statements without parameters.
    virtual void exec_script(const std::string& sql) = 0;
    virtual void exec(const std::string& sql, const std::vector<Value>& params = {}) = 0;
    /// The same statement for each row of `rows` (prepared once).
    virtual void exec_many(const std::string& sql, const std::vector<Row>& rows) = 0;
    virtual Rows query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    /// Takes the history's run lock without waiting: true if taken; otherwise `holder` gets
    /// what the holder wrote ("pid 123 on host since 2026-12-01T02:00:00Z").
    virtual bool try_lock(const std::string& me, std::string& holder) = 0;
    virtual void unlock() = 0;
    /// The history as it may be printed: a URL without its password.
    static std::string redact(const std::string& history);
};

/// A path (SQLite, created if missing) or a postgresql:// / postgres:// URL.
std::unique_ptr<Database> open_database(const std::string& history);
bool is_postgres_url(const std::string& history);

namespace detail {
std::unique_ptr<Database> open_sqlite(const std::string& path);
std::unique_ptr<Database> open_postgres(const std::string& url);
}  // namespace detail

}  // namespace lc15::history
