// Supernet training-step throughput on fbnet-cifar (batch 64 by default), soft vs hard mode, and
// the achieved GFLOP/s as a share of a large matmul on the same machine. A benchmark, not a test.
// Usage: bench_supernet [batch] [threads] [steps] [soft|hard|both] [cl|all]
//   cl: channels-last only (what the engine uses); all: also the default NCHW layout
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "loss.h"
#include "supernet.h"

using namespace fbnet;
using Clock = std::chrono::steady_clock;

static double matmulGflops()
{
    auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
    torch::mm(a, b);
    const auto t = Clock::now();
    const int reps = 5;
    for (int i = 0; i < reps; ++i)
        torch::mm(a, b);
    const double s = std::chrono::duration<double>(Clock::now() - t).count();
    return reps * 2.0 * 2048.0 * 2048.0 * 2048.0 / s / 1e9;
}

int main(int argc, char **argv)
{
    const int batch = argc > 1 ? std::atoi(argv[1]) : 64;
    const int threads = setComputeThreads(argc > 2 ? std::atoi(argv[2]) : 0);
    const int steps = argc > 3 ? std::atoi(argv[3]) : 5;
    const std::string modes = argc > 4 ? argv[4] : "both";
    const bool allLayouts = argc > 5 && std::string(argv[5]) == "all";
    SpaceParams p;
    p.numClasses = 10;
    const auto space = SearchSpace::load(resolveSpacePath("fbnet-cifar"), p);
    const auto lut = LatencyTable::load(resolveLutPath("pixel3", space.name));
    const auto lat = lut.layerTable(space);

    // Analytic MACs per image: every candidate (soft) and the mean candidate (hard, uniform theta).
    double softMacs = 0, hardMacs = 0;
    {
        Architecture a;
        a.space = space.name;
        a.blocks.assign(22, "skip");
        const double base = double(computeCost(space, a).macs);
        double skipOnly = 0;
        for (const auto &l : space.layers()) {
            Architecture one = a;
            double sum = 0, skipCost = 0;
            for (const auto &c : l.candidates) {
                one.blocks[std::size_t(l.index)] = c;
                const double m = double(computeCost(space, one).macs) - base;
                sum += m;
                if (c == "skip")
                    skipCost = m;
            }
            softMacs += sum;
            hardMacs += sum / double(l.candidates.size());
            skipOnly += skipCost;
        }
        softMacs += base;
        hardMacs += base;
        (void)skipOnly;
    }
    const double peak = matmulGflops();
    std::printf("machine: %d threads, 2048^3 matmul %.1f GFLOP/s\n", threads, peak);

    for (const bool channelsLast : {false, true}) {
        if (!channelsLast && !allLayouts)
            continue;
        for (const MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
            if (modes != "both" && modes != toString(mode))
                continue;
            torch::manual_seed(0);
            fbnet::detail::Supernet net(space, lat, lut.fixedMs);
            if (channelsLast) {
                torch::NoGradGuard ng;
                for (auto &w : net->parameters())
                    if (w.dim() == 4)
                        w.set_data(w.contiguous(at::MemoryFormat::ChannelsLast));
            }
            torch::optim::SGD sgd(net->weightParameters(), torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
            auto x = torch::randn({batch, 3, 32, 32});
            if (channelsLast)
                x = x.contiguous(at::MemoryFormat::ChannelsLast);
            auto y = torch::randint(0, 10, {batch}, torch::kLong);
            SearchConfig cfg;
            for (auto &t : net->thetaParameters())
                t.set_requires_grad(false);
            auto step = [&] {
                sgd.zero_grad();
                auto out = net->forward(x, 5.0, mode);
                fbnet::detail::latencyAwareLoss(out.logits, y, out.latencyMs, cfg).loss.backward();
                sgd.step();
            };
            const int warm = mode == MaskMode::Soft ? 1 : 3;
            for (int i = 0; i < warm; ++i)
                step();
            const int n = mode == MaskMode::Soft ? steps : steps * 4;
            const auto t = Clock::now();
            if (const char *trace = std::getenv("FBNET_PROFILE")) {
                // One profiled step as a Chrome trace (chrome://tracing, or aggregate the "dur" by "name").
                torch::autograd::profiler::RecordProfile guard(std::string(trace) + "-" + toString(mode) + ".json");
                step();
            }
            for (int i = 0; i < n; ++i)
                step();
            const double s = std::chrono::duration<double>(Clock::now() - t).count() / n;
            const double flops = 3.0 * 2.0 * (mode == MaskMode::Soft ? softMacs : hardMacs) * batch;
            std::printf("fbnet-studio mode=%s channels_last=%d batch=%d threads=%d step_ms=%.1f img_per_s=%.1f "
                        "GFLOP/s=%.1f (%.1f%% of matmul)\n",
                        toString(mode).c_str(), int(channelsLast), batch, threads, s * 1e3, batch / s, flops / s / 1e9,
                        100.0 * flops / s / 1e9 / peak);
        }
    }
    return 0;
}
