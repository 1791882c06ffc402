#pragma once
// Private (torch): the one hook between backward() and the optimizer step of a search.

#include <vector>

#include <torch/types.h>


namespace fbnet::detail {

/**
 * Called by every weight and theta step after backward() and before the optimizer's step, with
 * the parameters that step updates (their .grad() is set, or undefined where a hard-mode step did
 * not sample a candidate). A single process needs nothing (NoGradientSync); a data-parallel search
 * averages the gradients across its processes here (an all-reduce), so that every process takes
 * the same step.
 */
class GradientSync
{
public:
    /** Which optimizer is about to step: the weights' (SGD) or the architecture parameters' (Adam). */
    enum class Step { Weights, Theta };
    virtual ~GradientSync() = default;
    virtual void synchronize(std::vector<torch::Tensor> &parameters, Step step) = 0;
    /** This process's rank and the number of processes (1: a single-process search). */
    virtual int rank() const { return 0; }
    virtual int worldSize() const { return 1; }
    /** The sum over all ranks of `values` (a rank's loss and accuracy counts, for the same numbers everywhere). */
    virtual void sum(std::vector<double> &) {}
    /** The element-wise sum over all ranks of `t`, in place (on its device; synchronised BN's statistics). */
    virtual void sumTensor(torch::Tensor &) {}
    /** Bytes of gradients all-reduced so far. */
    virtual double reducedBytes() const { return 0; }
};

class NoGradientSync final : public GradientSync
{
public:
    void synchronize(std::vector<torch::Tensor> &, Step) override {}
};

} // namespace fbnet::detail
