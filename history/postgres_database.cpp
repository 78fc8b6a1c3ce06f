// lc15 history — the PostgreSQL back end (libpq), for a bureau's server that several machines
// and desk tools read. Same statements as SQLite: `?` placeholders become $1, $2, …; values
// travel as text (doubles printed shortest-exact, so they come back bit-identical).
#include <libpq-fe.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/error.hpp"
#include "history/database.hpp"

namespace lc15::history::detail {
namespace {

std::string numbered(const std::string& sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int k = 0;
    bool quoted = false;
    for (char ch : sql) {
        if (ch == '\'') quoted = !quoted;
        if (ch == '?' && !quoted) {
            out += "$" + std::to_string(++k);
        } else {
            out += ch;
        }
    }
    return out;
}

class Postgres : public Database {
  public:
    explicit Postgres(const std::string& url) : where_(Database::redact(url)) {
        conn_ = PQconnectdb(url.c_str());
        if (PQstatus(conn_) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(conn_);
            while (!msg.empty() && msg.back() == '\n') msg.pop_back();
            PQfinish(conn_);
            conn_ = nullptr;
            throw InputError(where_, "cannot connect to the PostgreSQL history: " + msg,
                             "check the URL (postgresql://user@host:port/database), that the "
                             "server runs and that the database exists");
        }
        exec_script("SET client_min_messages = warning");
    }
    ~Postgres() override {
        if (in_tx_) PQclear(PQexec(conn_, "ROLLBACK"));
        PQfinish(conn_);
    }
    const char* backend() const override { return "postgresql"; }
    std::string where() const override { return where_; }

    void exec_script(const std::string& sql) override {
        PGresult* r = PQexec(conn_, sql.c_str());
        check(r, sql);
        PQclear(r);
    }
    void exec(const std::string& sql, const std::vector<Value>& params) override {
        PQclear(run(sql, params));
    }
    void exec_many(const std::string& sql, const std::vector<Row>& rows) override {
        for (const Row& r : rows) PQclear(run(sql, r));
    }
    Rows query(const std::string& sql, const std::vector<Value>& params) override {
        PGresult* r = run(sql, params);
        Rows out;
        const int n = PQntuples(r), m = PQnfields(r);
        out.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            Row row;
            row.reserve(static_cast<std::size_t>(m));
            for (int c = 0; c < m; ++c) {
                if (PQgetisnull(r, i, c))
                    row.emplace_back();
                else
                    row.emplace_back(std::string(PQgetvalue(r, i, c),
                                                 static_cast<std::size_t>(PQgetlength(r, i, c))));
            }
            out.push_back(std::move(row));
        }
        PQclear(r);
        return out;
    }
    void begin() override {
        exec_script("BEGIN");
        in_tx_ = true;
    }
    void commit() override {
        exec_script("COMMIT");
        in_tx_ = false;
    }
    void rollback() override {
        if (!in_tx_) return;
        in_tx_ = false;
        exec_script("ROLLBACK");
    }
    bool try_lock(const std::string& me, std::string& holder) override {
        // A session advisory lock: the server drops it when the connection ends (also when
        // the process is killed). The holder's text sits in a one-row table beside it.
        const Rows r = query("SELECT pg_try_advisory_lock(?)", {Value(kLockKey)});
        const bool got = !r.empty() && (r[0][0].as_text() == "t" || r[0][0].as_text() == "true");
        if (!got) {
            Rows h;
            try {
                h = query("SELECT holder FROM lc15_lock", {});
            } catch (const std::exception&) {
            }
            holder = h.empty() ? "another process" : h[0][0].as_text();
            return false;
        }
        exec_script("CREATE TABLE IF NOT EXISTS lc15_lock (holder TEXT)");
        exec("DELETE FROM lc15_lock", {});
        exec("INSERT INTO lc15_lock (holder) VALUES (?)", {Value(me)});
        locked_ = true;
        return true;
    }
    void unlock() override {
        if (!locked_) return;
        locked_ = false;
        exec("DELETE FROM lc15_lock", {});
        exec("SELECT pg_advisory_unlock(?)", {Value(kLockKey)});
    }

  private:
    static constexpr std::int64_t kLockKey = 0x6c6331356e697467;  // "lc15nitg"

    PGresult* run(const std::string& sql, const std::vector<Value>& params) {
        std::vector<std::string> text(params.size());
        std::vector<const char*> ptr(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (params[i].is_null()) continue;
            const auto* d = std::get_if<double>(&params[i].raw());
            if (d && !std::isfinite(*d)) continue;  // NULL, like SQLite
            text[i] = params[i].as_text();
            ptr[i] = text[i].c_str();
        }
        const std::string q = numbered(sql);
        PGresult* r = PQexecParams(conn_, q.c_str(), static_cast<int>(params.size()), nullptr,
                                   ptr.data(), nullptr, nullptr, 0);
        check(r, sql);
        return r;
    }
    void check(PGresult* r, const std::string& sql) {
        const auto s = PQresultStatus(r);
        if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return;
        std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
        while (!msg.empty() && msg.back() == '\n') msg.pop_back();
        const char* field = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        const std::string state = field ? field : "";  // copied: PQclear frees the field
        PQclear(r);
        if (state == "53100")  // disk_full
            throw InputError(where_, "cannot write the history: " + msg,
                             "free disk space on the server; the history is unchanged");
        throw std::runtime_error(where_ + ": " + msg + " in: " + sql.substr(0, 200));
    }

    std::string where_;
    PGconn* conn_ = nullptr;
    bool in_tx_ = false;
    bool locked_ = false;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url) {
    return std::make_unique<Postgres>(url);
}

}  // namespace lc15::history::detail
