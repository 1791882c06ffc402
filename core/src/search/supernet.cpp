#include "search/supernet.h"

#include "fbnet/sampling.h"
#include "compute/device.h"

namespace fbnet::detail {

torch::Tensor gumbelNoise(at::IntArrayRef shape, const torch::TensorOptions &options)
{
    auto u = torch::rand(shape, options).clamp_(1e-10, 1.0 - 1e-7);
    return -torch::log(-torch::log(u));
}

namespace {

/** (h * c) mod 2^32 for int64 tensors of values below 2^32, in 16-bit halves (no int64 overflow). */
torch::Tensor mulMod32(const torch::Tensor &h, int64_t c)
{
    const auto lo = h.bitwise_and(0xffff), hi = torch::div(h, 65536, "floor");
    return (lo * c + (hi * c).bitwise_and(0xffff) * 65536).bitwise_and(std::int64_t(0xffffffff));
}

/** MurmurHash3's 32-bit finaliser on int64 tensors holding values below 2^32. */
torch::Tensor fmix32(torch::Tensor h)
{
    h = h.bitwise_xor(torch::div(h, 65536, "floor"));
    h = mulMod32(h, std::int64_t(0x85ebca6b));
    h = h.bitwise_xor(torch::div(h, 8192, "floor"));
    h = mulMod32(h, std::int64_t(0xc2b2ae35));
    return h.bitwise_xor(torch::div(h, 65536, "floor"));
}

} // namespace

torch::Tensor keyedGumbelNoise(const torch::Tensor &keys, int64_t layer, int64_t k, const torch::TensorOptions &options)
{
    const auto cand = torch::arange(k, torch::TensorOptions().dtype(torch::kLong).device(keys.device())) + (layer + 1) * 4096;
    const auto h = fmix32(keys.to(torch::kLong).view({-1, 1}).bitwise_xor(fmix32(cand).view({1, -1})));
    const auto u = ((h.to(torch::kDouble) + 0.5) / 4294967296.0).clamp_(1e-10, 1.0 - 1e-7);
    return (-torch::log(-torch::log(u))).to(options);  // the dtype and device of theta
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
            const auto noise = m_noiseKeys.defined() ? keyedGumbelNoise(m_noiseKeys, int64_t(l), k, thetas[l].options())
                                                     : gumbelNoise({n, k}, thetas[l].options());
            auto mask = torch::softmax((rows + noise) / tau, 1);
            x = layers[l]->forwardSoft(x, mask);
            auto ll = torch::mv(mask, latencies[l]);
            lat = l == 0 ? ll : lat + ll;
        } else if (!m_path.empty()) {
            // A path given by the weight step (uniform or fair sampling): no draw, no gradient to theta.
            const int64_t idx = m_path.at(l);
            auto hard = torch::zeros({k}, thetas[l].options().requires_grad(false));
            hard[idx] = 1.0;
            x = layers[l]->forwardHard(x, idx, hard[idx]);
            auto ll = torch::dot(hard, latencies[l]).view({1});
            lat = l == 0 ? ll : lat + ll;
        } else {
            const auto th = theta(l);
            const auto noise = m_noiseKeys.defined() ? keyedGumbelNoise(m_noiseKeys.view({1}), int64_t(l), k, th.options()).view({k})
                                                     : gumbelNoise({k}, th.options());
            auto soft = torch::softmax((th + noise) / tau, 0);
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

std::vector<int64_t> SupernetImpl::choiceCounts() const
{
    std::vector<int64_t> out;
    for (const auto &t : thetas)
        out.push_back(t.size(-1));
    return out;
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
    DrawnArchitecture d = sampleFromTheta(m_space, thetaValues(), rng);
    logProbability += d.logProbability;
    return std::move(d.architecture);
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
    for (std::size_t l = 0; l < thetas.size(); ++l)
        out.push_back(hostValues(torch::softmax(theta(l).to(torch::kDouble), 0)));
    return out;
}

std::vector<std::vector<double>> SupernetImpl::thetaValues() const
{
    torch::NoGradGuard ng;
    std::vector<std::vector<double>> out;
    for (std::size_t l = 0; l < thetas.size(); ++l)
        out.push_back(hostValues(theta(l)));
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
