#include "search/loss.h"

namespace fbnet::detail {

LossTerms latencyAwareLoss(const torch::Tensor &logits, const torch::Tensor &labels, const torch::Tensor &latencyMs,
                           const SearchConfig &c, const torch::Tensor &targets)
{
    namespace F = torch::nn::functional;
    auto ce = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    torch::Tensor loss;
    if (targets.defined())
        return {(ce + c.targetWeight * torch::abs(latencyMs / targets - 1.0)).mean(), ce.mean()};
    switch (c.lossForm) {
    case LossForm::Multiplicative:
        // (log LAT)^beta needs LAT > 1 ms; below that the term is held at a tiny positive value.
        loss = ce * (c.alpha * torch::pow(torch::log(latencyMs).clamp_min(1e-3), c.beta));
        break;
    case LossForm::Additive:
        loss = ce + c.alpha * torch::pow(latencyMs.clamp_min(0), c.beta);
        break;
    case LossForm::Target:
        loss = ce + c.targetWeight * torch::abs(latencyMs / c.targetMs - 1.0);
        break;
    }
    return {loss.mean(), ce.mean()};
}

} // namespace fbnet::detail
