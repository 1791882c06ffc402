// The SQLite run store: round trips, migrations, refusals that change nothing.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbnet/error.h"
#include "storefixtures.h"
#include "fbnet/mobilevision.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"

using namespace fbnet;
namespace fs = std::filesystem;

namespace {

std::string bytesOf(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

EpochStats epoch(int e)
{
    EpochStats s;
    s.epoch = e;
    s.temperature = 5.0 * std::pow(0.956, e);
    s.weightsLoss = 2.0 - 0.1 * e;
    s.weightsAccuracy = 0.3 + 0.05 * e;
    s.thetaTrained = e > 0;
    s.thetaLoss = 1.5;
    s.thetaAccuracy = 0.4;
    s.expectedLatencyMs = 15.0 - e;
    s.probabilities = {{0.25, 0.75}, {0.5, 0.5}};
    s.argmax.space = "fbnet-cifar";
    s.argmax.name = "epoch" + std::to_string(e) + "-argmax";
    s.argmax.blocks = {"k3_e1", "skip"};
    s.argmaxLatencyMs = 14.0 - e;
    s.seconds = 10;
    return s;
}

RunInfo newRun(const std::string &name)
{
    RunInfo r;
    r.name = name;
    r.space = "fbnet-cifar";
    r.dataset = "fashion-mnist";
    r.lutDevice = "pixel3";
    r.seed = 42;
    r.configJson = "{\"epochs\": 3}";
    r.epochsPlanned = 3;
    return r;
}

} // namespace

TEST(RunStore, RecordsARunAndReadsItBack)
{
    const auto d = test::freshStoreDir("store", "roundtrip");
    RunStore store((d / "runs.sqlite").string());
    EXPECT_EQ(store.schemaVersion(), RunStore::kSchemaVersion);
    const auto id = store.createRun(newRun("first"));
    std::vector<StepStats> steps(3);
    for (int i = 0; i < 3; ++i) {
        steps[std::size_t(i)].step = i;
        steps[std::size_t(i)].loss = 2.0 - i * 0.5;
        steps[std::size_t(i)].phase = i < 2 ? Phase::Weights : Phase::Theta;
    }
    store.recordEpoch(id, epoch(0), steps, 10);
    store.recordEpoch(id, epoch(1), steps, 20);
    SearchResult result;
    result.theta = {{0.1, 0.2}, {0.3, -0.4}};
    SampledArchitecture s;
    s.isArgmax = true;
    s.architecture = epoch(1).argmax;
    s.architecture.name = "argmax";
    s.macs = 1000;
    s.latencyMs = 12.5;
    result.samples.push_back(s);
    store.finishRun(id, result);

    const RunInfo r = store.run("first");
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(store.run(std::to_string(id)).name, "first");
    EXPECT_EQ(r.status, "finished");
    EXPECT_EQ(r.epochsCompleted, 2);
    EXPECT_DOUBLE_EQ(r.seconds, 20);
    EXPECT_EQ(r.thetaJson, "[[0.1,0.2],[0.3,-0.4]]");
    const auto epochs = store.epochs(id);
    ASSERT_EQ(epochs.size(), 2u);
    EXPECT_DOUBLE_EQ(epochs[1].temperature, epoch(1).temperature);
    EXPECT_EQ(epochs[1].probabilities, epoch(1).probabilities);
    EXPECT_EQ(epochs[1].argmax.blocks, epoch(1).argmax.blocks);
    EXPECT_EQ(store.steps(id).size(), 6u);
    EXPECT_EQ(store.steps(id)[2].phase, Phase::Theta);
    const auto archs = store.architectures(id);
    ASSERT_EQ(archs.size(), 1u);
    EXPECT_EQ(archs[0].role, "argmax");
    EXPECT_DOUBLE_EQ(archs[0].lutMs, 12.5);

    Evaluation e;
    e.architectureId = archs[0].id;
    e.dataset = "fashion-mnist";
    e.epochs = 2;
    e.top1 = 0.8125;
    store.addEvaluation(e);
    ASSERT_EQ(store.evaluations(archs[0].id).size(), 1u);
    EXPECT_DOUBLE_EQ(store.evaluations(archs[0].id)[0].top1, 0.8125);
    EXPECT_NE(store.epochsCsv(id).find("epoch,temperature"), std::string::npos);
    const std::string stepsCsv = store.stepsCsv(id);
    EXPECT_EQ(std::count(stepsCsv.begin(), stepsCsv.end(), '\n'), 7);

    // A recorded epoch replaces its earlier record; truncation cuts back to a checkpoint.
    store.recordEpoch(id, epoch(1), steps, 21);
    EXPECT_EQ(store.steps(id).size(), 6u);
    store.truncateEpochs(id, 1);
    EXPECT_EQ(store.epochs(id).size(), 1u);
    EXPECT_EQ(store.steps(id).size(), 3u);
    EXPECT_EQ(store.run(id).epochsCompleted, 1);
    EXPECT_EQ(store.integrityCheck(), "ok");
}

TEST(RunStore, NamesAreUniqueRenameAndDeleteCascade)
{
    const auto d = test::freshStoreDir("store", "names");
    RunStore store((d / "runs.sqlite").string());
    const auto a = store.createRun(newRun("a"));
    const auto anon = store.createRun(newRun(""));
    EXPECT_EQ(store.run(anon).name, "run-" + std::to_string(anon));
    try {
        store.createRun(newRun("a"));
        FAIL() << "a duplicate name was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("a run named 'a' exists already"), std::string::npos) << e.what();
    }
    EXPECT_THROW(store.renameRun(anon, "a"), Error);
    // A name is one printable line of UTF-8 (issue 36, 20: $'a\nb' broke `runs list`).
    for (const std::string &bad : {std::string("a\nb"), std::string("tab\there"), std::string("\xff\xfe"), std::string(201, 'x')})
        try {
            store.renameRun(anon, bad);
            ADD_FAILURE() << "renamed to " << bad;
        } catch (const Error &e) {
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "the refusal is one line: " << e.what();
        }
    EXPECT_THROW(store.createRun(newRun("two\nlines")), Error);
    store.renameRun(anon, "b");
    EXPECT_EQ(store.run("b").id, anon);
    // A mistyped name gets the closest one (issue 35: "a mistyped run name gets no suggestion").
    store.createRun(newRun("family-search"));
    try {
        store.run("family-serch");
        ADD_FAILURE() << "a missing run was found";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("did you mean 'family-search'?"), std::string::npos) << e.what();
    }
    fs::create_directories(store.checkpointDir());
    const auto ckpt = fs::path(store.checkpointDir()) / "run-a.ckpt";
    std::ofstream(ckpt) << "x";
    store.setCheckpointPath(a, ckpt.string());
    store.recordEpoch(a, epoch(0), {StepStats{}}, 1);
    StoredArchitecture sa;
    sa.runId = a;
    sa.role = "sample";
    sa.architecture = epoch(0).argmax;
    const auto archId = store.addArchitecture(sa);
    Evaluation e;
    e.architectureId = archId;
    store.addEvaluation(e);
    EXPECT_THROW(store.deleteRun(a), Error) << "a run this live process is running was deleted";
    store.setStatus(a, "stopped");
    store.deleteRun(a);
    EXPECT_THROW(store.run("a"), Error);
    EXPECT_FALSE(fs::exists(ckpt));
    EXPECT_THROW(store.architecture(archId), Error);
    EXPECT_TRUE(store.evaluations(archId).empty());
    EXPECT_EQ(store.runs().size(), 2u);  // "b" and "family-search"
    try {
        store.run("nope");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("no run named or numbered 'nope'"), std::string::npos);
    }
}

TEST(RunStore, MigratesEveryEarlierVersion)
{
    // Version 1, as written by that schema (tests/core/data/runs-v1.sql).
    const auto d = test::freshStoreDir("store", "migrate");
    const auto db = d / "runs.sqlite";
    test::execSql(db, readTextFile(std::string(FBNET_TEST_SOURCE) + "/core/data/runs-v1.sql"));
    {
        RunStore store(db.string());
        EXPECT_EQ(store.schemaVersion(), RunStore::kSchemaVersion);
        const RunInfo r = store.run("old-search");
        EXPECT_EQ(r.seed, 7u);
        EXPECT_DOUBLE_EQ(r.seconds, 480.5);
        EXPECT_TRUE(r.checkpointPath.empty());
        ASSERT_EQ(store.epochs(r.id).size(), 1u);
        EXPECT_EQ(store.epochs(r.id)[0].probabilities, (std::vector<std::vector<double>>{{0.6, 0.4}}));
        const auto archs = store.architectures(r.id);
        ASSERT_EQ(archs.size(), 1u);
        // What version 2 added works on the migrated data.
        Evaluation e;
        e.architectureId = archs[0].id;
        e.top1 = 0.7;
        store.addEvaluation(e);
        EXPECT_EQ(store.evaluations(archs[0].id).size(), 1u);
        // Version 4's protocol: unknown for old evaluations (never reused).
        EXPECT_TRUE(store.evaluations(archs[0].id).front().protocol.empty());
        // Version 3's owner: unknown for old rows, whose status is read as recorded.
        EXPECT_TRUE(r.owner.empty());
        EXPECT_EQ(r.status, store.run("old-search").status);
        EXPECT_EQ(store.integrityCheck(), "ok");
    }
    // Version 0: an empty file becomes a store.
    const auto empty = d / "empty.sqlite";
    std::ofstream(empty).close();
    RunStore fresh(empty.string());
    EXPECT_EQ(fresh.schemaVersion(), RunStore::kSchemaVersion);
}

// A run recorded as running whose process has ended (killed, no chance to say so) reads as
// interrupted; one whose process lives (this one) still reads as running.
TEST(RunStore, ARunWhoseProcessIsGoneReadsAsInterrupted)
{
    const auto d = test::freshStoreDir("store", "owner");
    const auto db = (d / "runs.sqlite").string();
    RunStore store(db);
    const auto mine = store.createRun(newRun("mine"));
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int code = 1;
        try {
            RunStore other(db);
            other.createRun(newRun("orphan"));
            code = 0;
        } catch (...) {
        }
        ::_exit(code);  // ends without setting a status, like a SIGKILL
    }
    // Ended but not reaped yet: a zombie, which counts as gone.
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT), 0);
    ASSERT_EQ(info.si_status, 0);
    EXPECT_EQ(store.run("orphan").status, "interrupted");
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(store.run(mine).status, "running");
    const RunInfo orphan = store.run("orphan");
    EXPECT_EQ(orphan.status, "interrupted");
    EXPECT_NE(orphan.owner.find(":" + std::to_string(child) + ":"), std::string::npos) << orphan.owner;
    // Taking it over (a resume sets it running) makes it this process's: running again.
    store.setStatus(orphan.id, "running");
    EXPECT_EQ(store.run("orphan").status, "running");
    store.setStatus(orphan.id, "stopped");
    EXPECT_EQ(store.run("orphan").status, "stopped");
}

TEST(RunStore, RefusesWhatItCannotReadAndChangesNothing)
{
    const auto d = test::freshStoreDir("store", "refuse");
    // A newer schema.
    const auto newer = d / "newer.sqlite";
    test::execSql(newer, "CREATE TABLE runs(id INTEGER PRIMARY KEY); PRAGMA user_version = 99;");
    const std::string before = bytesOf(newer);
    try {
        RunStore s(newer.string());
        FAIL() << "opened a newer schema";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("schema version 99 was written by a newer fbnet-studio"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(newer.string()), std::string::npos);
    }
    EXPECT_EQ(bytesOf(newer), before);
    // A negative version, as a damaged header can hold: it indexed the migrations out of bounds
    // (found by fuzz_store; UBSan: index -N out of bounds in RunStore::RunStore).
    for (const char *v : {"-1", "-2147483648"}) {
        const auto negative = d / (std::string("negative") + v + ".sqlite");
        test::execSql(negative, std::string("PRAGMA user_version = ") + v + ";");
        const std::string negativeBefore = bytesOf(negative);
        try {
            RunStore s(negative.string());
            FAIL() << "opened a store of version " << v;
        } catch (const Error &e) {
            EXPECT_NE(std::string(e.what()).find(std::string("schema version ") + v + " is not one fbnet-studio writes"), std::string::npos)
                << e.what();
        }
        EXPECT_EQ(bytesOf(negative), negativeBefore);
    }
    // Not a database.
    const auto junk = d / "junk.sqlite";
    std::ofstream(junk) << std::string(4096, 'x');
    const std::string junkBefore = bytesOf(junk);
    try {
        RunStore s(junk.string());
        FAIL() << "opened junk";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("not an fbnet-studio runs database"), std::string::npos) << e.what();
    }
    EXPECT_EQ(bytesOf(junk), junkBefore);
    // Someone else's SQLite database.
    const auto other = d / "other.sqlite";
    test::execSql(other, "CREATE TABLE photos(id INTEGER);");
    const std::string otherBefore = bytesOf(other);
    EXPECT_THROW(RunStore s(other.string()), Error);
    EXPECT_EQ(bytesOf(other), otherBefore);
    // A directory, and a read-only location.
    EXPECT_THROW(RunStore s(d.string()), Error);
    if (::geteuid() != 0) {
        const auto ro = d / "ro";
        fs::create_directories(ro);
        ::chmod(ro.c_str(), 0555);
        EXPECT_THROW(RunStore s((ro / "runs.sqlite").string()), Error);
        EXPECT_FALSE(fs::exists(ro / "runs.sqlite"));
        ::chmod(ro.c_str(), 0755);
    } else {
        // root writes anywhere: use a path below a regular file instead.
        std::ofstream(d / "file") << "x";
        EXPECT_THROW(RunStore s((d / "file" / "runs.sqlite").string()), Error);
    }
}

TEST(RunStore, RecorderWritesEachEpochWithItsSteps)
{
    const auto d = test::freshStoreDir("store", "recorder");
    RunStore store((d / "runs.sqlite").string());
    const auto id = store.createRun(newRun("rec"));
    struct Counter : SearchObserver
    {
        int steps = 0, epochs = 0;
        void onStep(const StepStats &) override { ++steps; }
        void onEpoch(const EpochStats &) override { ++epochs; }
    } next;
    RunRecorder rec(store, id, &next, 100);
    StepStats s;
    s.elapsedSeconds = 5;
    rec.onStep(s);
    rec.onStep(s);
    EXPECT_TRUE(store.steps(id).empty());  // batched until the epoch ends
    rec.onEpoch(epoch(0));
    EXPECT_EQ(store.steps(id).size(), 2u);
    EXPECT_DOUBLE_EQ(store.run(id).seconds, 105);
    EXPECT_EQ(next.steps, 2);
    EXPECT_EQ(next.epochs, 1);
    rec.onFailed("boom");
    EXPECT_EQ(store.run(id).status, "failed");
    EXPECT_EQ(store.run(id).error, "boom");
}

