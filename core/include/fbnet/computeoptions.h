#pragma once

#include <string>

namespace fbnet {

/**
 * Where and how a search, a training or a table build computes: one value shared by every engine
 * job and stored with each run (its keys sit in the run's config JSON: "device", "threads",
 * "channels_last", "precision").
 */
struct ComputeOptions
{
    std::string device = "cpu";      ///< "cpu", "cuda" or "cuda:N"
    int threads = 0;                 ///< intra-op CPU threads; 0: all cores
    int loaderThreads = 0;           ///< image decoder threads of folder data sets; 0: 1 on up to 4 cores, else a quarter of them
    bool channelsLast = true;        ///< NHWC activations and weights
    /**
     * "auto" (bf16 on a GPU that computes it, fp32 elsewhere), "fp32", "bf16" (autocast; a CPU
     * too) or "fp16" (autocast with a dynamic loss scale; GPUs only). Parameters, gradients,
     * optimizer state and the loss stay fp32 in every precision.
     */
    std::string precision = "auto";

    /** Throws fbnet::Error naming the field: unknown device or precision, threads out of 0..4096, loader threads out of 0..256. */
    void validate() const;
};

} // namespace fbnet
