// Supernet training-step throughput (batch 64 by default), soft vs hard mode, and the achieved
// GFLOP/s as a share of a large matmul on the same device. A benchmark, not a test.
// Usage: bench_supernet [batch] [threads] [steps] [soft|hard|both] [cl|all] [cpu|cuda|cuda:N] [fp32|bf16|fp16|auto] [cifar|imagenet]
//                       [hard_steps (default 4 x steps)] [rounds (default 1)]
//   rounds: the timed steps repeated, a line each (round=K), in one process: start-up and first-use
//   costs (cuDNN's plans for every shape) are paid once, in the untimed warm-up
//   cl: channels-last only (what the engine uses); all: also the default NCHW layout
//   on a GPU the matmul is 8192^3 in the step's precision (bf16/fp16: the tensor cores' peak as reached by cuBLAS)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "compute/device.h"
#include "fbnet/resources.h"
#include "fbnet/compute.h"
#include "fbnet/search.h"
#include "search/loss.h"
#include "compute/precision.h"
#include "search/supernet.h"

using namespace fbnet;
using Clock = std::chrono::steady_clock;

static double matmulGflops(const torch::Device &device, at::ScalarType type)
{
    const int64_t n = device.is_cpu() ? 2048 : 8192;
    const auto o = torch::TensorOptions().device(device).dtype(type);
    auto a = torch::randn({n, n}, o), b = torch::randn({n, n}, o);
    for (int i = 0; i < 3; ++i)
        torch::mm(a, b);
    fbnet::detail::synchronizeDevice(device);
    const auto t = Clock::now();
    const int reps = device.is_cpu() ? 5 : 20;
    for (int i = 0; i < reps; ++i)
        torch::mm(a, b);
    fbnet::detail::synchronizeDevice(device);
    const double s = std::chrono::duration<double>(Clock::now() - t).count();
    return reps * 2.0 * double(n) * double(n) * double(n) / s / 1e9;
}

static int run(int argc, char **argv)
{
    const int batch = argc > 1 ? std::atoi(argv[1]) : 64;
    const int threads = setComputeThreads(argc > 2 ? std::atoi(argv[2]) : 0);
    const int steps = argc > 3 ? std::atoi(argv[3]) : 5;
    const std::string modes = argc > 4 ? argv[4] : "both";
    const bool allLayouts = argc > 5 && std::string(argv[5]) == "all";
    ComputeOptions compute;
    compute.device = argc > 6 ? argv[6] : "cpu";
    compute.precision = argc > 7 ? argv[7] : "fp32";
    const bool imagenet = argc > 8 && std::string(argv[8]) == "imagenet";
    const int hardSteps = argc > 9 ? std::atoi(argv[9]) : steps * 4;
    const int rounds = argc > 10 ? std::max(1, std::atoi(argv[10])) : 1;
    const torch::Device device = fbnet::detail::torchDevice(compute);
    const auto precision = fbnet::detail::resolvePrecision(compute, device);
    SpaceParams p;
    p.numClasses = imagenet ? 1000 : 10;
    const auto space = SearchSpace::load(resolveSpacePath(imagenet ? "fbnet-imagenet" : "fbnet-cifar"), p);
    const auto lut = LatencyTable::load(resolveLutPath(imagenet ? "s8" : "pixel3", space.name));
    const auto lat = lut.layerTable(space);

    // Analytic MACs per image: every candidate (soft) and the mean candidate (hard, uniform theta).
    double softMacs = 0, hardMacs = 0;
    {
        Architecture a;
        a.space = space.name;
        a.blocks.assign(std::size_t(space.layerCount()), "skip");
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
    const double peak = matmulGflops(device, precision.autocast() ? precision.type : at::ScalarType::Float);
    std::printf("machine: %s, %d threads, %s matmul in %s %.1f GFLOP/s\n", device.str().c_str(), threads,
                device.is_cpu() ? "2048^3" : "8192^3", precision.name.c_str(), peak);

    for (const bool channelsLast : {false, true}) {
        if (!channelsLast && !allLayouts)
            continue;
        for (const MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
            if (modes != "both" && modes != toString(mode))
                continue;
            torch::manual_seed(0);
            fbnet::detail::Supernet net(space, lat, lut.fixedMs);
            net->to(device);
            if (channelsLast) {
                torch::NoGradGuard ng;
                for (auto &w : net->parameters())
                    if (w.dim() == 4)
                        w.set_data(w.contiguous(at::MemoryFormat::ChannelsLast));
            }
            torch::optim::SGD sgd(net->weightParameters(), torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
            auto x = torch::randn({batch, 3, space.inputSize, space.inputSize}).to(device);
            if (channelsLast)
                x = x.contiguous(at::MemoryFormat::ChannelsLast);
            auto y = torch::randint(0, p.numClasses, {batch}, torch::kLong).to(device);
            SearchConfig cfg;
            for (auto &t : net->thetaParameters())
                t.set_requires_grad(false);
            fbnet::detail::LossScaler scaler(precision);
            const auto weights = net->weightParameters();
            auto step = [&] {  // the search's weight step (searchphase.cpp) without its data loading and statistics
                sgd.zero_grad();
                fbnet::detail::SupernetOutput out;
                {
                    const fbnet::detail::AutocastScope autocast(precision);
                    out = net->forward(x, 5.0, mode);
                }
                scaler.scale(fbnet::detail::latencyAwareLoss(out.logits.to(torch::kFloat), y, out.latencyMs, cfg).loss).backward();
                if (scaler.unscale(weights))
                    sgd.step();
            };
            // A GPU warms up over its first steps (cuDNN picks algorithms, the caching allocator fills): 3 there.
            const int warm = mode == MaskMode::Soft && device.is_cpu() ? 1 : 3;
            for (int i = 0; i < warm; ++i)
                step();
            const int n = mode == MaskMode::Soft ? steps : hardSteps;
            if (const char *trace = std::getenv("FBNET_PROFILE")) {
                // One profiled step as a Chrome trace (chrome://tracing, or aggregate the "dur" by "name").
                torch::autograd::profiler::RecordProfile guard(std::string(trace) + "-" + toString(mode) + ".json");
                step();
            }
            for (int r = 1; r <= rounds; ++r) {
                fbnet::detail::synchronizeDevice(device);
                const auto t = Clock::now();
                for (int i = 0; i < n; ++i)
                    step();
                fbnet::detail::synchronizeDevice(device);
                const double s = std::chrono::duration<double>(Clock::now() - t).count() / n;
                const double flops = 3.0 * 2.0 * (mode == MaskMode::Soft ? softMacs : hardMacs) * batch;
                std::printf("fbnet-studio round=%d mode=%s channels_last=%d batch=%d threads=%d device=%s precision=%s space=%s "
                            "step_ms=%.1f img_per_s=%.1f GFLOP/s=%.1f (%.2f%% of matmul)\n",
                            r, toString(mode).c_str(), int(channelsLast), batch, threads, device.str().c_str(),
                            precision.name.c_str(), space.name.c_str(), s * 1e3, batch / s, flops / s / 1e9,
                            100.0 * flops / s / 1e9 / peak);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {  // a device this build cannot use, a missing table: say so, no abort
        std::fprintf(stderr, "bench_supernet: error: %s\n", e.what());
        return 2;
    }
}
