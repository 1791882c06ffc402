#include "nn/syncbatchnorm.h"

#include <torch/torch.h>

namespace fbnet::detail {

namespace {

thread_local GradientSync *currentGroup = nullptr;

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/** y = x̂·w + b with x̂ = (x − mean)·invstd over the global batch; backward with global sums. */
struct SyncBatchNormFunction : torch::autograd::Function<SyncBatchNormFunction>
{
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &x, const torch::Tensor &weight, const torch::Tensor &bias,
                                 const torch::Tensor &mean, const torch::Tensor &invstd, int64_t group, double total)
    {
        const auto c = x.size(1);
        const auto xhat = (x - mean.view({1, c, 1, 1})) * invstd.view({1, c, 1, 1});
        ctx->save_for_backward({xhat, weight, invstd});
        ctx->saved_data["group"] = group;
        ctx->saved_data["total"] = total;
        return xhat * weight.view({1, c, 1, 1}) + bias.view({1, c, 1, 1});
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &xhat = saved[0], &weight = saved[1], &invstd = saved[2];
        auto *sync = reinterpret_cast<GradientSync *>(ctx->saved_data["group"].toInt());
        const double total = ctx->saved_data["total"].toDouble();
        const auto gy = grads[0].to(torch::kFloat);
        const auto c = xhat.size(1);
        const auto sumDy = gy.sum({0, 2, 3});
        const auto sumDyXhat = (gy * xhat).sum({0, 2, 3});
        // The input's gradient needs both sums over the global batch; the weight's and the bias's
        // are this rank's (the gradient sync averages them with the other parameters').
        auto global = torch::cat({sumDy, sumDyXhat});
        sync->sumTensor(global);
        const auto meanDy = global.narrow(0, 0, c).div(total).view({1, c, 1, 1});
        const auto meanDyXhat = global.narrow(0, c, c).div(total).view({1, c, 1, 1});
        const auto dx = (gy - meanDy - xhat * meanDyXhat) * (weight * invstd).view({1, c, 1, 1});
        return {dx, sumDyXhat, sumDy, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

} // namespace

SyncBatchNormScope::SyncBatchNormScope(GradientSync *sync) : m_previous(currentGroup)
{
    currentGroup = sync;
}

SyncBatchNormScope::~SyncBatchNormScope()
{
    currentGroup = m_previous;
}

GradientSync *syncBatchNormGroup()
{
    return currentGroup;
}

torch::Tensor syncBatchNorm(const torch::Tensor &input, torch::nn::BatchNorm2dImpl &bn, GradientSync &sync)
{
    const auto x = input.to(torch::kFloat);
    const auto c = x.size(1);
    // Every rank holds an equal shard of the global batch, so the element count is known.
    const double total = double(x.numel() / c) * sync.worldSize();
    torch::Tensor mean, var;
    {
        torch::NoGradGuard ng;
        // Two passes (the mean, then the squared deviations from it), each summed over the ranks:
        // E[x^2] - mean^2 in fp32 cancels, and turned summation-order differences of 1e-7 into
        // gradient differences of 1e-3 between 2 processes and 1.
        mean = x.sum({0, 2, 3});
        sync.sumTensor(mean);
        mean.div_(total);
        var = (x - mean.view({1, c, 1, 1})).square().sum({0, 2, 3});
        sync.sumTensor(var);
        var.div_(total);
        if (bn.options.track_running_stats()) {
            bn.num_batches_tracked.add_(1);
            const double m = bn.options.momentum().has_value() ? *bn.options.momentum()
                                                               : 1.0 / double(bn.num_batches_tracked.item<int64_t>());
            bn.running_mean.mul_(1 - m).add_(mean, m);
            bn.running_var.mul_(1 - m).add_(var * (total / std::max(1.0, total - 1)), m);
        }
    }
    const auto invstd = (var + bn.options.eps()).rsqrt();
    const auto weight = bn.options.affine() ? bn.weight : torch::ones({c}, x.options());
    const auto bias = bn.options.affine() ? bn.bias : torch::zeros({c}, x.options());
    return SyncBatchNormFunction::apply(x, weight, bias, mean, invstd, reinterpret_cast<int64_t>(&sync), total);
}

} // namespace fbnet::detail
