#pragma once
// Helpers shared by the core test files.

#include <functional>
#include <string>

#include "fbnet/error.h"
#include "fbnet/search.h"
#include "fbnet/train.h"

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
