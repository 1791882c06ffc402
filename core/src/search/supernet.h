#pragma once
// The stochastic FBNet supernet (private to core).

#include <random>
#include <vector>

#include <torch/torch.h>

#include "fbnet/architecture.h"
#include "fbnet/searchconfig.h"
#include "fbnet/searchspace.h"
#include "nn/blocks.h"

namespace fbnet::detail {

/** Gumbel(0,1) noise of the given shape: -log(-log U), drawn on the options' device (its generator). */
torch::Tensor gumbelNoise(at::IntArrayRef shape, const torch::TensorOptions &options = {});

/**
 * Gumbel noise [keys, k] that depends only on each key (int64, below 2^32), the layer and the
 * candidate: a counter-based hash instead of a generator, the same on every rank and device.
 */
torch::Tensor keyedGumbelNoise(const torch::Tensor &keys, int64_t layer, int64_t k, const torch::TensorOptions &options);

/** One searchable layer: every candidate block plus the layer's latency vector. */
class MixedOpImpl : public torch::nn::Module
{
public:
    MixedOpImpl(const SearchSpace &space, const LayerSpec &layer);
    /** Soft: mask [N, K], output_n = sum_k mask[n,k] * block_k(x)_n. */
    torch::Tensor forwardSoft(const torch::Tensor &x, const torch::Tensor &mask);
    /** Hard: only block `index` runs; its output is scaled by `weight` (1 in value, ST gradient). */
    torch::Tensor forwardHard(const torch::Tensor &x, int64_t index, const torch::Tensor &weight);

    std::vector<std::shared_ptr<CandidateImpl>> candidates;
};
TORCH_MODULE(MixedOp);

struct SupernetOutput
{
    torch::Tensor logits;     ///< [N, classes]
    torch::Tensor latencyMs;  ///< [N] (soft, per-sample masks) or [1] (hard); a resource cost for DMasking
};

/** What the search loop needs of a supernet (FBNet's or DMasking's). */
class SearchableNet : public torch::nn::Module
{
public:
    virtual SupernetOutput forward(const torch::Tensor &x, double tau, MaskMode mode) = 0;
    /** Everything but the architecture logits. */
    std::vector<torch::Tensor> weightParameters();
    virtual std::vector<torch::Tensor> thetaParameters() = 0;
    /** softmax(theta) of each layer's block choice (the heatmap rows). */
    virtual std::vector<std::vector<double>> probabilities() const = 0;
    /** Every logit vector (all decisions), for the record and for sampling later. */
    virtual std::vector<std::vector<double>> thetaValues() const = 0;
    /** Expected latency (or cost) under softmax(theta), no noise. */
    virtual double expectedLatencyMs() const = 0;
    virtual Architecture argmax() const = 0;
    /** One architecture drawn from softmax(theta); adds its log-probability. */
    virtual Architecture sample(std::mt19937_64 &rng, double &logProbability) const = 0;
    /** log-probability of argmax() under softmax(theta). */
    virtual double argmaxLogProbability() const = 0;
    /** Family search: how many theta distributions share the weights (1: a plain search). */
    virtual int familySize() const { return 1; }
    /** Family search: whose theta the views above and a hard-mode forward use. */
    virtual void setMember(int) {}
    /**
     * Keys of the next forward's Gumbel noise (keyedGumbelNoise): one per sample in soft mode, one
     * in hard mode; undefined: noise from libtorch's generator. Only FBNet supernets key it.
     */
    virtual void setNoiseKeys(const torch::Tensor &) {}
    /**
     * Hard mode: the next forwards take these blocks (one index per layer) instead of drawing from
     * theta (uniform or fair weight sampling); empty: draw from theta. Only FBNet supernets take it.
     */
    virtual void setPath(std::vector<int64_t>) {}
    /** The number of candidate blocks of each searchable layer. */
    virtual std::vector<int64_t> choiceCounts() const { return {}; }
};

class SupernetImpl : public SearchableNet
{
public:
    /** `members` > 1: a family search, each theta [members, K_l] instead of [K_l]. */
    SupernetImpl(const SearchSpace &space, const std::vector<std::vector<double>> &latency, double fixedMs, int members = 1);

    /**
     * One stochastic forward pass at temperature tau. Gumbel noise is drawn per sample (soft) or
     * once per batch (hard). The expected latency is sum_l mask_l . LAT_l + fixed, differentiable
     * in theta. In a family, sample n of a soft batch draws its mask from theta of member
     * n mod members (one batch trains every member); a hard batch uses setMember's.
     */
    SupernetOutput forward(const torch::Tensor &x, double tau, MaskMode mode) override;

    std::vector<torch::Tensor> thetaParameters() override { return thetas; }
    std::vector<std::vector<double>> probabilities() const override;
    std::vector<std::vector<double>> thetaValues() const override;
    double expectedLatencyMs() const override;
    Architecture argmax() const override;
    Architecture sample(std::mt19937_64 &rng, double &logProbability) const override;
    double argmaxLogProbability() const override;
    int familySize() const override { return m_members; }
    void setMember(int m) override { m_member = m; }
    void setNoiseKeys(const torch::Tensor &keys) override { m_noiseKeys = keys; }
    void setPath(std::vector<int64_t> path) override { m_path = std::move(path); }
    std::vector<int64_t> choiceCounts() const override;

    ConvBnRelu stem{nullptr};
    std::vector<MixedOp> layers;
    ConvBnRelu head{nullptr};
    torch::nn::Linear fc{nullptr};
    std::vector<torch::Tensor> thetas;    ///< [K_l] logits per layer ([members, K_l] in a family)
    std::vector<torch::Tensor> latencies; ///< [K_l] ms per layer (buffers)
    double fixedMs = 0;

private:
    /** Layer l's logits of the current member, [K_l]. */
    torch::Tensor theta(std::size_t l) const { return m_members > 1 ? thetas[l][m_member] : thetas[l]; }

    torch::Tensor m_noiseKeys;  ///< setNoiseKeys's (undefined: the generator's noise)
    std::vector<int64_t> m_path;  ///< setPath's (empty: draw from theta)
    SearchSpace m_space;
    int m_members = 1, m_member = 0;
};
TORCH_MODULE(Supernet);

} // namespace fbnet::detail
