// Zero-cost proxies: SynFlow, NASWOT and the gradient norm of an untrained network.
#include "nn/zerocost.h"

#include <cmath>

#include "fbnet/error.h"
#include "nn/fastops.h"
#include "nn/network.h"

namespace fbnet::detail {

namespace {

Network freshNetwork(const NetworkPlan &plan, std::uint64_t seed)
{
    torch::manual_seed(seed);
    return Network(plan);
}

double finiteLog(double v, const char *what)
{
    if (!(v > 0) || !std::isfinite(v))
        throw Error::at("zero-cost proxy", what, "the score is " + std::to_string(v) + ", not a positive finite number");
    return std::log(v);
}

} // namespace

double synflowScore(const NetworkPlan &plan, std::uint64_t seed)
{
    Network net = freshNetwork(plan, seed);
    net->to(torch::kDouble);
    net->eval();  // BN with fresh statistics: x * 1 / sqrt(1 + eps), nearly the identity
    {
        torch::NoGradGuard ng;
        for (auto &p : net->parameters())
            p.abs_();
    }
    const auto x = torch::ones({1, plan.inputChannels, plan.inputSize, plan.inputSize}, torch::kDouble);
    net->zero_grad();
    net->forward(x).sum().backward();
    double total = 0;
    for (auto &p : net->parameters())
        if (p.grad().defined())
            total += (p * p.grad()).abs().sum().item<double>();
    return finiteLog(total, "synflow");
}

namespace {

/** K += c c^T + (1 - c)(1 - c)^T for the binary codes c of each ReLU output. */
class CodeKernel final : public ReluObserver
{
public:
    explicit CodeKernel(int64_t n) : m_k(torch::zeros({n, n}, torch::kDouble)) {}
    void observe(const torch::Tensor &relu) override
    {
        const auto c = relu.detach().gt(0).flatten(1).to(torch::kDouble);
        m_k.add_(c.mm(c.t())).add_((1 - c).mm((1 - c).t()));
    }
    const torch::Tensor &kernel() const { return m_k; }

private:
    torch::Tensor m_k;
};

} // namespace

double naswotScore(const NetworkPlan &plan, const torch::Tensor &images, std::uint64_t seed)
{
    Network net = freshNetwork(plan, seed);
    net->train();
    CodeKernel codes(images.size(0));
    {
        torch::NoGradGuard ng;
        const ReluObserverScope scope(&codes);
        net->forward(images.to(torch::kFloat).contiguous());
    }
    const auto [sign, logabsdet] = torch::slogdet(codes.kernel());
    const double v = logabsdet.item<double>();
    if (!std::isfinite(v) || sign.item<double>() == 0)
        throw Error::at("zero-cost proxy", "naswot", "the codes' kernel is singular (identical images in the batch?)");
    return v;
}

double gradNormScore(const NetworkPlan &plan, const torch::Tensor &images, const torch::Tensor &labels, std::uint64_t seed)
{
    Network net = freshNetwork(plan, seed);
    net->train();
    net->zero_grad();
    torch::nn::functional::cross_entropy(net->forward(images.to(torch::kFloat).contiguous()), labels).backward();
    double total = 0;
    for (auto &p : net->parameters())
        if (p.grad().defined())
            total += p.grad().norm().item<double>();
    return finiteLog(total, "gradnorm");
}

} // namespace fbnet::detail
