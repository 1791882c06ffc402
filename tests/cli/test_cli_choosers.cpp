// End-to-end tests of the choosers: a ground truth built and resumed, choosers scored and reported,
// a search whose pick is made by a chooser, and the zero-compute size pick.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "clitest.h"

using namespace clitest;

TEST(Cli, AGroundTruthIsBuiltResumedAndEveryChooserIsMeasuredAgainstIt)
{
    const auto d = tempDir("groundtruth");
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    const std::string gt = "groundtruth --name gt --count 5 --seeds 1,2 --dataset synthetic:200 --test-subset 100 --epochs 1 "
                           "--max-steps 2 --batch-size 16 --threads 1" + store;
    auto r = runCli(gt);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("10 training(s) run, 0 already stored"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM evaluations"), "10");
    // Stratified over Pixel 3's range: fastest first, each in its stratum.
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM architectures WHERE role = 'stratified'"), "5");
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT min(lut_ms) < 11.7 AND max(lut_ms) > 38.2 FROM architectures"), "1");
    // The same command again trains nothing; another ground truth under the same name is refused.
    r = runCli(gt);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("0 training(s) run, 10 already stored"), std::string::npos) << r.out;
    r = runCli("groundtruth --name gt --count 6 --dataset synthetic:200" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("holds another ground truth"), std::string::npos) << r.out;

    r = runCli("rank --run gt --by params,naswot,synflow --batch-size 8 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM scores"), "15");
    r = runCli("rank --run gt --report" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char *what : {"5 architectures, seeds 1,2", "seeds agree at tau", "params", "naswot", "synflow", "seed 1", "prec@3 in band"})
        EXPECT_NE(r.out.find(what), std::string::npos) << what << "\n" << r.out;
    r = runCli("rank --run gt --by flops" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--by: flops: expected one of theta, supernet"), std::string::npos) << r.out;
    r = runCli("rank --run gt --by supernet" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("theta and supernet need a search run"), std::string::npos) << r.out;
    // A supernet trained on the same data scores them in its own space: the data's 10 classes, not
    // fbnet-cifar's 100 (the ground truth records the count it trained with).
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT json_extract(invocation, '$.num_classes') FROM runs WHERE name = 'gt'"), "10");
    r = runCli("search --name s --mode hard --dataset synthetic:200 --subset 0 --epochs 2 --warmup-epochs 1 --max-steps 2 --batch-size 16 --samples 0 "
               "--threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("rank --run gt --by supernet,theta --search s --held-out 32 --recalibration-batches 1 --batch-size 8 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM scores WHERE source = 's'"), "10");
    auto sql = [&](const char *q) {
        sqlite3 *h = nullptr;
        ASSERT_EQ(sqlite3_open((d / "runs.sqlite").c_str(), &h), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(h, q, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    };
    // A ground truth being built reports the architectures trained under every seed, with every seed
    // (not all architectures under the seeds they share).
    sql("DELETE FROM evaluations WHERE id = (SELECT max(id) FROM evaluations)");
    r = runCli("rank --run gt --report" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("4 architectures, seeds 1,2"), std::string::npos) << r.out;
    // --evaluated-only scores what the ground truth has trained so far (one architecture's evaluations removed here).
    sql("DELETE FROM evaluations WHERE arch_id = (SELECT min(id) FROM architectures)");
    r = runCli("rank --run gt --by params --evaluated-only" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("4 architecture(s) of run 'gt' scored"), std::string::npos) << r.out;
}

TEST(Cli, ASearchPicksByItsChooserAndEveryCommandTakesThatPick)
{
    const auto d = tempDir("pickby");
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    auto r = runCli("search --name p --pick-by params --pick-candidates 4 --mode hard --weight-sampling fair --dataset synthetic:300 "
                    "--epochs 2 --warmup-epochs 1 --batch-size 16 --max-steps 2 --samples 0 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("params pick: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("the best of 4 candidates by theta"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM architectures WHERE role = 'candidate'"), "4");
    // The pick has the most parameters of the candidates, and its score is stored.
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT (SELECT params FROM architectures WHERE role = 'pick') >= "
                                           "(SELECT max(params) FROM architectures WHERE role = 'candidate')"), "1");
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM scores WHERE chooser = 'params'"), "4");
    EXPECT_NE(queryOne(d / "runs.sqlite", "SELECT config FROM runs WHERE name = 'p'").find("\"pick_by\": \"params\""), std::string::npos);
    r = runCli("search --name q --pick-by params --dataset synthetic:300 --space fbnetv2-cifar --epochs 2 --warmup-epochs 1" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("pick_by"), std::string::npos) << r.out;
}

TEST(Cli, TheSizePickIsTheLargestArchitectureWithinEachBand)
{
    const auto d = tempDir("sizepick");
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    auto r = runCli("sizepick --name size --front 3" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM architectures WHERE role = 'pick' AND target > 0"), "3");
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT kind FROM runs"), "sizepick");
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT count(*) FROM architectures WHERE abs(lut_ms / target - 1) <= 0.05"), "3");
    r = runCli("sizepick --targets 1000" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("lies outside"), std::string::npos) << r.out;
}
