// Memory-bound ops on a supernet-sized activation (64x144x32x32 floats, 38 MB), NCHW vs
// channels-last. It does NOT tune the allocator, so run it twice to see what the engine's
// mallopt (keepFreedMemoryInHeap in core/src/compute.cpp) buys:
//   build/tests/bench/bench_memory_ops
//   MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 build/tests/bench/bench_memory_ops
#include <chrono>
#include <cstdio>

#include <torch/torch.h>

using Clock = std::chrono::steady_clock;

template<class F>
double ms(F f)
{
    f();
    const auto t = Clock::now();
    for (int i = 0; i < 5; ++i)
        f();
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count() / 5;
}

int main()
{
    at::set_num_threads(2);
    for (const bool cl : {false, true}) {
        const auto fmt = cl ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
        auto x = torch::randn({64, 144, 32, 32}).contiguous(fmt).requires_grad_();
        auto g = torch::randn({64, 144, 32, 32}).contiguous(fmt);
        torch::nn::Conv2d dw(torch::nn::Conv2dOptions(144, 144, 3).padding(1).groups(144).bias(false));
        torch::nn::Conv2d pw(torch::nn::Conv2dOptions(144, 144, 1).bias(false));
        dw->weight.set_data(dw->weight.contiguous(fmt));
        pw->weight.set_data(pw->weight.contiguous(fmt));
        torch::nn::BatchNorm2d bn(144);
        std::printf("channels_last=%d  dw fwd %.1f ms  dw fwd+bwd %.1f  pw fwd+bwd %.1f  bn fwd+bwd %.1f  relu fwd+bwd %.1f  x*2 %.1f\n",
                    int(cl), ms([&] { torch::NoGradGuard n; dw(x); }), ms([&] { dw(x).backward(g); }),
                    ms([&] { pw(x).backward(g); }), ms([&] { bn(x).backward(g); }), ms([&] { torch::relu(x).backward(g); }),
                    ms([&] { torch::NoGradGuard n; auto y = x * 2; }));
    }
    return 0;
}
