#pragma once
// A chosen architecture as a standard ONNX graph, and the runtimes that check and time it.

#include <cstdint>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** Debian 12's ONNX library (1.12) knows opsets up to 17; 13 is the oldest we write. */
constexpr int kOnnxMinOpset = 13;
constexpr int kOnnxMaxOpset = 17;

struct OnnxExportOptions
{
    int opset = kOnnxMaxOpset;
    bool foldBn = false;        ///< fold every BatchNorm into the convolution before it
    int batch = 0;              ///< 0: a dynamic batch dimension named "batch"; N > 0: fixed
    std::string weightsPath;    ///< state dict from `fbnet train --weights`; empty: random weights
    std::uint64_t seed = 0;     ///< seed of the random weights (when there is no weights file)
    std::string modelName;      ///< the graph's name (default: the architecture's)
    std::string description;    ///< doc string: provenance (run, architecture, weights)
};

struct OnnxExportSummary
{
    int opset = 0;
    std::size_t nodes = 0;
    std::size_t initializers = 0;
    std::int64_t parameters = 0;     ///< floats stored in the initializers
    std::uintmax_t bytes = 0;        ///< size of the written file
    bool trainedWeights = false;
    int inputSize = 0;
    int inputChannels = 0;
    int numClasses = 0;
};

/**
 * Writes `arch` (a network of `space`) to `outPath` as an ONNX model: input "input"
 * (batch x C x S x S, float, normalised as in training), output "logits" (batch x classes).
 * Weights from `options.weightsPath` (checked strictly against the architecture, errors name the
 * file and the key) or random (seeded; BN at its initial statistics). BN is kept as
 * BatchNormalization in inference form or folded into the convolutions. The model is checked
 * with ONNX's checker and strict shape inference before it is written (atomically).
 */
OnnxExportSummary exportOnnx(const SearchSpace &space, const Architecture &arch, const OnnxExportOptions &options,
                             const std::string &outPath);

/**
 * Logits of the network in libtorch (inference mode) for `input` (batch x C x S x S floats,
 * row-major), with the weights exportOnnx would write for the same weightsPath and seed.
 */
std::vector<float> torchLogits(const SearchSpace &space, const Architecture &arch, const std::string &weightsPath,
                               std::uint64_t seed, const std::vector<float> &input, int batch);

/** Whether OpenCV's dnn module (4.6, Debian 12) runs an ONNX file correctly. */
enum class OpenCvSupport
{
    Yes,
    FixedBatchOnly,  ///< squeeze-excite gating with a dynamic batch dimension: only a fixed-batch copy runs
    No,              ///< squeeze-excite gating written as Mul(x, gate) (files from before the gate came first)
};
/** What OpenCV 4.6 makes of this file, with the reason in *why when not Yes. */
OpenCvSupport opencvSupport(const std::string &onnxPath, std::string *why = nullptr);
/** opencvSupport(...) == Yes. The functions below refuse other files with the reason. */
bool opencvCanRun(const std::string &onnxPath, std::string *why = nullptr);

struct OpenCvCheck
{
    bool ran = false;               ///< false: OpenCV cannot run this file (OpenCvSupport::No); `why` says so
    std::string why;
    double relativeDifference = 0;  ///< maxRelativeDifference(OpenCV's logits, libtorch's)
    int batch = 0;
    bool fixedBatchCopy = false;    ///< checked on the same graph with the batch dimension fixed
};

/**
 * Runs the exported `onnxPath` (written by exportOnnx with `options`) in OpenCV's dnn module and
 * the network in libtorch on one seeded random batch (`batch` images unless the file fixes its
 * own) and compares the logits. Where OpenCV runs the graph only with a fixed batch, it checks a
 * copy written with --batch (beside the file, removed after). Where OpenCV cannot run it at all,
 * nothing runs and the check says why.
 */
OpenCvCheck checkInOpenCv(const SearchSpace &space, const Architecture &arch, const OnnxExportOptions &options, const std::string &onnxPath,
                          int batch = 2);

/** The same network as read from an ONNX file by OpenCV's dnn module (an independent runtime). */
std::vector<float> opencvLogits(const std::string &onnxPath, const std::vector<float> &input, int batch, int channels, int size);

struct RuntimeTiming
{
    double medianMs = 0, p10Ms = 0, p90Ms = 0;
    int runs = 0;
};

/** Times one forward pass at batch 1 of an ONNX file with OpenCV's dnn module (after warm-up). */
RuntimeTiming timeOnnxOpenCv(const std::string &onnxPath, int channels, int size, int threads, int warmup, int repeats);

/** max |a - b| over max |b|: the difference relative to the scale of the reference logits `b`. */
double maxRelativeDifference(const std::vector<float> &a, const std::vector<float> &b);

} // namespace fbnet
