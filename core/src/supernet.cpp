#include "supernet.h"

namespace fbnet::detail {

torch::Tensor gumbelNoise(at::IntArrayRef shape, const torch::TensorOptions &options)
{
    auto u = torch::rand(shape, options).clamp_(1e-10, 1.0 - 1e-7);
    return -torch::log(-torch::log(u));
}

MixedOpImpl::MixedOpImpl(const SearchSpace &space, const LayerSpec &layer)
{
    for (std::size_t k = 0; k < layer.candidates.size(); ++k) {
        auto c = makeCandidate(space.block(layer.candidates[k]), layer.cin, layer.cout, layer.stride);
        candidates.push_back(register_module(layer.candidates[k], c));
    }
}

torch::Tensor MixedOpImpl::forwardSoft(const torch::Tensor &x, const torch::Tensor &mask)
{
    const auto n = x.size(0);
    torch::Tensor out;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
        auto w = mask.select(1, int64_t(k)).view({n, 1, 1, 1});
        auto y = candidates[k]->forward(x);
        // Accumulate in place: `out` is not needed by any backward function.
        if (k == 0)
            out = y * w;
        else
            out.addcmul_(y, w);
    }
    return out;
}

torch::Tensor MixedOpImpl::forwardHard(const torch::Tensor &x, int64_t index, const torch::Tensor &weight)
{
    return candidates[std::size_t(index)]->forward(x) * weight;
}

SupernetImpl::SupernetImpl(const SearchSpace &space, const std::vector<std::vector<double>> &latency, double fixed, int members)
    : fixedMs(fixed), m_space(space), m_members(members)
{
    stem = register_module("stem", ConvBnRelu(space.inputChannels, space.stemChannels, space.stemKernel, space.stemStride));
    const auto specs = space.layers();
    for (const auto &l : specs) {
        const std::string name = "layer" + std::to_string(l.index);
        layers.push_back(register_module(name, MixedOp(space, l)));
        const int64_t k = int64_t(l.candidates.size());
        thetas.push_back(register_parameter(name + "_theta", members > 1 ? torch::zeros({members, k}) : torch::zeros({k})));
        const auto &row = latency.at(std::size_t(l.index));
        latencies.push_back(register_buffer(name + "_lat", torch::tensor(std::vector<float>(row.begin(), row.end()))));
    }
    head = register_module("head", ConvBnRelu(specs.back().cout, space.headChannels, 1, 1));
    fc = register_module("fc", torch::nn::Linear(space.headChannels, space.numClasses));
}

SupernetOutput SupernetImpl::forward(const torch::Tensor &input, double tau, MaskMode mode)
{
    auto x = stem(input);
    const auto n = x.size(0);
    torch::Tensor lat, member;
    if (m_members > 1 && mode == MaskMode::Soft)
        member = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(input.device())).remainder(m_members);
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const int64_t k = thetas[l].size(-1);
        if (mode == MaskMode::Soft) {
            const auto rows = m_members > 1 ? thetas[l].index_select(0, member) : thetas[l].unsqueeze(0);
            auto mask = torch::softmax((rows + gumbelNoise({n, k}, thetas[l].options())) / tau, 1);
            x = layers[l]->forwardSoft(x, mask);
            auto ll = torch::mv(mask, latencies[l]);
            lat = l == 0 ? ll : lat + ll;
        } else {
            const auto th = theta(l);
            auto soft = torch::softmax((th + gumbelNoise({k}, th.options())) / tau, 0);
            const int64_t idx = soft.argmax().item<int64_t>();
            auto hard = torch::zeros_like(soft);
            hard[idx] = 1.0;
            auto st = hard - soft.detach() + soft;
            x = layers[l]->forwardHard(x, idx, st[idx]);
            auto ll = torch::dot(st, latencies[l]).view({1});
            lat = l == 0 ? ll : lat + ll;
        }
    }
    x = head(x);
    x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    return {fc(x), lat + fixedMs};
}

Architecture SupernetImpl::argmax() const
{
    return argmaxArchitecture(m_space, probabilities());
}

double SupernetImpl::argmaxLogProbability() const
{
    double lp = 0;
    for (const auto &p : probabilities())
        lp += std::log(std::max(1e-300, *std::max_element(p.begin(), p.end())));
    return lp;
}

Architecture SupernetImpl::sample(std::mt19937_64 &rng, double &logProbability) const
{
    const auto probs = probabilities();
    const auto layers = m_space.layers();
    Architecture a;
    a.space = m_space.name;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        std::discrete_distribution<std::size_t> d(probs[l].begin(), probs[l].end());
        const std::size_t k = d(rng);
        a.blocks.push_back(layers[l].candidates[k]);
        logProbability += std::log(std::max(1e-300, probs[l][k]));
    }
    return a;
}

std::vector<torch::Tensor> SearchableNet::weightParameters()
{
    std::vector<torch::Tensor> out;
    for (const auto &p : named_parameters())
        if (p.key().find("_theta") == std::string::npos)
            out.push_back(p.value());
    return out;
}

std::vector<std::vector<double>> SupernetImpl::probabilities() const
{
    torch::NoGradGuard ng;
    std::vector<std::vector<double>> out;
    for (std::size_t l = 0; l < thetas.size(); ++l) {
        auto p = torch::softmax(theta(l).to(torch::kDouble), 0).contiguous();
        out.emplace_back(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    }
    return out;
}

std::vector<std::vector<double>> SupernetImpl::thetaValues() const
{
    torch::NoGradGuard ng;
    std::vector<std::vector<double>> out;
    for (std::size_t l = 0; l < thetas.size(); ++l) {
        auto p = theta(l).to(torch::kDouble).contiguous();
        out.emplace_back(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    }
    return out;
}

double SupernetImpl::expectedLatencyMs() const
{
    torch::NoGradGuard ng;
    double total = fixedMs;
    for (std::size_t l = 0; l < thetas.size(); ++l)
        total += torch::dot(torch::softmax(theta(l), 0), latencies[l]).item<double>();
    return total;
}

} // namespace fbnet::detail
