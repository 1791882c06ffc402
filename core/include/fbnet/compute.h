#pragma once

#include <string>
#include <vector>

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

/**
 * Throws fbnet::Error naming the field unless this process can compute with `options` here: valid
 * values, a device this libtorch sees, and a precision that device computes (fp16 needs a GPU; bf16
 * on a GPU needs compute capability 8.0). Jobs call it before they record anything.
 */
void checkComputeAvailable(const ComputeOptions &options);

/**
 * Whether this build's libtorch can run on `device` here (a CPU-only libtorch: never "cuda").
 * Never throws; an empty string means yes, otherwise the reason.
 */
std::string deviceUnavailableReason(const std::string &device);

/**
 * The devices this process can compute on: "cpu", then "cuda:0" .. "cuda:N-1" for each GPU this
 * libtorch sees (none with a CPU-only libtorch). Never throws.
 */
std::vector<std::string> computeDevices();

/**
 * Sets libtorch's intra-op threads (0: all cores) and, once per process, keeps freed memory in
 * the heap (large activations otherwise pay their page faults on every step). Returns the
 * number of threads used.
 */
int setComputeThreads(int threads);

/**
 * Decoder threads of the folder loader when ComputeOptions::loaderThreads is 0: 1 on machines of up
 * to 4 cores (a 224x224 batch of 32 decodes in ~0.1 s of one core, a CPU supernet step takes
 * seconds), otherwise a quarter of the cores, at most 16 (GPU steps are short). The compute
 * threads are not reduced: decoding is a small share, and the OS shares the cores.
 */
int defaultLoaderThreads();

} // namespace fbnet
