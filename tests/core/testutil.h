#pragma once
// Helpers shared by the core test files.

#include <cmath>
#include <functional>
#include <vector>
#include <string>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"
#include "fbnet/search.h"
#include "fbnet/train.h"

/** Skips the test where this libtorch sees no GPU (the Cuda.* tests run on one in scripts/gpu-check.sh). */
#define SKIP_WITHOUT_GPU()                                                                                            \
    if (!torch::cuda::is_available())                                                                                 \
    GTEST_SKIP() << "this libtorch sees no GPU (" << deviceUnavailableReason("cuda") << ")"

namespace fbnet::test {

/** The message of the fbnet::Error `f` throws, or "(no error)". */
inline std::string errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Error &e) {
        return e.what();
    }
    return "(no error)";
}

/** A shipped space by name ("fbnet-imagenet"). */
inline SearchSpace namedSpace(const std::string &name)
{
    return SearchSpace::load(resolveSpacePath(name));
}

/** The shipped fbnet-cifar space. */
inline SearchSpace cifarSpace()
{
    return SearchSpace::load(resolveSpacePath("fbnet-cifar"));
}

#ifdef FBNET_TEST_DATA
/** HW-NAS-Bench's measured latencies of 4,000 fbnet-cifar architectures (lut/data). */
inline std::string latencyCsv()
{
    return std::string(FBNET_TEST_DATA) + "/latency.csv";
}
#endif

/** Whether every value is finite. */
inline bool allFinite(const std::vector<std::vector<double>> &v)
{
    for (const auto &row : v)
        for (double x : row)
            if (!std::isfinite(x))
                return false;
    return true;
}

/** An observer that ignores every event. */
struct QuietObserver : SearchObserver
{
};

/** Requests a stop on `token` when epoch `epoch` ends: the search's checkpoint then holds epoch + 1 epochs. */
struct StopAfterEpoch : SearchObserver
{
    StopAfterEpoch(StopToken &t, int e) : token(t), epoch(e) {}
    void onEpoch(const EpochStats &e) override
    {
        if (e.epoch == epoch)
            token.requestStop();
    }
    StopToken &token;
    int epoch;
};

/**
 * One epoch at a learning rate of ~0: training that leaves the weights as they are, so the test
 * accuracy is that of the initial weights (fresh, or taken from a supernet).
 */
inline TrainConfig frozenTraining()
{
    TrainConfig t;
    t.epochs = 1;
    t.batchSize = 32;
    t.lr = 1e-9;
    t.compute.threads = 1;
    t.augment = false;
    return t;
}

} // namespace fbnet::test
