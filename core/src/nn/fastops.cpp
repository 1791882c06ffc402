#include "nn/fastops.h"
#include "compute/torchcompat.h"
#include "nn/syncbatchnorm.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

namespace fbnet::detail {

namespace {

std::atomic<bool> &fastOpsFlag()
{
    static std::atomic<bool> on{[] {
        const char *e = std::getenv("FBNET_FAST_OPS");
        return !(e && std::strcmp(e, "0") == 0);
    }()};
    return on;
}

constexpr int64_t kBlockRows = 64;

// GCC only: Clang ignores these pragmas, so its builds (the sanitized ones) use the base kernels.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#include "nn/fastops_kernels.inc"
}
#pragma GCC pop_options
// __builtin_cpu_init: this initialiser may run before libgcc's own CPU detection.
const bool kHaveAvx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}();
#else
[[maybe_unused]] const bool kHaveAvx2 = false;
#endif
namespace base {
#include "nn/fastops_kernels.inc"
}

// The kernels, picked once for this CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FBNET_KERNEL(name) (kHaveAvx2 ? avx2::name : base::name)
#else
#define FBNET_KERNEL(name) base::name
#endif

/** Splits `rows` into one range per thread and sums each thread's per-channel pair of vectors. */
template <typename Kernel>
void reduceRows(int64_t rows, int64_t c, std::vector<double> &s1, std::vector<double> &s2, const Kernel &kernel)
{
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), rows / kBlockRows));
    std::vector<double> p1(std::size_t(parts * c), 0.0), p2(std::size_t(parts * c), 0.0);
    at::parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
        std::vector<float> bs(static_cast<std::size_t>(c)), bq(static_cast<std::size_t>(c));
        for (int64_t p = b; p < e; ++p) {
            const int64_t r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
            kernel(r0, r1, p1.data() + p * c, p2.data() + p * c, bs.data(), bq.data());
        }
    });
    s1.assign(std::size_t(c), 0.0);
    s2.assign(std::size_t(c), 0.0);
    for (int64_t p = 0; p < parts; ++p)
        for (int64_t j = 0; j < c; ++j) {
            s1[std::size_t(j)] += p1[std::size_t(p * c + j)];
            s2[std::size_t(j)] += p2[std::size_t(p * c + j)];
        }
}

template <typename Kernel>
void forRows(int64_t rows, int64_t c, const Kernel &kernel)
{
    const int64_t grain = std::max<int64_t>(16, 32768 / std::max<int64_t>(1, c));
    at::parallel_for(0, rows, grain, kernel);
}

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct BatchNormReluFunction : torch::autograd::Function<BatchNormReluFunction>
{
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &input, const torch::Tensor &weight,
                                 const torch::Tensor &bias, torch::Tensor runningMean, torch::Tensor runningVar,
                                 double momentum, double eps, bool relu)
    {
        const auto x = input.contiguous(at::MemoryFormat::ChannelsLast);
        const int64_t c = x.size(1), rows = x.numel() / c;
        const float *xp = x.data_ptr<float>();

        // One pass of shifted sums (the first pixel's values as the shift keeps the variance exact
        // enough when the mean is far from zero).
        std::vector<float> shift(xp, xp + c);
        std::vector<double> sum, sq;
        reduceRows(rows, c, sum, sq, [&](int64_t r0, int64_t r1, double *s, double *q, float *bs, float *bq) {
            FBNET_KERNEL(statsKernel)(xp, r0, r1, c, shift.data(), s, q, bs, bq);
        });
        auto mean = torch::empty({c}, x.options());
        auto invstd = torch::empty({c}, x.options());
        auto a = torch::empty({c}, x.options());
        auto b = torch::empty({c}, x.options());
        auto w = weight.contiguous(), bi = bias.contiguous();
        const float *wp = w.data_ptr<float>(), *bp = bi.data_ptr<float>();
        float *mp = mean.data_ptr<float>(), *ip = invstd.data_ptr<float>(), *ap = a.data_ptr<float>(),
              *bb = b.data_ptr<float>();
        std::vector<float> unbiased(static_cast<std::size_t>(c));
        for (int64_t j = 0; j < c; ++j) {
            const double m = sum[std::size_t(j)] / double(rows);
            const double var = std::max(0.0, sq[std::size_t(j)] / double(rows) - m * m);
            mp[j] = float(shift[std::size_t(j)] + m);
            ip[j] = float(1.0 / std::sqrt(var + eps));
            ap[j] = wp[j] * ip[j];
            bb[j] = bp[j] - mp[j] * ap[j];
            unbiased[std::size_t(j)] = float(rows > 1 ? var * double(rows) / double(rows - 1) : var);
        }
        {
            torch::NoGradGuard ng;
            runningMean.mul_(1.0 - momentum).add_(mean, momentum);
            runningVar.mul_(1.0 - momentum).add_(torch::from_blob(unbiased.data(), {c}, x.options()), momentum);
        }

        auto y = torch::empty_like(x, at::MemoryFormat::ChannelsLast);
        float *yp = y.data_ptr<float>();
        forRows(rows, c, [&](int64_t r0, int64_t r1) { FBNET_KERNEL(applyKernel)(xp, yp, r0, r1, c, ap, bb, relu); });

        ctx->save_for_backward({x, mean, invstd, a, b});
        ctx->saved_data["relu"] = relu;
        return y;
    }

    static tensor_list backward(AutogradContext *ctx, tensor_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &x = saved[0];
        const bool relu = ctx->saved_data["relu"].toBool();
        const auto g = grads[0].contiguous(at::MemoryFormat::ChannelsLast);
        const int64_t c = x.size(1), rows = x.numel() / c;
        const float *xp = x.data_ptr<float>(), *gp = g.data_ptr<float>();
        const float *mp = saved[1].data_ptr<float>(), *ip = saved[2].data_ptr<float>(),
                    *ap = saved[3].data_ptr<float>(), *bp = saved[4].data_ptr<float>();

        std::vector<double> sg, sgx;
        reduceRows(rows, c, sg, sgx, [&](int64_t r0, int64_t r1, double *s, double *q, float *bs, float *bq) {
            FBNET_KERNEL(gradSumsKernel)(xp, gp, r0, r1, c, ap, bp, mp, relu, s, q, bs, bq);
        });

        auto dweight = torch::empty({c}, x.options());
        auto dbias = torch::empty({c}, x.options());
        std::vector<float> k1(static_cast<std::size_t>(c)), k0(static_cast<std::size_t>(c));
        float *dwp = dweight.data_ptr<float>(), *dbp = dbias.data_ptr<float>();
        for (int64_t j = 0; j < c; ++j) {
            const double is = ip[j], sgj = sg[std::size_t(j)], sgxj = sgx[std::size_t(j)];
            dbp[j] = float(sgj);
            dwp[j] = float(sgxj * is);
            // dx = a * (g' - mean(g') - xhat * mean(g' * xhat)), xhat = (x - mean) * invstd
            const double kk = -double(ap[j]) * is * is * sgxj / double(rows);
            k1[std::size_t(j)] = float(kk);
            k0[std::size_t(j)] = float(-double(ap[j]) * sgj / double(rows) - kk * mp[j]);
        }
        torch::Tensor dx;
        if (ctx->needs_input_grad(0)) {
            dx = torch::empty_like(x, at::MemoryFormat::ChannelsLast);
            float *dxp = dx.data_ptr<float>();
            forRows(rows, c, [&](int64_t r0, int64_t r1) {
                FBNET_KERNEL(gradInputKernel)(xp, gp, dxp, r0, r1, c, ap, bp, k1.data(), k0.data(), relu);
            });
        }
        return {dx, dweight, dbias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

struct DepthwiseConvFunction : torch::autograd::Function<DepthwiseConvFunction>
{
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &input, const torch::Tensor &weight,
                                 int64_t stride, int64_t padding)
    {
        const int64_t c = input.size(1);
        auto y = at::conv2d(input, weight, {}, {stride, stride}, {padding, padding}, {1, 1}, c);
        ctx->save_for_backward({input, weight});
        ctx->saved_data["stride"] = stride;
        ctx->saved_data["padding"] = padding;
        return y;
    }

    static tensor_list backward(AutogradContext *ctx, tensor_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto x = saved[0].contiguous(at::MemoryFormat::ChannelsLast);
        const auto &weight = saved[1];
        const int64_t s = ctx->saved_data["stride"].toInt(), p = ctx->saved_data["padding"].toInt();
        const auto g = grads[0].contiguous(at::MemoryFormat::ChannelsLast);
        const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), k = weight.size(2);
        const int64_t ho = g.size(2), wo = g.size(3), taps = k * k;

        torch::Tensor dx;
        if (ctx->needs_input_grad(0))
            dx = std::get<0>(at::convolution_backward(g, x, weight, c10::nullopt, {s, s}, {p, p}, {1, 1}, false, {0, 0}, c,
                                                      {true, false, false}));
        torch::Tensor dw;
        if (ctx->needs_input_grad(1)) {
            const float *xp = x.data_ptr<float>(), *gp = g.data_ptr<float>();
            const int64_t rows = n * ho;
            const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), rows));
            std::vector<double> acc(static_cast<std::size_t>(parts * taps * c), 0.0);
            at::parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
                std::vector<float> rowAcc(static_cast<std::size_t>(taps * c));
                for (int64_t part = b; part < e; ++part)
                    FBNET_KERNEL(dwWeightGradKernel)(xp, gp, rows * part / parts, rows * (part + 1) / parts, h, w, ho, wo,
                                                     c, k, s, p, acc.data() + part * taps * c, rowAcc.data());
            });
            dw = torch::empty({c, 1, k, k}, weight.options());
            float *dwp = dw.data_ptr<float>();
            for (int64_t ch = 0; ch < c; ++ch)
                for (int64_t t = 0; t < taps; ++t) {
                    double v = 0;
                    for (int64_t part = 0; part < parts; ++part)
                        v += acc[std::size_t((part * taps + t) * c + ch)];
                    dwp[ch * taps + t] = float(v);
                }
        }
        return {dx, dw, torch::Tensor(), torch::Tensor()};
    }
};
} // namespace

bool fastOpsEnabled()
{
    return fastOpsFlag().load();
}

void setFastOpsEnabled(bool on)
{
    fastOpsFlag().store(on);
}

torch::Tensor batchNorm(const torch::Tensor &x, torch::nn::BatchNorm2d &bn)
{
    if (GradientSync *group = syncBatchNormGroup(); group && bn->is_training())
        return syncBatchNorm(x, *bn, *group);
    return bn(x);
}

namespace {
thread_local ReluObserver *tReluObserver = nullptr;

torch::Tensor observed(torch::Tensor y, bool relu)
{
    if (relu && tReluObserver)
        tReluObserver->observe(y);
    return y;
}
} // namespace

ReluObserverScope::ReluObserverScope(ReluObserver *observer) : m_previous(tReluObserver)
{
    tReluObserver = observer;
}

ReluObserverScope::~ReluObserverScope()
{
    tReluObserver = m_previous;
}

ReluObserver *reluObserver()
{
    return tReluObserver;
}

torch::Tensor batchNormRelu(const torch::Tensor &x, torch::nn::BatchNorm2d &bn, bool relu)
{
    if (GradientSync *group = syncBatchNormGroup(); group && bn->is_training()) {
        auto y = syncBatchNorm(x, *bn, *group);
        return observed(relu ? y.relu_() : y, relu);
    }
    const auto &o = bn->options;
    const bool fused = fastOpsEnabled() && bn->is_training() && o.affine() && o.track_running_stats() &&
                       o.momentum().has_value() && x.dim() == 4 && x.scalar_type() == torch::kFloat &&
                       x.device().is_cpu() && x.is_contiguous(at::MemoryFormat::ChannelsLast) && x.size(1) > 0 &&
                       x.numel() / x.size(1) > 1 && bn->weight.scalar_type() == torch::kFloat;
    if (!fused) {
        auto y = bn(x);
        return observed(relu ? y.relu_() : y, relu);
    }
    {
        torch::NoGradGuard ng;
        bn->num_batches_tracked.add_(1);
    }
    return observed(BatchNormReluFunction::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var, *o.momentum(),
                                                 o.eps(), relu),
                    relu);
}

} // namespace fbnet::detail

namespace fbnet::detail {

torch::Tensor depthwiseConv(const torch::Tensor &x, torch::nn::Conv2d &conv)
{
    const auto &o = conv->options;
    const int64_t c = x.dim() == 4 ? x.size(1) : 0;
    const auto &k = *o.kernel_size(), &st = *o.stride(), &dil = *o.dilation();
    const auto *pad = variantIf<torch::ExpandingArray<2>>(o.padding());
    const bool fast = fastOpsEnabled() && torch::GradMode::is_enabled() && conv->weight.requires_grad() &&
                      !conv->bias.defined() && c > 0 && o.groups() == c && o.in_channels() == c &&
                      o.out_channels() == c && k[0] == k[1] && k[0] >= 5 && st[0] == st[1] && dil[0] == 1 && dil[1] == 1 && pad &&
                      (**pad)[0] == (**pad)[1] && x.scalar_type() == torch::kFloat && x.device().is_cpu() &&
                      x.is_contiguous(at::MemoryFormat::ChannelsLast) && conv->weight.scalar_type() == torch::kFloat &&
                      variantIf<torch::enumtype::kZeros>(o.padding_mode()) != nullptr;
    if (!fast)
        return conv(x);
    return DepthwiseConvFunction::apply(x, conv->weight, st[0], (**pad)[0]);
}

} // namespace fbnet::detail
