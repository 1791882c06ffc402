// The gradient-sync hook between backward() and every optimizer step (compute/gradientsync.h).
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

namespace {

/** Counts the calls per phase, checks each parameter it is given has a gradient, and can zero them. */
struct CountingSync final : fbnet::detail::GradientSync
{
    int weightCalls = 0, thetaCalls = 0;
    bool gradientsPresent = true;
    bool zeroTheta = false;
    void synchronize(std::vector<torch::Tensor> &params, Step phase) override
    {
        (phase == Step::Weights ? weightCalls : thetaCalls)++;
        bool any = false;
        for (auto &p : params)
            if (p.grad().defined()) {
                any = true;
                if (zeroTheta && phase == Step::Theta)
                    p.mutable_grad().zero_();
            }
        gradientsPresent = gradientsPresent && any;
    }
};

} // namespace

TEST(GradientSync, GradientSyncRunsBetweenBackwardAndEveryOptimizerStep)
{
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    const auto data = test::stripes(200, 1);
    test::QuietObserver quiet;
    StopToken stop;
    CountingSync sync;
    const auto r = fbnet::detail::runSearchWith(space, lut, data, test::tinySearch(), quiet, stop, {}, sync, false);
    EXPECT_EQ(sync.weightCalls, 2 * 3);  // two epochs of three weight steps
    EXPECT_EQ(sync.thetaCalls, 1 * 2);   // one epoch after warm-up; the theta split (40) holds two batches
    EXPECT_TRUE(sync.gradientsPresent);
    for (const auto &layer : r.theta)
        for (double t : layer)
            EXPECT_NE(t, 0.0);

    // What the hook does to the gradients is what the optimizer steps with: zeroed theta
    // gradients leave theta at its initial zeros (Adam's weight decay of 0 is 0).
    CountingSync zero;
    zero.zeroTheta = true;
    const auto still = fbnet::detail::runSearchWith(space, lut, data, test::tinySearch(), quiet, stop, {}, zero, false);
    for (const auto &layer : still.theta)
        for (double t : layer)
            EXPECT_EQ(t, 0.0);
}
