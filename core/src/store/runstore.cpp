#include "fbnet/runstore.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <cctype>
#include <filesystem>
#include <sstream>

#include <sqlite3.h>
#include <unistd.h>

#include "fbnet/closest.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"
#include "store/runstoreimpl.h"

namespace fbnet {

using detail::json;
namespace fs = std::filesystem;

std::string contentHash(const std::string &text)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return buf;
}

std::string runNameProblem(const std::string &name)
{
    if (name.empty())
        return "expected a non-empty run name";
    if (name.size() > 200)
        return "expected a run name of at most 200 bytes";
    if (!detail::validUtf8(name))
        return "expected UTF-8 text, got " + detail::printableName(name);
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            return "a run name is one line of printable text; got " + detail::printableName(name);
    return {};
}

static void checkRunName(const std::string &path, const std::string &name)
{
    if (const std::string problem = runNameProblem(name); !problem.empty())
        throw Error::at(path, "name", problem);
}

std::string isoNow()
{
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

// Schema history. Each entry takes a database from version i to i + 1; never edit a released
// entry, append a new one. tests/core/data/runs-v1.sql is a database as version 1 wrote it.
const char *const kMigrations[] = {
    // 0 -> 1: searches and what they produced
    R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
  space TEXT, dataset TEXT, lut_device TEXT, lut_hash TEXT, seed INTEGER, config TEXT, invocation TEXT,
  versions TEXT, created_at TEXT, updated_at TEXT, epochs_planned INTEGER, epochs_completed INTEGER DEFAULT 0,
  seconds REAL DEFAULT 0, theta TEXT, error TEXT);
CREATE TABLE epochs(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, temperature REAL,
  weights_loss REAL, weights_acc REAL, theta_loss REAL, theta_acc REAL, theta_trained INTEGER,
  expected_ms REAL, argmax TEXT, argmax_ms REAL, seconds REAL, PRIMARY KEY(run_id, epoch));
CREATE TABLE steps(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER, phase TEXT, step INTEGER,
  loss REAL, ce REAL, acc REAL, expected_ms REAL, temperature REAL, images_per_s REAL);
CREATE INDEX steps_by_run ON steps(run_id, epoch);
CREATE TABLE theta_snapshots(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, probabilities TEXT,
  PRIMARY KEY(run_id, epoch));
CREATE TABLE architectures(
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, role TEXT, name TEXT,
  arch TEXT, macs INTEGER, params INTEGER, lut_ms REAL, log_prob REAL);
)sql",
    // 1 -> 2: resumable runs and trained architectures
    R"sql(
ALTER TABLE runs ADD COLUMN checkpoint TEXT;
CREATE TABLE evaluations(
  id INTEGER PRIMARY KEY, arch_id INTEGER NOT NULL REFERENCES architectures(id) ON DELETE CASCADE,
  dataset TEXT, epochs INTEGER, top1 REAL, device TEXT, lut_ms REAL, measured_ms REAL, weights TEXT,
  seconds REAL, created_at TEXT);
CREATE INDEX evaluations_by_arch ON evaluations(arch_id);
)sql",
    // 2 -> 3: which process runs a run, so that a killed one shows as interrupted
    R"sql(
ALTER TABLE runs ADD COLUMN owner TEXT;
)sql",
    // 3 -> 4: how each evaluation was trained, so that reuse compares like with like
    R"sql(
ALTER TABLE evaluations ADD COLUMN protocol TEXT;
)sql",
    // 4 -> 5: family searches (one theta per latency target): each epoch's per-target record, each
    // step's E[latency] per target, each architecture's target
    R"sql(
ALTER TABLE theta_snapshots ADD COLUMN family TEXT;
ALTER TABLE steps ADD COLUMN family_ms TEXT;
ALTER TABLE architectures ADD COLUMN target REAL;
)sql",
    // 5 -> 6: choosers' scores per architecture; tags and notes on runs; a content hash of each
    // evaluation's weights file (checked before export)
    R"sql(
CREATE TABLE scores(
  id INTEGER PRIMARY KEY, arch_id INTEGER NOT NULL REFERENCES architectures(id) ON DELETE CASCADE,
  chooser TEXT NOT NULL, source TEXT, value REAL, detail TEXT, created_at TEXT);
CREATE INDEX scores_by_arch ON scores(arch_id);
ALTER TABLE runs ADD COLUMN tags TEXT;
ALTER TABLE runs ADD COLUMN notes TEXT;
ALTER TABLE evaluations ADD COLUMN weights_hash TEXT;
)sql",
};
static_assert(sizeof kMigrations / sizeof *kMigrations == RunStore::kSchemaVersion);

const char *kRunColumns = "id, name, kind, status, space, dataset, lut_device, lut_hash, seed, config, invocation, versions, "
                          "created_at, updated_at, epochs_planned, epochs_completed, seconds, checkpoint, theta, error, owner";

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat); empty if gone or a zombie. */
std::string processStartTicks(long pid)
{
    std::FILE *f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f)
        return {};
    char buf[1024];
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const char *p = std::strrchr(buf, ')');
    if (!p)
        return {};
    std::istringstream in(p + 1);
    std::string field;
    for (int i = 3; i <= 22 && (in >> field); ++i) {
        if (i == 3 && (field == "Z" || field == "X"))
            return {};  // a zombie (dead, not yet reaped by its parent) never runs again
        if (i == 22)
            return field;
    }
    return {};
}

std::string hostName()
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

/** This process as a run's owner: host, pid and start time (the start time tells a reused pid apart). */
std::string ownerToken()
{
    // Not cached: a forked child must not inherit its parent's token.
    return hostName() + ":" + std::to_string(::getpid()) + ":" + processStartTicks(::getpid());
}

/** The host part of an owner token ("" if it is not one). */
std::string ownerHost(const std::string &token)
{
    const auto b = token.rfind(':');
    const auto a = b == std::string::npos || b == 0 ? std::string::npos : token.rfind(':', b - 1);
    return a == std::string::npos ? std::string() : token.substr(0, a);
}

} // namespace

/** Whether the process an owner token names has surely ended: same host, and no process with that pid and start time. */
bool detail::ownerGone(const std::string &token)
{
    const auto b = token.rfind(':');
    const auto a = b == std::string::npos || b == 0 ? std::string::npos : token.rfind(':', b - 1);
    if (a == std::string::npos || token.substr(0, a) != hostName())
        return false;  // unknown, or another machine's process: cannot tell
    const long pid = std::atol(token.substr(a + 1, b - a - 1).c_str());
    return pid <= 0 || processStartTicks(pid) != token.substr(b + 1);
}

bool ownedByThisProcess(const RunInfo &run)
{
    return !run.owner.empty() && run.owner == ownerToken();
}

namespace {

/** Why a run recorded as running cannot be taken over (empty: it can, e.g. forced and on another host). */
std::string liveOwnerProblem(const RunInfo &r, bool forceTakeover)
{
    if (r.status != "running")
        return {};
    const std::string host = ownerHost(r.owner);
    if (!host.empty() && host != hostName()) {
        if (forceTakeover)
            return {};
        return "is recorded as running on host " + host + " (process " + r.owner + "), which cannot be checked from here; if that "
               "process is gone, take the run over explicitly (a forced takeover)";
    }
    return "is running in process " + r.owner + " (host:pid:start); stop it there first. A run whose process was killed shows as "
           "interrupted";
}

} // namespace


/**
 * Opens an existing store for reading only: no WAL switch, no migration, no temporaries removed. A
 * store in a folder nobody may write to (archived, shared) is opened immutable when it has no
 * write-ahead log beside it (nothing can be writing it); one with a log needs that log's folder.
 */
static sqlite3 *openReadOnly(const std::string &path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error::at(path, "", "no runs database here (reading creates none)");
    const fs::path p(path);
    const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
    const bool dirWritable = ::access(dir.c_str(), W_OK) == 0;
    const bool hasWal = fs::exists(path + "-wal", ec);
    std::string uri = "file:";
    for (unsigned char c : fs::absolute(p).string()) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_')
            uri += char(c);
        else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            uri += buf;
        }
    }
    uri += (!dirWritable && !hasWal) ? "?immutable=1" : "?mode=ro";
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw Error::at(path, "", "cannot open the runs database for reading: " + msg);
    }
    return db;
}

RunStore::RunStore(const std::string &path, Access access) : d(std::make_unique<Impl>()), m_path(path)
{
    d->path = path;
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec))
        throw Error::at(path, "", "expected a runs database file, found a directory");
    if (access == Access::ReadOnly) {
        d->db = openReadOnly(path);
        try {
            sqlite3_busy_timeout(d->db, 10000);
            const int version = d->userVersion();
            if (version != kSchemaVersion)
                throw Error::at(path, "user_version",
                                "schema version " + std::to_string(version) + "; this build reads version " + std::to_string(kSchemaVersion)
                                    + (version < kSchemaVersion && version > 0 ? " (open it once where it may be written, to migrate it)" : ""));
            d->exec("PRAGMA foreign_keys=ON");
        } catch (const Error &) {
            sqlite3_close(d->db);
            d->db = nullptr;
            throw;
        } catch (const std::exception &) {
            sqlite3_close(d->db);
            d->db = nullptr;
            throw Error::at(path, "", "not an fbnet-studio runs database; nothing was changed");
        }
        return;
    }
    const bool existed = fs::exists(p, ec);
    if (!existed && p.has_parent_path()) {
        fs::create_directories(p.parent_path(), ec);
        if (ec)
            throw Error::at(path, "", "cannot create the directory for the runs database (" + ec.message() + ")");
    }
    const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
    if (::access(dir.c_str(), W_OK) != 0 || (existed && ::access(path.c_str(), W_OK) != 0))
        throw Error::at(path, "writable", "the runs database must be writable (and its directory, for the WAL journal); "
                                          "commands that only read (runs list/show, export, rank --report) open it read-only");
    if (sqlite3_open_v2(path.c_str(), &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string msg = d->db ? sqlite3_errmsg(d->db) : "out of memory";
        sqlite3_close(d->db);
        d->db = nullptr;
        throw Error::at(path, "", "cannot open the runs database: " + msg);
    }
    try {
        sqlite3_busy_timeout(d->db, 10000);
        int version = 0;
        std::int64_t objects = 0;
        try {
            // One statement, one snapshot: a store another process is creating right now reads
            // either as empty or as complete, never as "tables without a version".
            Impl::Stmt s(*d, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)");
            if (s.step()) {
                version = int(s.i64(0));
                objects = s.i64(1);
            }
        } catch (const Error &) {
            throw Error::at(path, "", std::string("not an fbnet-studio runs database (SQLite says: ") + sqlite3_errmsg(d->db) + "); nothing was changed");
        }
        if (version > kSchemaVersion)
            throw Error::at(path, "user_version",
                            "schema version " + std::to_string(version) + " was written by a newer fbnet-studio; this build reads versions up to "
                                + std::to_string(kSchemaVersion) + ". Nothing was changed.");
        // A damaged header can hold a negative version (it indexed the migrations out of bounds).
        if (version < 0)
            throw Error::at(path, "user_version",
                            "schema version " + std::to_string(version) + " is not one fbnet-studio writes; the file is damaged or not a runs store. "
                            "Nothing was changed.");
        // A non-empty file without our version must not be taken over.
        if (version == 0 && objects > 0)
            throw Error::at(path, "user_version", "an SQLite database that is not an fbnet-studio runs store; nothing was changed");
        // Switching a new file to WAL needs a lock that SQLite does not wait for (no busy handler,
        // to avoid deadlocks): several processes opening a new store at once retry here.
        for (int attempt = 0;; ++attempt) {
            const int rc = sqlite3_exec(d->db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
            if (rc == SQLITE_OK)
                break;
            if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 1000)
                d->fail("journal_mode");
            ::usleep(10000);
        }
        d->exec("PRAGMA synchronous=NORMAL");
        d->exec("PRAGMA foreign_keys=ON");
        if (version < kSchemaVersion) {
            // Another process may be creating or migrating the same store right now: decide again
            // under the write lock, so exactly one of them runs the migrations.
            Impl::Transaction t(*d);
            version = d->userVersion();
            if (version > kSchemaVersion || version < 0)
                throw Error::at(path, "user_version", "schema version " + std::to_string(version) + " is not one this build can migrate");
            for (int v = version; v < kSchemaVersion; ++v)
                d->exec(kMigrations[v]);
            if (version < kSchemaVersion)
                d->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
            t.commit();
        }
    } catch (...) {
        sqlite3_close(d->db);
        d->db = nullptr;
        throw;
    }
    removeStaleTemporaries(checkpointDir());
}

RunStore::~RunStore()
{
    if (d && d->db)
        sqlite3_close(d->db);
}

std::string RunStore::defaultPath()
{
    return userDataDir() + "/runs.sqlite";
}

int RunStore::schemaVersion() const
{
    return d->userVersion();
}

std::int64_t RunStore::createRun(RunInfo info)
{
    Impl::Transaction t(*d);
    const bool autoName = info.name.empty();
    if (autoName)
        info.name = "run-pending-" + contentHash(isoNow() + std::to_string(::getpid()) + std::to_string(std::rand()));
    else {
        checkRunName(m_path, info.name);
        Impl::Stmt q(*d, "SELECT id FROM runs WHERE name = ?");
        q.bind(1, info.name);
        if (q.step())
            throw Error::at(m_path, "name", "a run named '" + info.name + "' exists already (id " + std::to_string(q.i64(0)) + ")");
    }
    if (info.createdAt.empty())
        info.createdAt = isoNow();
    Impl::Stmt s(*d, "INSERT INTO runs(name, kind, status, space, dataset, lut_device, lut_hash, seed, config, invocation, versions, "
                     "created_at, updated_at, epochs_planned, epochs_completed, seconds, checkpoint, owner) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, info.name).bind(2, info.kind).bind(3, info.status).bind(4, info.space).bind(5, info.dataset);
    s.bind(6, info.lutDevice).bind(7, info.lutHash).bind(8, std::int64_t(info.seed)).bind(9, info.configJson);
    s.bind(10, info.invocationJson).bind(11, info.versions).bind(12, info.createdAt).bind(13, info.createdAt);
    s.bind(14, info.epochsPlanned).bind(15, info.epochsCompleted).bind(16, info.seconds).bind(17, info.checkpointPath);
    s.bind(18, info.status == "running" ? ownerToken() : std::string());
    s.run();
    const std::int64_t id = sqlite3_last_insert_rowid(d->db);
    if (autoName) {
        Impl::Stmt u(*d, "UPDATE runs SET name = ? WHERE id = ?");
        u.bind(1, "run-" + std::to_string(id)).bind(2, id).run();
    }
    t.commit();
    return id;
}

RunInfo RunStore::run(std::int64_t id) const
{
    Impl::Stmt s(*d, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
    s.bind(1, id);
    if (!s.step())
        throw Error::at(m_path, "run", "no run with id " + std::to_string(id));
    return d->readRun(s);
}

RunInfo RunStore::run(const std::string &nameOrId) const
{
    {
        Impl::Stmt s(*d, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE name = ?").c_str());
        s.bind(1, nameOrId);
        if (s.step())
            return d->readRun(s);
    }
    char *end = nullptr;
    const long long id = std::strtoll(nameOrId.c_str(), &end, 10);
    if (!nameOrId.empty() && end && *end == '\0') {
        Impl::Stmt s(*d, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
        s.bind(1, std::int64_t(id));
        if (s.step())
            return d->readRun(s);
    }
    std::vector<std::string> names;
    for (const auto &r : runs())
        names.push_back(r.name);
    const std::string near = closestMatch(nameOrId, names);
    throw Error::at(m_path, "run", "no run named or numbered '" + nameOrId + "'"
                                       + (near.empty() ? std::string(" (fbnet runs list shows them)") : "; did you mean '" + near + "'?"));
}

std::vector<RunInfo> RunStore::runs() const
{
    Impl::Stmt s(*d, (std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id").c_str());
    std::vector<RunInfo> out;
    while (s.step())
        out.push_back(d->readRun(s));
    return out;
}

void RunStore::renameRun(std::int64_t id, const std::string &name)
{
    checkRunName(m_path, name);
    run(id);
    Impl::Stmt q(*d, "SELECT id FROM runs WHERE name = ? AND id != ?");
    q.bind(1, name).bind(2, id);
    if (q.step())
        throw Error::at(m_path, "name", "a run named '" + name + "' exists already (id " + std::to_string(q.i64(0)) + ")");
    Impl::Stmt s(*d, "UPDATE runs SET name = ?, updated_at = ? WHERE id = ?");
    s.bind(1, name).bind(2, isoNow()).bind(3, id).run();
}

void RunStore::deleteRun(std::int64_t id, bool forceTakeover)
{
    Impl::Transaction t(*d);
    const RunInfo r = run(id);
    if (const std::string why = liveOwnerProblem(r, forceTakeover); !why.empty())
        throw Error::at(m_path, "owner of run " + r.name, why + "; it was not deleted");
    // The weights its evaluations keep in weightsDir() go with it (files elsewhere are the user's).
    std::vector<std::string> kept;
    const fs::path dir = fs::path(weightsDir()).lexically_normal();
    for (const auto &a : architectures(id))
        for (const auto &e : evaluations(a.id))
            if (!e.weightsPath.empty() && fs::path(e.weightsPath).lexically_normal().parent_path() == dir)
                kept.push_back(e.weightsPath);
    Impl::Stmt s(*d, "DELETE FROM runs WHERE id = ?");
    s.bind(1, id).run();
    t.commit();
    std::error_code ec;
    if (!r.checkpointPath.empty())
        fs::remove(r.checkpointPath, ec);
    for (const auto &file : kept)
        fs::remove(file, ec);
}

RunInfo RunStore::claimRun(std::int64_t id, bool forceTakeover)
{
    Impl::Transaction t(*d);
    const RunInfo r = run(id);
    if (r.status == "finished")
        throw Error::at(m_path, "run " + r.name, "finished already; nothing to resume");
    if (const std::string why = liveOwnerProblem(r, forceTakeover); !why.empty())
        throw Error::at(m_path, "owner of run " + r.name, why);
    Impl::Stmt s(*d, "UPDATE runs SET status = 'running', error = '', updated_at = ?, owner = ? WHERE id = ?");
    s.bind(1, isoNow()).bind(2, ownerToken()).bind(3, id).run();
    t.commit();
    return r;
}

void RunStore::setStatus(std::int64_t id, const std::string &status, const std::string &error)
{
    // A run set running belongs to this process from now on (a resume in another process takes it over).
    Impl::Stmt s(*d, "UPDATE runs SET status = ?, error = ?, updated_at = ?, owner = CASE WHEN ? THEN ? ELSE owner END WHERE id = ?");
    s.bind(1, status).bind(2, error).bind(3, isoNow()).bind(4, status == "running" ? 1 : 0).bind(5, ownerToken()).bind(6, id).run();
}

void RunStore::setCheckpointPath(std::int64_t id, const std::string &path)
{
    Impl::Stmt s(*d, "UPDATE runs SET checkpoint = ? WHERE id = ?");
    s.bind(1, path.empty() ? std::string() : fs::path(path).filename().string()).bind(2, id).run();
}

void RunStore::setSeconds(std::int64_t id, double seconds)
{
    Impl::Stmt s(*d, "UPDATE runs SET seconds = ?, updated_at = ? WHERE id = ?");
    s.bind(1, seconds).bind(2, isoNow()).bind(3, id).run();
}

int removeStaleTemporaries(const std::string &dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return 0;
    int removed = 0;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto at = name.rfind(".tmp.");
        if (at == std::string::npos || at + 5 >= name.size())
            continue;
        const std::string pidText = name.substr(at + 5);
        if (pidText.find_first_not_of("0123456789") != std::string::npos || pidText.size() > 9)
            continue;
        const long pid = std::atol(pidText.c_str());
        if (pid > 0 && pid != ::getpid() && processStartTicks(pid).empty()) {
            std::error_code rmec;
            if (fs::remove(it->path(), rmec))
                ++removed;
        }
    }
    return removed;
}

} // namespace fbnet
