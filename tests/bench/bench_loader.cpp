// The folder loader's figures (issue 12): images/s at 224x224 from ~500x375 JPEGs, peak memory
// against the data set's size, and the share of a search step spent waiting for data.
//
//   bench_loader make DIR COUNT            COUNT images in 100 classes: 256 distinct 500x375 JPEGs, hard-linked
//   bench_loader speed DIR THREADS [N]     decode + random-resized crop of N images (default 2000), 3 runs
//   bench_loader rss DIR [BATCHES]         list the folder, stream BATCHES batches of 32 (default 60): peak RSS
//   bench_loader wait DIR|synthetic STEPS [THREADS]  fbnet-imagenet search, batch 32, STEPS weight + STEPS theta steps: data-wait share
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <turbojpeg.h>

#include "data/imagestream.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"

using namespace fbnet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

long peakRssKb()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

/** A photo-like 500x375 JPEG (smooth gradients, blobs and noise), quality 90. */
std::vector<unsigned char> photo(int seed)
{
    const int w = 500, h = 375;
    std::mt19937 rng{std::uint32_t(seed)};
    std::uniform_real_distribution<float> u(0, 1);
    std::normal_distribution<float> noise(0, 6);
    std::vector<unsigned char> rgb(std::size_t(w) * h * 3);
    float base[3] = {u(rng) * 255, u(rng) * 255, u(rng) * 255}, slope[3] = {u(rng) - 0.5f, u(rng) - 0.5f, u(rng) - 0.5f};
    const float cx = u(rng) * w, cy = u(rng) * h, radius = 40 + u(rng) * 100;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                float v = base[c] + slope[c] * (x + y) * 0.4f + noise(rng);
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius)
                    v = 255 - v;
                rgb[(std::size_t(y) * w + x) * 3 + std::size_t(c)] = (unsigned char)std::clamp(v, 0.f, 255.f);
            }
    tjhandle tj = tjInitCompress();
    unsigned char *out = nullptr;
    unsigned long size = 0;
    tjCompress2(tj, rgb.data(), w, 0, h, TJPF_RGB, &out, &size, TJSAMP_420, 90, 0);
    std::vector<unsigned char> jpeg(out, out + size);
    tjFree(out);
    tjDestroy(tj);
    return jpeg;
}

int make(const fs::path &dir, int count)
{
    const fs::path originals = dir / "originals";
    fs::create_directories(originals);
    for (int i = 0; i < 256; ++i)
        if (!fs::exists(originals / (std::to_string(i) + ".jpg"))) {
            const auto bytes = photo(i);
            std::ofstream(originals / (std::to_string(i) + ".jpg"), std::ios::binary)
                .write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
        }
    const fs::path root = dir / "data";
    for (int i = 0; i < count; ++i) {
        const fs::path cls = root / ("class" + std::to_string(i % 100));
        if (i < 100)
            fs::create_directories(cls);
        const fs::path link = cls / ("img" + std::to_string(i) + ".jpg");
        if (!fs::exists(link))
            fs::create_hard_link(originals / (std::to_string(i % 256) + ".jpg"), link);
    }
    std::printf("%d images in %s (100 classes, 256 distinct 500x375 JPEGs of %.0f KB on average, hard-linked)\n", count,
                root.c_str(), double(fs::file_size(originals / "0.jpg")) / 1024);
    return 0;
}

int speed(const fs::path &root, int threads, int n)
{
    const Dataset d = loadImageFolder(root.string(), Split::Train, 224);
    std::vector<std::size_t> order(std::min<std::size_t>(std::size_t(n), d.size()));
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> rates;
    for (int run = 0; run < 3; ++run) {
        detail::ImageStream stream(d, threads, 4);
        const auto t0 = Clock::now();
        stream.start(order, 0, order.size(), 32, detail::Transform::Train, std::uint64_t(run));
        for (std::size_t done = 0; done < order.size();)
            done += stream.next().count;
        rates.push_back(double(order.size()) / std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::sort(rates.begin(), rates.end());
    std::printf("loader, %d thread(s): %.0f images/s at 224x224 (median of 3: %.0f %.0f %.0f; random-resized crop + flip from "
                "500x375 JPEG)\n", threads, rates[1], rates[0], rates[1], rates[2]);
    return 0;
}

int rss(const fs::path &root, int batches)
{
    const long before = peakRssKb();
    const auto t0 = Clock::now();
    const Dataset d = loadImageFolder(root.string(), Split::Train, 224);
    const double listSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const long listed = peakRssKb();
    std::vector<std::size_t> order(d.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(1);
    std::shuffle(order.begin(), order.end(), rng);
    detail::ImageStream stream(d, 2, 4);
    stream.start(order, 0, std::min<std::size_t>(order.size(), std::size_t(batches) * 32), 32, detail::Transform::Train, 1);
    for (int b = 0; b < batches && std::size_t(b) * 32 < order.size(); ++b)
        stream.next();
    std::printf("%zu training images: listed in %.1f s; peak RSS %ld MB at start, %ld MB after listing, %ld MB after streaming "
                "%d batches of 32 at 224 (2 loader threads, 4 batches ahead)\n",
                d.size(), listSeconds, before / 1024, listed / 1024, peakRssKb() / 1024, batches);
    return 0;
}

struct Waits : SearchObserver
{
    std::vector<double> wait, step;
    void onStep(const StepStats &s) override
    {
        wait.push_back(s.dataWaitSeconds);
        step.push_back(32.0 / s.imagesPerSecond);
        std::printf("  step %d: %.2f s, waited %.3f s for data\n", s.step, step.back(), s.dataWaitSeconds);
        std::fflush(stdout);
    }
};

int wait(const fs::path &root, int steps, int loaderThreads)
{
    // "synthetic": the same search on an in-memory set of 224x224 images (no decoding), for the
    // step time without the loader beside it.
    const Dataset d = root == "synthetic" ? loadDataset("synthetic:2000", Split::Train, 224)
                                          : loadImageFolder(root.string(), Split::Train, 224);
    SpaceParams params;
    params.numClasses = d.numClasses;
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"), params);
    const LatencyTable lut = LatencyTable::byName("s8", space.name);
    SearchConfig c;
    c.epochs = 1;
    c.warmupEpochs = 0;  // STEPS weight steps, then STEPS theta steps
    c.batchSize = 32;
    c.maxStepsPerEpoch = steps;
    c.samples = 0;
    c.compute.loaderThreads = loaderThreads;
    Waits w;
    StopToken stop;
    const auto r = runSearch(space, lut, d, c, w, stop);
    // The first step also waits for the loader's start (nothing decoded yet): reported apart.
    double waited = 0, total = 0;
    for (std::size_t i = 1; i < w.step.size(); ++i) {
        waited += w.wait[i];
        total += w.step[i];
    }
    std::printf("%s: fbnet-imagenet search, batch 32, %d loader thread(s), %d compute threads: steps 2..%zu waited %.3f s of %.1f s "
                "for data (%.2f%%); the first step waited %.2f s (the loader's start); whole search %.1f s, data wait %.2f s\n",
                d.streamed() ? "folder" : "in memory", loaderThreads, setComputeThreads(0), w.step.size(), waited, total, total > 0 ? 100 * waited / total : 0,
                w.wait.empty() ? 0 : w.wait[0], r.seconds, r.dataWaitSeconds);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::string> a(argv + 1, argv + argc);
    try {
        if (a.size() >= 3 && a[0] == "make")
            return make(a[1], std::stoi(a[2]));
        if (a.size() >= 3 && a[0] == "speed")
            return speed(fs::path(a[1]), std::stoi(a[2]), a.size() > 3 ? std::stoi(a[3]) : 2000);
        if (a.size() >= 2 && a[0] == "rss")
            return rss(fs::path(a[1]), a.size() > 2 ? std::stoi(a[2]) : 60);
        if (a.size() >= 3 && a[0] == "wait")
            return wait(fs::path(a[1]), std::stoi(a[2]), a.size() > 3 ? std::stoi(a[3]) : 0);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_loader: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: bench_loader make DIR COUNT | speed DIR THREADS [N] | rss DIR [BATCHES] | wait DIR STEPS [LOADER_THREADS]\n");
    return 2;
}
