#pragma once
// FBNetV2 / DMaskingNAS (private to core): channel masking and input-resolution interleaving.

#include <random>
#include <vector>

#include <torch/torch.h>

#include "fbnet/architecture.h"
#include "fbnet/searchconfig.h"
#include "nn/blocks.h"
#include "search/supernet.h"
#include "space/shapeplan.h"

namespace fbnet::detail {

/** [K, C] prefix masks: row k has ones in its first widths[k] entries, zeros after. */
torch::Tensor prefixMasks(const std::vector<int> &widths, int64_t maxWidth);

/** Positions a size-r nearest-neighbour subsample takes from a size-R axis: floor(i * R / r). */
torch::Tensor subsampleIndex(int64_t r, int64_t R, torch::Device device = torch::kCPU);
/** [N, C, R, R] -> [N, C, r, r], nearest neighbour. */
torch::Tensor subsample(const torch::Tensor &x, int64_t r);
/** [N, C, r, r] -> [N, C, R, R]: each value back at the position it was sampled from, zeros between. */
torch::Tensor interleave(const torch::Tensor &y, int64_t R);

/**
 * Gumbel-softmax weights over K options: soft [N, K]; hard: straight-through one-hot, [N, K] (one
 * draw per batch). In soft mode `theta` may be [N, K], a row per sample (a family search).
 */
torch::Tensor gumbelWeights(const torch::Tensor &theta, int64_t n, double tau, MaskMode mode);

/** An IRF block at its largest hidden width whose hidden channels are masked (after pw and after dw). */
class MaskedIrfImpl : public torch::nn::Module
{
public:
    MaskedIrfImpl(const BlockSpec &block, int64_t in, int64_t mid, int64_t out, int64_t stride);
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &midMask);

    BlockSpec block;
    torch::nn::Conv2d pw{nullptr}, dw{nullptr}, pwl{nullptr};
    torch::nn::BatchNorm2d pwBn{nullptr}, dwBn{nullptr}, pwlBn{nullptr};
    SqueezeExcite se{nullptr};
    bool residual = false;
};
TORCH_MODULE(MaskedIrf);

/**
 * The DMasking supernet: per layer a Gumbel-softmax over blocks (as FBNet), over output widths and
 * over hidden widths (prefix masks on one convolution at the largest width, weights shared), and
 * over input resolutions (subsample, stem, re-interleave, sum). The resource term (MFLOPs or
 * Mparams) is computed from the effective widths and resolution, so it is differentiable in
 * every logit. A family search (`members` > 1) holds every logit vector as [members, K]: sample n
 * of a soft batch draws all its choices from member n mod members, a hard batch from setMember's,
 * and the views (probabilities, argmax, ...) show setMember's.
 */
class DMaskingSupernetImpl : public SearchableNet
{
public:
    DMaskingSupernetImpl(const SearchSpace &space, const std::string &metric, int members = 1);

    SupernetOutput forward(const torch::Tensor &x, double tau, MaskMode mode) override;
    std::vector<torch::Tensor> thetaParameters() override { return m_thetas; }
    std::vector<std::vector<double>> probabilities() const override;
    std::vector<std::vector<double>> thetaValues() const override;
    double expectedLatencyMs() const override;
    Architecture argmax() const override;
    Architecture sample(std::mt19937_64 &rng, double &logProbability) const override;
    double argmaxLogProbability() const override;
    int familySize() const override { return m_members; }
    void setMember(int m) override { m_member = m; }

    /** The expected cost under given option weights (rows of [1, K]); exposed for tests. */
    torch::Tensor expectedCost(const std::vector<torch::Tensor> &opW, const std::vector<torch::Tensor> &widthW,
                               const std::vector<torch::Tensor> &midW, const torch::Tensor &resW) const;
    const std::vector<DMaskingLayerPlan> &plan() const { return m_plan; }

    ConvBnRelu stem{nullptr};
    std::vector<std::vector<std::shared_ptr<torch::nn::Module>>> ops;  ///< per layer: MaskedIrf or SkipBlock
    ConvBnRelu head{nullptr};
    torch::nn::Conv2d headPwl{nullptr};
    torch::nn::Linear fc{nullptr};

private:
    /** The current member's logits of a decision, [K]. */
    torch::Tensor current(const torch::Tensor &theta) const { return m_members > 1 ? theta[m_member] : theta; }
    /** A decision's Gumbel weights [N, K]: per-sample members in a soft family batch. */
    torch::Tensor weights(const torch::Tensor &theta, int64_t n, double tau, MaskMode mode, const torch::Tensor &member) const;

    struct Thetas
    {
        torch::Tensor op, width, mid;
    };
    const SearchSpace m_space;
    std::string m_metric;
    std::vector<DMaskingLayerPlan> m_plan;
    std::vector<Thetas> m_layerThetas;
    torch::Tensor m_resTheta;  ///< undefined: one resolution
    std::vector<torch::Tensor> m_thetas;
    std::vector<torch::Tensor> m_widthMasks, m_midMasks;  ///< [K, C] per layer
    std::vector<int> m_resolutions;
    int m_members = 1, m_member = 0;
};
TORCH_MODULE(DMaskingSupernet);

/** Whether a space is searched with DMasking (it has width, expansion or resolution options). */
bool isDMaskingSpace(const SearchSpace &space);

} // namespace fbnet::detail
