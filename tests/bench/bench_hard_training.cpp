// Why the default search uses soft masks: how fast the supernet's weights learn on Fashion-MNIST
// (fbnet-cifar, batch 64, 2 threads, lr as given) when every step uses
//   fixed  - one fixed network (all k3_e6), i.e. ordinary training;
//   hard   - a uniformly random path per batch (hard masks at theta = 0);
//   soft   - the weighted sum of all candidates (soft masks, tau = 5);
//   warm   - soft for the first fifth of the steps, then hard (the search's hard mode: its
//            warm-up epochs use soft masks).
// Prints the training accuracy over the last 20 of STEPS steps.
// Usage: bench_hard_training [lr=0.05] [steps=200] [fixed|hard|soft|warm|all]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fbnet/compute.h"
#include "fbnet/dataset.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "nn/network.h"
#include "search/supernet.h"

using namespace fbnet;

int main(int argc, char **argv)
{
    const double lr = argc > 1 ? std::atof(argv[1]) : 0.05;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 200;
    const std::string which = argc > 3 ? argv[3] : "all";
    setComputeThreads(2);
    SpaceParams p;
    p.numClasses = 10;
    const auto space = SearchSpace::load(resolveSpacePath("fbnet-cifar"), p);
    const auto lut = LatencyTable::load(resolveLutPath("pixel3", space.name));
    auto d = subset(loadFashionMnist("", Split::Train, 32), 6400, 1);
    auto x = torch::from_blob(d.pixels.data(), {6400, 1, 32, 32}, torch::kUInt8)
                 .to(torch::kFloat).div(255).sub(d.mean[0]).div(d.std[0]).expand({6400, 3, 32, 32})
                 .contiguous(at::MemoryFormat::ChannelsLast);
    auto y = torch::tensor(d.labels);
    for (const std::string mode : {"fixed", "hard", "soft", "warm"}) {
        if (which != "all" && which != mode)
            continue;
        torch::manual_seed(0);
        fbnet::detail::Supernet net(space, lut.layerTable(space), lut.fixedMs);
        fbnet::detail::toChannelsLast(*net);
        if (mode == "fixed") {
            torch::NoGradGuard ng;
            for (auto &t : net->thetas)
                t[3] = 50.0;  // k3_e6 is sampled every time
        }
        for (auto &t : net->thetaParameters())
            t.set_requires_grad(false);
        torch::optim::SGD sgd(net->weightParameters(), torch::optim::SGDOptions(lr).momentum(0.9).weight_decay(1e-4));
        double correct = 0, seen = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int s = 0; s < steps; ++s) {
            auto xb = x.narrow(0, (s % 100) * 64, 64), yb = y.narrow(0, (s % 100) * 64, 64);
            for (auto &w : net->weightParameters())
                w.mutable_grad().reset();
            const bool soft = mode == "soft" || (mode == "warm" && s < steps / 5);
            auto logits = net->forward(xb, 5.0, soft ? MaskMode::Soft : MaskMode::Hard).logits;
            auto loss = torch::nn::functional::cross_entropy(logits, yb);
            loss.backward();
            if (std::getenv("FBNET_TRACE") && s % 10 == 0)
                std::printf("step %d loss %.3f |logits| %.3g\n", s, loss.item<double>(), logits.abs().max().item<double>());
            sgd.step();
            if (s >= steps - 20) {
                correct += logits.argmax(1).eq(yb).sum().template item<double>();
                seen += 64;
            }
        }
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("mode=%s lr=%g steps=%d train accuracy (last 20 steps) %.1f%%  %.0f img/s\n", mode.c_str(), lr, steps,
                    100 * correct / seen, steps * 64 / sec);
    }
    return 0;
}
