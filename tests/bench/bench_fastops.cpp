// The engine's own kernels (core/src/fastops.cpp) against the library on supernet-sized
// channels-last activations: batch norm + ReLU forward and backward, and the depthwise
// convolution's forward + backward (its weight gradient is ours).
// Usage: bench_fastops [threads=2] [reps=20]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "nn/fastops.h"
#include "fbnet/compute.h"
#include "fbnet/search.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char **argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 20;
    fbnet::setComputeThreads(threads);  // also keeps freed memory in the heap, as the engine does
    struct Shape { int64_t n, c, hw; };
    for (const Shape s : {Shape{64, 16, 32}, Shape{64, 144, 32}, Shape{64, 192, 16}, Shape{64, 384, 8}, Shape{64, 1104, 4}}) {
        auto x0 = torch::randn({s.n, s.c, s.hw, s.hw}).contiguous(at::MemoryFormat::ChannelsLast);
        auto g = torch::randn_like(x0).contiguous(at::MemoryFormat::ChannelsLast);
        double ms[2][2] = {};
        for (int fused = 0; fused < 2; ++fused) {
            fbnet::detail::setFastOpsEnabled(fused == 1);
            torch::nn::BatchNorm2d bn(s.c);
            for (int r = -2; r < reps; ++r) {
                auto x = x0.detach().requires_grad_();
                const auto t0 = Clock::now();
                auto y = fbnet::detail::batchNormRelu(x, bn, true);
                const auto t1 = Clock::now();
                y.backward(g);
                const auto t2 = Clock::now();
                if (r >= 0) {
                    ms[fused][0] += std::chrono::duration<double, std::milli>(t1 - t0).count() / reps;
                    ms[fused][1] += std::chrono::duration<double, std::milli>(t2 - t1).count() / reps;
                }
            }
        }
        std::printf("shape=%ldx%ldx%ldx%ld threads=%d library fwd %.2f ms bwd %.2f ms | fused fwd %.2f ms bwd %.2f ms | "
                    "speed-up fwd+bwd %.2fx\n", long(s.n), long(s.c), long(s.hw), long(s.hw), threads, ms[0][0], ms[0][1],
                    ms[1][0], ms[1][1], (ms[0][0] + ms[0][1]) / (ms[1][0] + ms[1][1]));
    }
    struct Dw { int64_t c, hw, k, stride; };
    for (const Dw s : {Dw{144, 32, 3, 1}, Dw{144, 32, 5, 1}, Dw{72, 32, 5, 1}, Dw{144, 32, 5, 2}, Dw{192, 16, 5, 1},
                       Dw{384, 8, 5, 1}, Dw{1104, 4, 5, 1}}) {
        auto x0 = torch::randn({64, s.c, s.hw, s.hw}).contiguous(at::MemoryFormat::ChannelsLast);
        double ms[2] = {};
        for (int fast = 0; fast < 2; ++fast) {
            fbnet::detail::setFastOpsEnabled(fast == 1);
            torch::nn::Conv2d conv(torch::nn::Conv2dOptions(s.c, s.c, s.k).stride(s.stride).padding(s.k / 2).groups(s.c).bias(false));
            torch::Tensor g;
            for (int r = -2; r < reps; ++r) {
                auto x = x0.detach().requires_grad_();
                const auto t0 = Clock::now();
                auto y = fbnet::detail::depthwiseConv(x, conv);
                if (!g.defined())
                    g = torch::randn_like(y);
                y.backward(g);
                if (r >= 0)
                    ms[fast] += std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / reps;
            }
        }
        std::printf("depthwise k=%ld stride=%ld 64x%ldx%ldx%ld threads=%d fwd+bwd library %.2f ms | ours %.2f ms | speed-up %.2fx\n",
                    long(s.k), long(s.stride), long(s.c), long(s.hw), long(s.hw), threads, ms[0], ms[1], ms[0] / ms[1]);
    }
    return 0;
}
