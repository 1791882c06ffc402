// fbnet lut kit | lut measure: networks to time on a real device, and timing them here.

#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/lutkit.h"
#include "fbnet/resources.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct KitOptionsCli
{
    std::string space = "fbnet-cifar", prior, out;
    KitOptions kit;
};

int lutKit(const KitOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    LatencyTable prior;
    if (!o.prior.empty())
        prior = LatencyTable::load(resolveLutPath(o.prior, space.name));
    const auto kit = chooseKit(space, o.prior.empty() ? nullptr : &prior, o.kit);
    ProgressLine line;
    writeKit(space, kit, o.out, o.prior, [&line](int done, int total) {
        line.update("writing ONNX models " + std::to_string(done) + "/" + std::to_string(total), done == total);
    });
    line.finish();
    std::size_t held = 0;
    for (const auto &e : kit)
        held += e.split == "holdout";
    const auto &first = kit.front(), &last = kit.back();
    if (o.prior.empty())
        std::printf("kit of %zu networks of %s, MACs %s .. %s (stratified by MACs), %zu held out\n", kit.size(), space.name.c_str(),
                    formatCount(double(first.macs)).c_str(), formatCount(double(last.macs)).c_str(), held);
    else
        std::printf("kit of %zu networks of %s, %s predicts %.3f .. %.3f ms (stratified by it), %zu held out\n", kit.size(),
                    space.name.c_str(), o.prior.c_str(), first.priorMs, last.priorMs, held);
    std::printf("written %s: models/*.onnx, manifest.csv, timings-template.csv, README.md (how to time them and bring the timings back)\n",
                o.out.c_str());
    return 0;
}

struct MeasureOptionsCli
{
    std::string kit, runtime = "opencv", out;
    int threads = 1, warmup = 5, repeats = 30;
};

int lutMeasure(const MeasureOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(kitSpace(o.kit)));
    ProgressLine line;
    const auto timings = measureKit(space, o.kit, o.runtime, o.threads, o.warmup, o.repeats, [&line](int done, int total, const std::string &id) {
        line.update("timing " + std::to_string(done) + "/" + std::to_string(total) + "  " + id, done == total);
    });
    line.finish();
    const std::string out = o.out.empty() ? (std::filesystem::path(o.kit) / "timings.csv").string() : o.out;
    writeTextFileAtomic(out, kitTimingsCsv(timings));
    double lo = timings.front().medianMs, hi = lo;
    for (const auto &t : timings) {
        lo = std::min(lo, t.medianMs);
        hi = std::max(hi, t.medianMs);
    }
    std::printf("timed %zu networks with %s (%d thread%s, median of %d runs): %.3f .. %.3f ms\nwritten %s (lut fit --measurements %s)\n",
                timings.size(), o.runtime.c_str(), o.threads, o.threads == 1 ? "" : "s", o.repeats, lo, hi, out.c_str(), out.c_str());
    return 0;
}

} // namespace

void addLutKitCommands(CLI::App *lut, Action &run)
{
    auto ko = std::make_shared<KitOptionsCli>();
    auto *kit = lut->add_subcommand("kit", "Networks to time on a real device: ONNX models spread over the latency range, a manifest, a README");
    kit->add_option("--space", ko->space, "Search space")->capture_default_str();
    kit->add_option("--count", ko->kit.count, "Networks")->capture_default_str()->check(CLI::Range(4, 2000));
    kit->add_option("--prior", ko->prior, "Table whose predictions stratify the kit (default: MACs)");
    kit->add_option("--seed", ko->kit.seed, "Seed of the random architectures")->capture_default_str();
    kit->add_option("--holdout-every", ko->kit.holdoutEvery, "Every k-th network (latency order) is held out of the fit; 0: none")
        ->capture_default_str();
    kit->add_option("--out", ko->out, "Kit folder")->required();
    kit->callback([ko, &run] { run = [ko] { return lutKit(*ko); }; });

    auto mo = std::make_shared<MeasureOptionsCli>();
    auto *measure = lut->add_subcommand("measure", "Time a kit's networks on this machine and write timings.csv");
    measure->add_option("--kit", mo->kit, "Kit folder (fbnet lut kit)")->required();
    measure->add_option("--runtime", mo->runtime, "opencv (OpenCV's dnn module reading the ONNX files) | libtorch")->capture_default_str()
        ->check(CLI::IsMember({"opencv", "libtorch"}));
    measure->add_option("--threads", mo->threads, "Threads while timing")->capture_default_str()->check(CLI::Range(1, 256));
    measure->add_option("--warmup", mo->warmup, "Untimed runs per network")->capture_default_str()->check(CLI::Range(0, 10000));
    measure->add_option("--repeats", mo->repeats, "Timed runs per network (the median is kept)")->capture_default_str()->check(CLI::Range(1, 100000));
    measure->add_option("--out", mo->out, "Timings CSV (default: KIT/timings.csv)");
    measure->callback([mo, &run] { run = [mo] { return lutMeasure(*mo); }; });
}

} // namespace fbnet::cli
