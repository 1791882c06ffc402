#include "fbnet/lutbuild.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "compute/device.h"
#include "nn/network.h"

namespace fbnet {

namespace {

struct Timing
{
    double median = 0, p10 = 0, p90 = 0;
};

template<typename F>
Timing timeIt(F &&run, const LutBuildOptions &o, const torch::Device &device)
{
    for (int i = 0; i < o.warmup; ++i)
        run();
    detail::DeviceTimer timer(device);  // wall time on a CPU, CUDA events on a GPU
    std::vector<double> ms;
    ms.reserve(std::size_t(o.repeats));
    for (int i = 0; i < o.repeats; ++i) {
        timer.start();
        run();
        ms.push_back(timer.elapsedMs());
    }
    std::sort(ms.begin(), ms.end());
    const std::size_t n = ms.size();
    return {ms[n / 2], ms[n / 10], ms[std::min(n - 1, n * 9 / 10)]};
}

torch::Tensor input(int batch, int channels, int size, const torch::Device &device)
{
    return torch::randn({batch, channels, size, size}).to(device).contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Device timingDevice(const LutBuildOptions &o)
{
    ComputeOptions c;
    c.device = o.compute;
    return detail::torchDevice(c);
}

std::string today()
{
    char buf[16];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
}

void checkOptions(const LutBuildOptions &o)
{
    if (o.batch < 1 || o.repeats < 3 || o.warmup < 0 || o.threads < 0)
        throw Error::at("lut build", "options", "expected batch >= 1, repeats >= 3, warm-up >= 0, threads >= 0");
}

} // namespace

/**
 * Isolated op timings miss what a whole network adds per block (allocation, dispatch, cache
 * traffic between ops). Times a few random networks end to end and scales the table by one factor.
 */
static void correctEndToEnd(LatencyTable &t, const SearchSpace &space, const LutBuildOptions &o, const ProgressFn &progress,
                            const StopToken &stop, int done, int total)
{
    std::mt19937_64 rng(0x5eed);
    std::vector<double> sum, measured;
    for (int i = 0; i < o.correctionNetworks; ++i) {
        if (stop.stopRequested())
            throw Error("lut build: cancelled; nothing written");
        if (progress)
            progress(done, total, "end-to-end network " + std::to_string(i + 1) + "/" + std::to_string(o.correctionNetworks));
        Architecture a;
        a.space = space.name;
        for (const auto &l : space.layers())
            a.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        sum.push_back(t.predict(space, a));
        measured.push_back(measureArchitectureMs(space, a, o));  // on the same device
    }
    // One parameter: a = sum(measured) / sum(op sums). (A slope and an offset fitted to ten
    // similar networks proved unstable, giving negative fixed parts.)
    double sm = 0, ss = 0;
    for (std::size_t i = 0; i < sum.size(); ++i) {
        sm += measured[i];
        ss += sum[i];
    }
    const double a = sm / ss;
    for (auto &[sig, e] : t.entries) {
        e.ms *= a;
        if (e.p10 >= 0)
            e.p10 *= a;
        if (e.p90 >= 0)
            e.p90 *= a;
    }
    t.fixedMs *= a;
    char buf[200];
    std::snprintf(buf, sizeof buf, "op timings scaled by %.4f = end-to-end / sum of ops over %d random networks (seed 0x5eed)", a,
                  o.correctionNetworks);
    t.provenance["correction"] = buf;
}

LatencyTable buildLatencyTable(const SearchSpace &space, const LutBuildOptions &o, const ProgressFn &progress,
                               const StopToken &stop)
{
    checkOptions(o);
    const torch::Device device = timingDevice(o);
    const int threads = setComputeThreads(o.threads);
    torch::InferenceMode guard;
    torch::manual_seed(0);

    std::map<std::string, std::pair<LayerSpec, BlockSpec>> ops;
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates)
            ops.emplace(opSignature(l, space.block(c)), std::make_pair(l, space.block(c)));

    LatencyTable t;
    const bool gpu = !device.is_cpu();
    t.device = !o.device.empty() ? o.device : gpu ? "local-cuda" : "local-cpu";
    t.description = !o.description.empty() ? o.description
        : gpu ? "this machine's GPU (" + device.str() + "), measured with libtorch" : "this machine's CPU, measured with libtorch";
    t.spaces = {space.name};
    t.batch = o.batch;
    t.threads = threads;
    t.date = today();
    t.provenanceKind = "measured";
    t.provenance["method"] = "fbnet lut build: libtorch " + std::string(TORCH_VERSION) + ", inference mode, eval-mode BN, "
        + "channels-last, fp32, batch " + std::to_string(o.batch) + ", "
        + (gpu ? device.str() + " timed with CUDA events" : std::to_string(threads) + " thread(s)") + ", "
        + std::to_string(o.warmup) + " warm-up + " + std::to_string(o.repeats) + " timed runs per op, median";
    t.provenance["hardware_threads"] = std::to_string(std::thread::hardware_concurrency());

    const int total = int(ops.size()) + 2;
    int done = 0;
    std::vector<std::string> unstable;
    auto record = [&](const std::string &sig, const Timing &tm) {
        t.entries[sig] = LatencyEntry{tm.median, tm.p10, tm.p90, o.repeats};
        if (tm.median > 0 && (tm.p90 - tm.p10) / tm.median > o.unstableSpread)
            unstable.push_back(sig);
    };
    for (const auto &[sig, op] : ops) {
        if (stop.stopRequested())
            throw Error("lut build: cancelled; nothing written");
        if (progress)
            progress(done, total, sig);
        const auto &[layer, block] = op;
        auto m = detail::makeCandidate(block, layer.cin, layer.cout, layer.stride);
        m->eval();
        m->to(device);
        detail::toChannelsLast(*m);
        const auto x = input(o.batch, layer.cin, layer.inputSize, device);
        if (block.kind == BlockSpec::Kind::Skip && layer.stride == 1 && layer.cin == layer.cout)
            record(sig, {0, 0, 0});  // identity: no work
        else
            record(sig, timeIt([&] { m->forward(x); }, o, device));
        ++done;
    }
    // What no choice changes: stem, and head conv + pool + classifier (default widths).
    Architecture probe;
    probe.space = space.name;
    for (const auto &l : space.layers())
        probe.blocks.push_back(l.candidates.front());
    const NetworkPlan plan = resolve(space, probe);
    detail::ConvBnRelu stem(plan.inputChannels, plan.stemChannels, plan.stemKernel, plan.stemStride);
    detail::ConvBnRelu head(plan.layers.back().cout, plan.headChannels, 1, 1);
    torch::nn::Linear fc(plan.headChannels, plan.numClasses);
    for (torch::nn::Module *m : {static_cast<torch::nn::Module *>(stem.get()), static_cast<torch::nn::Module *>(head.get()),
                                 static_cast<torch::nn::Module *>(fc.get())}) {
        m->eval();
        m->to(device);
        detail::toChannelsLast(*m);
    }
    if (progress)
        progress(done, total, "stem");
    const auto xs = input(o.batch, plan.inputChannels, plan.inputSize, device);
    const auto stemT = timeIt([&] { stem(xs); }, o, device);
    record(stemSignature(plan), stemT);
    ++done;
    if (progress)
        progress(done, total, "head, pool, classifier");
    const auto xh = input(o.batch, plan.layers.back().cout, plan.headInputSize(), device);
    const auto headT = timeIt([&] { fc(torch::adaptive_avg_pool2d(head(xh), {1, 1}).flatten(1)); }, o, device);
    record(headSignature(plan), headT);
    ++done;
    t.fixedMs = stemT.median + headT.median;
    if (o.correctionNetworks >= 2)
        correctEndToEnd(t, space, o, progress, stop, done, total);
    if (progress)
        progress(done, total, "done");
    t.provenance["fixed_ms"] = "stem + head conv + pool + classifier, timed as two ops (entries ConvNorm_* and Head_*)";
    if (!unstable.empty()) {
        std::string list;
        for (const auto &u : unstable)
            list += (list.empty() ? "" : ", ") + u;
        t.provenance["unstable"] = std::to_string(unstable.size()) + " entries with (p90-p10)/median > "
            + std::to_string(o.unstableSpread) + ": " + list;
    }
    return t;
}

std::string localLutPath(const std::string &spaceName)
{
    return userDataDir() + "/luts/local-cpu-" + spaceName + ".json";
}

LatencyTable localLatencyTable(const SearchSpace &space, const ProgressFn &progress, const StopToken &stop)
{
    const std::string path = localLutPath(space.name);
    if (std::filesystem::exists(path)) {
        LatencyTable t = LatencyTable::load(path);
        if (t.missing(space).empty())
            return t;
    }
    LutBuildOptions o;
    o.repeats = 200;
    o.description = "this machine's CPU (built on first use by FBNet Studio)";
    LatencyTable t = buildLatencyTable(space, o, progress, stop);
    t.save(path);
    t.sourcePath = path;
    return t;
}

double measureArchitectureMs(const SearchSpace &space, const Architecture &arch, const LutBuildOptions &o)
{
    checkOptions(o);
    const torch::Device device = timingDevice(o);
    torch::InferenceMode guard;
    detail::Network net(resolve(space, arch));
    net->eval();
    net->to(device);
    detail::toChannelsLast(*net);
    const auto x = input(o.batch, space.inputChannels, space.inputSize, device);
    return timeIt([&] { net->forward(x); }, o, device).median;
}

ValidationReport validateLatencyTable(const SearchSpace &space, const LatencyTable &lut, int count, std::uint64_t seed,
                                      const LutBuildOptions &o, const ProgressFn &progress, const StopToken &stop)
{
    if (count < 2)
        throw Error::at("lut validate", "count", "expected at least 2 architectures");
    setComputeThreads(o.threads);
    std::mt19937_64 rng(seed);
    const auto layers = space.layers();
    ValidationReport report;
    std::vector<double> pred, meas;
    for (int i = 0; i < count; ++i) {
        if (stop.stopRequested())
            throw Error("lut validate: cancelled");
        Architecture a;
        a.space = space.name;
        a.name = "random" + std::to_string(i);
        for (const auto &l : layers)
            a.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        if (progress)
            progress(i, count, a.name);
        ValidationRow row{a, lut.predict(space, a), measureArchitectureMs(space, a, o)};
        pred.push_back(row.predictedMs);
        meas.push_back(row.measuredMs);
        report.rows.push_back(std::move(row));
    }
    if (progress)
        progress(count, count, "done");
    report.quality = predictionQuality(pred, meas);
    return report;
}

} // namespace fbnet
