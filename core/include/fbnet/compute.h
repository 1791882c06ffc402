#pragma once

#include <string>
#include <vector>

#include "fbnet/computeoptions.h"

namespace fbnet {

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

/** The intra-op threads setComputeThreads(threads) would use (0: all cores), without setting them. */
int resolvedComputeThreads(int threads);

/**
 * Decoder threads of the folder loader when ComputeOptions::loaderThreads is 0: 1 on machines of up
 * to 4 cores (a 224x224 batch of 32 decodes in ~0.1 s of one core, a CPU supernet step takes
 * seconds), otherwise a quarter of the cores, at most 16 (GPU steps are short). The compute
 * threads are not reduced: decoding is a small share, and the OS shares the cores.
 */
int defaultLoaderThreads();

} // namespace fbnet
