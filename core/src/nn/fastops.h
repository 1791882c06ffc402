#pragma once
// Batch norm + ReLU as one training-mode operation with a fused backward pass (private to core).

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

namespace fbnet::detail {

/**
 * bn(x), followed by an in-place ReLU when `relu` is set: the same values, running statistics and
 * gradients as the two library operations (to float rounding).
 *
 * In training mode, for a float channels-last 4-d input, it runs our own kernels: the forward
 * pass computes the batch statistics in one pass over x and writes max(0, x*a + b) in a second;
 * the backward pass recomputes the ReLU mask from x and produces dx, dgamma and dbeta in two
 * passes, where the library's ReLU backward plus batch-norm backward take five and also keep the
 * activation alive for the backward pass. The supernet spends about as much time in these
 * memory-bound passes as in its convolutions (tests/bench/bench_supernet, FBNET_PROFILE).
 *
 * Everything else (evaluation mode, NCHW or non-float input, a BN without affine parameters or
 * with cumulative averaging) takes the library path.
 */
torch::Tensor batchNormRelu(const torch::Tensor &x, torch::nn::BatchNorm2d &bn, bool relu);
/** bn(x), or inside a SyncBatchNormScope (syncbatchnorm.h) in training mode, over the global batch. */
torch::Tensor batchNorm(const torch::Tensor &x, torch::nn::BatchNorm2d &bn);

/**
 * Sees the output of every ReLU that batchNormRelu and activate apply on this thread while a
 * ReluObserverScope is alive (NASWOT's activation codes, nn/zerocost.cpp); none otherwise.
 */
class ReluObserver
{
public:
    virtual ~ReluObserver() = default;
    virtual void observe(const torch::Tensor &relu) = 0;
};
class ReluObserverScope
{
public:
    explicit ReluObserverScope(ReluObserver *observer);
    ~ReluObserverScope();
    ReluObserverScope(const ReluObserverScope &) = delete;
    ReluObserverScope &operator=(const ReluObserverScope &) = delete;

private:
    ReluObserver *m_previous;
};
/** The observer of this thread (null: none). */
ReluObserver *reluObserver();

/** Whether batchNormRelu and depthwiseConv may take their own kernels (on by default; FBNET_FAST_OPS=0 turns them off). */
bool fastOpsEnabled();
void setFastOpsEnabled(bool on);

} // namespace fbnet::detail

namespace fbnet::detail {

/**
 * A depthwise convolution (groups == channels, no bias) whose weight gradient comes from our own
 * kernel in training; forward and input gradient stay with the library (oneDNN). oneDNN's
 * channels-last depthwise weight gradient takes 5x its forward pass at 5x5; ours accumulates each
 * output row's k*k taps in L1 and makes a 5x5 layer's forward + backward 1.5-3x faster
 * (tests/bench/bench_fastops). At 3x3 oneDNN is faster, so kernels below 5x5, any other
 * convolution, or no gradient needed take the library path. Off with FBNET_FAST_OPS=0, like batchNormRelu.
 */
torch::Tensor depthwiseConv(const torch::Tensor &x, torch::nn::Conv2d &conv);

} // namespace fbnet::detail
