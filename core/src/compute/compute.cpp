#include "fbnet/compute.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include <malloc.h>

#include <torch/cuda.h>
#include <torch/types.h>
#include <ATen/Parallel.h>

#include "fbnet/error.h"
#include "compute/device.h"
#include "compute/precision.h"

namespace fbnet {

/** "cpu", "cuda" or "cuda:N" with N of 1 to 3 digits. */
static bool isDeviceName(const std::string &device)
{
    if (device == "cpu" || device == "cuda")
        return true;
    return device.rfind("cuda:", 0) == 0 && device.size() > 5 && device.size() < 9
        && std::all_of(device.begin() + 5, device.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void ComputeOptions::validate() const
{
    if (threads < 0 || threads > 4096)
        throw Error::at("compute options", "threads", "expected 0..4096 (0: all cores), got " + std::to_string(threads));
    if (loaderThreads < 0 || loaderThreads > 256)
        throw Error::at("compute options", "loader threads", "expected 0..256 (0: the default), got " + std::to_string(loaderThreads));
    if (precision != "auto" && precision != "fp32" && precision != "bf16" && precision != "fp16")
        throw Error::at("compute options", "precision", "expected auto, fp32, bf16 or fp16, got \"" + precision + "\"");
    if (!isDeviceName(device))
        throw Error::at("compute options", "device", "expected cpu, cuda or cuda:N, got \"" + device + "\"");
}

void checkComputeAvailable(const ComputeOptions &options)
{
    detail::resolvePrecision(options, detail::torchDevice(options));
}

std::string deviceUnavailableReason(const std::string &device)
{
    if (device == "cpu")
        return {};
    if (!isDeviceName(device))
        return "unknown device \"" + device + "\" (expected cpu, cuda or cuda:N)";
    if (!torch::cuda::is_available())
        return "device " + device + " is not available: this libtorch has no CUDA support or sees no GPU "
               "(build against a CUDA libtorch, see README \"GPU\")";
    if (device.size() > 5) {
        const long index = std::stol(device.substr(5));
        const long count = long(torch::cuda::device_count());
        if (index >= count)
            return "device " + device + " does not exist: " + std::to_string(count) + " GPU(s) visible";
    }
    return {};
}

std::vector<std::string> computeDevices()
{
    std::vector<std::string> out{"cpu"};
    try {
        if (torch::cuda::is_available())
            for (std::size_t i = 0, n = torch::cuda::device_count(); i < n; ++i)
                out.push_back("cuda:" + std::to_string(i));
    } catch (const std::exception &) {
        // a broken CUDA driver: the CPU only
    }
    return out;
}

/**
 * Supernet activations are tens of MB each. glibc serves blocks above its mmap threshold (at most
 * 32 MB) with fresh mmaps and returns them on free, so every such tensor pays its page faults
 * again: memory-bound ops (BN, ReLU, depthwise conv) then run 4-8x slower (tests/bench). Keep
 * freed memory in the heap instead. Process-wide, done once.
 */
static void keepFreedMemoryInHeap()
{
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 64 << 20);
    });
}

int defaultLoaderThreads()
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return cores <= 4 ? 1 : int(std::min(16u, cores / 4));
}

int resolvedComputeThreads(int threads)
{
    return threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
}

int setComputeThreads(int threads)
{
    keepFreedMemoryInHeap();
    const int n = resolvedComputeThreads(threads);
    at::set_num_threads(n);
    return n;
}

} // namespace fbnet
