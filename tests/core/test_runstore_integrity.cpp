// The run store against careless and concurrent use: concurrent creation, copies and moves of a
// store, live runs, atomic claims, stale temporary files, damaged checkpoints.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbnet/checkpointfile.h"
#include "fbnet/error.h"
#include "fbnet/runstore.h"
#include "storefixtures.h"

using namespace fbnet;
namespace fs = std::filesystem;

namespace {

RunInfo stoppedRun(const std::string &name)
{
    RunInfo r;
    r.name = name;
    r.status = "stopped";
    r.space = "fbnet-cifar";
    r.configJson = "{}";
    return r;
}

/** Forks `n` children that each run `body` once the same start time is reached; their exit codes. */
template <typename F>
std::vector<int> inChildrenAtOnce(int n, F body)
{
    const auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            std::this_thread::sleep_until(start);
            int code = 3;
            try {
                code = body(i);
            } catch (const std::exception &e) {
                std::fprintf(stderr, "child %d: %s\n", i, e.what());
                code = 1;
            }
            ::_exit(code);
        }
        pids.push_back(pid);
    }
    std::vector<int> codes;
    for (pid_t pid : pids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return codes;
}

} // namespace

// Before: two processes creating one new store at the same moment failed with "table runs
// already exists" (the version was read outside the write transaction).
TEST(RunStoreIntegrity, ConcurrentOpenersOfANewStoreAllSucceed)
{
    for (int round = 0; round < 5; ++round) {
        const auto d = test::freshStoreDir("safety", "create" + std::to_string(round));
        const std::string db = (d / "runs.sqlite").string();
        const auto codes = inChildrenAtOnce(6, [&](int i) {
            RunStore s(db);
            s.createRun(stoppedRun("r" + std::to_string(i)));
            return 0;
        });
        for (int c : codes)
            EXPECT_EQ(c, 0) << "round " << round;
        RunStore s(db);
        EXPECT_EQ(s.runs().size(), 6u);
        EXPECT_EQ(s.integrityCheck(), "ok");
    }
}

// Checkpoints are found in the store's own folder: a copied store never reaches (or deletes)
// the original's checkpoint, and a moved store with its folder keeps finding its own.
TEST(RunStoreIntegrity, CheckpointsResolveInTheStoresOwnFolder)
{
    const auto d = test::freshStoreDir("safety", "copy");
    const auto original = d / "a" / "runs.sqlite";
    std::int64_t id = 0;
    {
        RunStore s(original.string());
        id = s.createRun(stoppedRun("r"));
        s.setCheckpointPath(id, s.checkpointDir() + "/run-1.ckpt");
        fs::create_directories(s.checkpointDir());
        std::ofstream(s.checkpointDir() + "/run-1.ckpt") << "weights";
        EXPECT_EQ(s.run(id).checkpointPath, original.string() + "-checkpoints/run-1.ckpt");
    }
    // A store from before this rule recorded the absolute path.
    test::execSql(original, "UPDATE runs SET checkpoint = '" + original.string() + "-checkpoints/run-1.ckpt'");
    fs::create_directories(d / "b");
    fs::copy_file(original, d / "b" / "copy.sqlite");
    {
        RunStore copy((d / "b" / "copy.sqlite").string());
        EXPECT_EQ(copy.run(id).checkpointPath, (d / "b" / "copy.sqlite").string() + "-checkpoints/run-1.ckpt");
        copy.deleteRun(id);
    }
    EXPECT_TRUE(fs::exists(original.string() + "-checkpoints/run-1.ckpt")) << "deleting in a copy removed the original's checkpoint";
    // Moved together (store and folder renamed): the run finds its checkpoint.
    fs::rename(d / "a", d / "moved");
    RunStore moved((d / "moved" / "runs.sqlite").string());
    EXPECT_TRUE(fs::exists(moved.run(id).checkpointPath)) << moved.run(id).checkpointPath;
}

TEST(RunStoreIntegrity, ALiveRunIsNeitherDeletedNorClaimedTwice)
{
    const auto d = test::freshStoreDir("safety", "live");
    const std::string db = (d / "runs.sqlite").string();
    RunStore s(db);
    // Running in this (live) process.
    RunInfo live = stoppedRun("live");
    live.status = "running";
    const auto liveId = s.createRun(live);
    try {
        s.deleteRun(liveId);
        FAIL() << "a live run was deleted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("is running in process"), std::string::npos) << e.what();
    }
    EXPECT_THROW(s.claimRun(liveId), Error);
    EXPECT_THROW(s.claimRun(liveId, true), Error) << "--force-takeover must not take a run from a live process of this host";
    // Owned by another host: cannot be checked, so only with force.
    const auto remote = s.createRun(stoppedRun("remote"));
    test::execSql(db, "UPDATE runs SET status = 'running', owner = 'elsewhere.example:4242:1' WHERE id = " + std::to_string(remote));
    try {
        s.claimRun(remote);
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("take the run over explicitly"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "core names no CLI flag: " << e.what();
    }
    EXPECT_THROW(s.deleteRun(remote), Error);
    EXPECT_EQ(s.claimRun(remote, true).status, "running");
    EXPECT_EQ(s.run(remote).status, "running");
    EXPECT_NE(s.run(remote).owner.find(":" + std::to_string(::getpid()) + ":"), std::string::npos);
    // A finished run is not resumed.
    const auto done = s.createRun(stoppedRun("done"));
    s.setStatus(done, "finished");
    EXPECT_THROW(s.claimRun(done), Error);
}

// Before: two resumes started in the same instant both ran. Now exactly one claim wins.
TEST(RunStoreIntegrity, OfManySimultaneousClaimsExactlyOneWins)
{
    for (int round = 0; round < 3; ++round) {
        const auto d = test::freshStoreDir("safety", "claim" + std::to_string(round));
        const std::string db = (d / "runs.sqlite").string();
        std::int64_t id = 0;
        {
            RunStore s(db);
            id = s.createRun(stoppedRun("r"));
        }
        // The winner holds its claim until every other child has tried and lost (an event: their
        // marker files), since a winner that exits would read as gone; a second winner leaves the
        // count short and the first one returns after its bound, failing the test.
        const auto codes = inChildrenAtOnce(5, [&](int k) {
            RunStore s(db);
            try {
                s.claimRun(id);
            } catch (...) {
                std::ofstream(d / ("lost" + std::to_string(k)));
                throw;
            }
            auto lost = [&] {
                int n = 0;
                for (const auto &e : fs::directory_iterator(d))
                    n += e.path().filename().string().rfind("lost", 0) == 0;
                return n;
            };
            for (int i = 0; i < 3000 && lost() < 4; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return 0;
        });
        EXPECT_EQ(std::count(codes.begin(), codes.end(), 0), 1) << "round " << round;
        EXPECT_EQ(std::count(codes.begin(), codes.end(), 1), 4) << "round " << round;
    }
}

TEST(RunStoreIntegrity, TemporaryFilesOfDeadProcessesAreRemovedOnOpen)
{
    const auto d = test::freshStoreDir("safety", "tmp");
    const std::string db = (d / "runs.sqlite").string();
    const std::string dir = db + "-checkpoints";
    fs::create_directories(dir);
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    const std::string dead = dir + "/run-3.ckpt.tmp." + std::to_string(child);
    const std::string mine = dir + "/run-4.ckpt.tmp." + std::to_string(::getpid());
    const std::string other = dir + "/notes.txt";
    for (const auto &f : {dead, mine, other})
        std::ofstream(f) << "partial";
    RunStore s(db);
    EXPECT_FALSE(fs::exists(dead)) << "a dead writer's temporary file was left";
    EXPECT_TRUE(fs::exists(mine)) << "a live writer's temporary file was removed";
    EXPECT_TRUE(fs::exists(other));
}

TEST(RunStoreIntegrity, CheckpointFilesAreVerifiedBeforeUse)
{
    const auto d = test::freshStoreDir("safety", "ckpt");
    const std::string path = (d / "run-1.ckpt").string();
    std::string archive(200000, '\0');
    for (std::size_t i = 0; i < archive.size(); ++i)
        archive[i] = char((i * 2654435761u) >> 13);
    writeCheckpointFile(path, archive);
    EXPECT_EQ(readCheckpointFile(path), archive);
    auto expectRefused = [&](const std::string &bytes, const std::string &what) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
        try {
            readCheckpointFile(path);
            FAIL() << "accepted: " << what;
        } catch (const Error &e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
    };
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string good = ss.str();
    std::string damaged = good;
    for (std::size_t i = 0; i < 4096; ++i)
        damaged[50000 + i] = char(damaged[50000 + i] ^ (1 + i % 200));
    expectRefused(damaged, "4 KB of changed bytes");
    expectRefused(good.substr(0, good.size() - 1), "a truncated file");
    expectRefused(good + "x", "trailing bytes");
    expectRefused("garbage", "not a checkpoint");
    expectRefused("", "an empty file");
    std::string header = good;
    header[25] = 'z';
    expectRefused(header, "a damaged header");
    EXPECT_THROW(readCheckpointFile((d / "missing.ckpt").string()), Error);
    // A checkpoint from before the envelope (a bare libtorch zip) is still read.
    std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string("PK\x03\x04rest", 8);
    EXPECT_EQ(readCheckpointFile(path).size(), 8u);
    EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
}
