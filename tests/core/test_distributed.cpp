// The launch of a data-parallel run from the environment (torchrun, Slurm) and each rank's device.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "compute/distributed.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/randombaseline.h"
#include "fbnet/search.h"
#include "searchfixtures.h"
#include "search/searchloop.h"
#include "testutil.h"

using namespace fbnet;

TEST(Distributed, SlurmsEnvironmentGivesTheLaunchAndEachRankItsGpu)
{
    // Slurm's variables (with the MASTER_ADDR/MASTER_PORT Slurm does not set), torchrun's absent.
    const char *names[] = {"WORLD_SIZE", "RANK", "LOCAL_RANK", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID", "MASTER_ADDR", "MASTER_PORT"};
    std::map<std::string, std::string> saved;
    for (const char *n : names)
        if (const char *v = std::getenv(n))
            saved[n] = v;
    for (const char *n : names)
        ::unsetenv(n);
    ::setenv("SLURM_NTASKS", "4", 1);
    ::setenv("SLURM_PROCID", "2", 1);
    ::setenv("SLURM_LOCALID", "1", 1);
    EXPECT_NE(test::errorOf([] { distributedLaunchFromEnvironment(); }).find("MASTER_ADDR"), std::string::npos);
    ::setenv("MASTER_ADDR", "10.0.0.1", 1);
    ::setenv("MASTER_PORT", "29500", 1);
    const auto l = distributedLaunchFromEnvironment();
    EXPECT_EQ(l.launcher, "slurm");
    EXPECT_EQ(l.worldSize, 4);
    EXPECT_EQ(l.rank, 2);
    EXPECT_EQ(l.localRank, 1);
    EXPECT_EQ(l.masterAddr, "10.0.0.1");
    EXPECT_EQ(l.masterPort, 29500);
    EXPECT_EQ(fbnet::detail::rankDevice("cuda", l), "cuda:1") << "one GPU per process: its local rank's";
    EXPECT_EQ(fbnet::detail::rankDevice("cuda:3", l), "cuda:3");
    EXPECT_EQ(fbnet::detail::rankDevice("cpu", l), "cpu");
    ::setenv("SLURM_PROCID", "4", 1);  // out of 0..3
    EXPECT_NE(test::errorOf([] { distributedLaunchFromEnvironment(); }).find("SLURM_PROCID"), std::string::npos);
    for (const char *n : names)
        ::unsetenv(n);
    for (const auto &[n, v] : saved)
        ::setenv(n.c_str(), v.c_str(), 1);
}
