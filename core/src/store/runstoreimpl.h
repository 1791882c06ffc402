#pragma once
// Private: the run store's SQLite connection, statements and row readers, shared by the files
// that implement RunStore (runstore.cpp: schema, runs and their ownership; runrecords.cpp:
// epochs, steps, architectures, evaluations).

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "fbnet/error.h"
#include "fbnet/runstore.h"

namespace fbnet {

namespace detail {
/** Whether the process an owner token ("host:pid:start") names has surely ended. */
bool ownerGone(const std::string &token);
} // namespace detail

struct RunStore::Impl
{
    sqlite3 *db = nullptr;
    std::string path;

    [[noreturn]] void fail(const std::string &what) const
    {
        throw Error::at(path, what, sqlite3_errmsg(db));
    }

    void exec(const std::string &sql) const
    {
        char *err = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw Error::at(path, "sql", msg);
        }
    }

    /** A prepared statement with positional binding. */
    class Stmt
    {
    public:
        Stmt(const Impl &impl, const char *sql) : m_impl(impl)
        {
            if (sqlite3_prepare_v2(impl.db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
                impl.fail("prepare");
        }
        ~Stmt() { sqlite3_finalize(m_stmt); }
        Stmt &bind(int i, std::int64_t v) { check(sqlite3_bind_int64(m_stmt, i, v)); return *this; }
        Stmt &bind(int i, int v) { return bind(i, std::int64_t(v)); }
        Stmt &bind(int i, double v) { check(sqlite3_bind_double(m_stmt, i, v)); return *this; }
        Stmt &bindNull(int i) { check(sqlite3_bind_null(m_stmt, i)); return *this; }
        Stmt &bind(int i, const std::string &v)
        {
            check(sqlite3_bind_text(m_stmt, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT));
            return *this;
        }
        /** true: a row is ready. */
        bool step()
        {
            const int rc = sqlite3_step(m_stmt);
            if (rc == SQLITE_ROW)
                return true;
            if (rc == SQLITE_DONE)
                return false;
            m_impl.fail("write");
        }
        void run()
        {
            step();
            sqlite3_reset(m_stmt);
        }
        std::int64_t i64(int c) const { return sqlite3_column_int64(m_stmt, c); }
        double dbl(int c) const { return sqlite3_column_double(m_stmt, c); }
        bool isNull(int c) const { return sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }
        std::string text(int c) const
        {
            const auto *p = sqlite3_column_text(m_stmt, c);
            return p ? reinterpret_cast<const char *>(p) : std::string();
        }

    private:
        void check(int rc)
        {
            if (rc != SQLITE_OK)
                m_impl.fail("bind");
        }
        const Impl &m_impl;
        sqlite3_stmt *m_stmt = nullptr;
    };

    /** BEGIN IMMEDIATE … COMMIT, rolled back if the scope is left by an exception. */
    class Transaction
    {
    public:
        explicit Transaction(const Impl &impl) : m_impl(impl) { impl.exec("BEGIN IMMEDIATE"); }
        ~Transaction()
        {
            if (!m_done)
                sqlite3_exec(m_impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        void commit()
        {
            m_impl.exec("COMMIT");
            m_done = true;
        }

    private:
        const Impl &m_impl;
        bool m_done = false;
    };

    int userVersion() const
    {
        Stmt s(*this, "PRAGMA user_version");
        return s.step() ? int(s.i64(0)) : 0;
    }

    RunInfo readRun(Stmt &s) const
    {
        RunInfo r;
        r.id = s.i64(0);
        r.name = s.text(1);
        r.kind = s.text(2);
        r.status = s.text(3);
        r.space = s.text(4);
        r.dataset = s.text(5);
        r.lutDevice = s.text(6);
        r.lutHash = s.text(7);
        r.seed = std::uint64_t(s.i64(8));
        r.configJson = s.text(9);
        r.invocationJson = s.text(10);
        r.versions = s.text(11);
        r.createdAt = s.text(12);
        r.updatedAt = s.text(13);
        r.epochsPlanned = int(s.i64(14));
        r.epochsCompleted = int(s.i64(15));
        r.seconds = s.dbl(16);
        r.checkpointPath = resolveCheckpoint(s.text(17));
        r.thetaJson = s.text(18);
        r.error = s.text(19);
        r.owner = s.text(20);
        if (r.status == "running" && detail::ownerGone(r.owner))
            r.status = "interrupted";
        return r;
    }
    StoredArchitecture readArchitecture(Stmt &s) const;

    /**
     * A recorded checkpoint, resolved in this store's folder. Only the file name counts: stores
     * before this rule recorded absolute paths, and a copy of such a store must not reach (or
     * delete) the original's checkpoint.
     */
    std::string resolveCheckpoint(const std::string &recorded) const
    {
        if (recorded.empty())
            return {};
        const std::string name = std::filesystem::path(recorded).filename().string();
        return name.empty() ? std::string() : path + "-checkpoints/" + name;
    }

    /** The steps of one epoch, replacing what was recorded for it (inside the caller's transaction). */
    void replaceSteps(std::int64_t runId, int epoch, const std::vector<StepStats> &steps) const
    {
        Stmt del(*this, "DELETE FROM steps WHERE run_id = ? AND epoch = ?");
        del.bind(1, runId).bind(2, epoch).run();
        Stmt s(*this, "INSERT INTO steps(run_id, epoch, phase, step, loss, ce, acc, expected_ms, temperature, images_per_s, family_ms) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
        for (const auto &st : steps) {
            s.bind(1, runId).bind(2, epoch).bind(3, std::string(st.phase == Phase::Weights ? "weights" : "theta"));
            s.bind(4, st.step).bind(5, st.loss).bind(6, st.crossEntropy).bind(7, st.accuracy).bind(8, st.expectedLatencyMs);
            s.bind(9, st.temperature).bind(10, st.imagesPerSecond);
            if (!st.familyLatencyMs.empty()) {
                std::string j = "[";
                for (std::size_t m = 0; m < st.familyLatencyMs.size(); ++m)
                    j += (m ? "," : "") + (std::isfinite(st.familyLatencyMs[m]) ? std::to_string(st.familyLatencyMs[m]) : std::string("null"));
                s.bind(11, j + "]");
            } else {
                s.bindNull(11);
            }
            s.run();
        }
    }
};

} // namespace fbnet
