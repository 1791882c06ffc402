// fbnet lut build and lut validate: tables measured on this machine, and networks timed end to
// end against a table's predictions.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/lutfit.h"
#include "fbnet/resources.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct BuildOptionsCli
{
    std::string space = "fbnet-cifar";
    std::string out;
    std::string lut;
    std::string csv;
    std::string measurements;
    std::string column = "latency_ms";
    int count = 50;
    std::uint64_t seed = 1;
    LutBuildOptions build;
};

ProgressFn progressPrinter(ProgressLine &line, const char *what)
{
    return [&line, what](int done, int total, const std::string &item) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s %d/%d  %s", what, done, total, item.c_str());
        line.update(buf, done == total);
    };
}

/**
 * What a user needs after a build: the spread of the timings, the few worst entries rather than a
 * line of every unstable op name (the table's provenance keeps the full list), and what to do.
 */
void printBuildSummary(const LatencyTable &t, const LutBuildOptions &b, const std::string &path)
{
    std::vector<std::pair<double, std::string>> spread;
    for (const auto &[sig, e] : t.entries)
        if (e.ms > 0 && e.p10 >= 0 && e.p90 >= 0)
            spread.push_back({(e.p90 - e.p10) / e.ms, sig});
    if (spread.empty())
        return;
    std::sort(spread.begin(), spread.end());
    const auto unstable = std::count_if(spread.begin(), spread.end(), [&](const auto &p) { return p.first > b.unstableSpread; });
    std::printf("timing spread (p90-p10)/median over %zu entries: median %.0f%%, worst %.0f%%\n", spread.size(),
                100 * spread[spread.size() / 2].first, 100 * spread.back().first);
    if (unstable == 0) {
        std::printf("every entry within %.0f%%: the table is stable\n", 100 * b.unstableSpread);
        return;
    }
    std::printf("%lld of %zu entries are unstable (spread > %.0f%%; their medians are kept, the list is in the table's provenance); worst:\n",
                (long long)unstable, spread.size(), 100 * b.unstableSpread);
    for (std::size_t i = 0; i < spread.size() && i < 5; ++i) {
        const auto &[v, sig] = spread[spread.size() - 1 - i];
        std::printf("  %4.0f%%  %s (%.4f ms)\n", 100 * v, sig.c_str(), t.entries.at(sig).ms);
    }
    std::printf("advice: close other programs and build again (this machine was busy while timing), keep --threads 1, raise --repeats "
                "(now %d), or check with fbnet lut validate --lut %s, which times whole networks against the table's predictions\n",
                b.repeats, path.c_str());
}

int lutBuild(const BuildOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    StopToken stop;
    SigintStop sigint(stop);
    ProgressLine line;
    const auto t0 = std::chrono::steady_clock::now();
    LatencyTable t = buildLatencyTable(space, o.build, progressPrinter(line, "measuring op"), stop);
    line.finish();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t.provenance["build_seconds"] = std::to_string(s);
    t.save(o.out);
    const std::string where = o.build.compute == "cpu" ? std::to_string(t.threads) + " thread(s)" : o.build.compute;
    std::printf("measured %zu ops of %s in %.1f s on %s; fixed %.4f ms\n", t.entries.size(), space.name.c_str(), s, where.c_str(),
                t.fixedMs);
    printBuildSummary(t, o.build, o.out);
    std::printf("written %s\n", o.out.c_str());
    return 0;
}

int lutValidate(const BuildOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    const LatencyTable lut = LatencyTable::load(resolveLutPath(o.lut, space.name));
    if (!o.measurements.empty()) {
        // Timings measured elsewhere (a kit's timings.csv): only its holdout rows, if it has a split.
        const auto rows = rowsOfSplit(readMeasurementsCsv(o.measurements, space.name, o.column), "holdout");
        std::vector<double> pred, meas;
        for (const auto &m : rows) {
            pred.push_back(lut.predict(space, m.architecture));
            meas.push_back(m.latencyMs);
        }
        printQuality(("LUT " + lut.device + " vs " + o.measurements + " (" + std::to_string(rows.size()) + " rows"
                      + (rows.empty() || rows.front().split.empty() ? "" : ", split holdout") + ")").c_str(),
                     predictionQuality(pred, meas));
        return 0;
    }
    StopToken stop;
    SigintStop sigint(stop);
    ProgressLine line;
    const auto report = validateLatencyTable(space, lut, o.count, o.seed, o.build, progressPrinter(line, "measuring network"), stop);
    line.finish();
    if (!o.csv.empty()) {
        std::string text = "arch,predicted_ms,measured_ms,error_pct\n";
        for (const auto &r : report.rows) {
            char buf[96];
            std::snprintf(buf, sizeof buf, ",%.5f,%.5f,%.3f\n", r.predictedMs, r.measuredMs,
                          (r.predictedMs - r.measuredMs) / r.measuredMs * 100);
            text += r.architecture.blocksString() + buf;
        }
        writeTextFileAtomic(o.csv, text);
        std::printf("pairs written to %s\n", o.csv.c_str());
    }
    printQuality(("LUT " + lut.device + " vs measured on this machine").c_str(), report.quality);
    return 0;
}

} // namespace

void addLutBuildCommands(CLI::App *lut, Action &run)
{
    auto bo = std::make_shared<BuildOptionsCli>();
    auto *build = lut->add_subcommand("build", "Measure every op of a space on this CPU or GPU with libtorch");
    build->add_option("--space", bo->space, "Search space")->capture_default_str();
    build->add_option("--out", bo->out, "Write the table here")->required();
    build->add_option("--threads", bo->build.threads, "Threads while timing")->capture_default_str();
    build->add_option("--repeats", bo->build.repeats, "Timed runs per op")->capture_default_str();
    build->add_option("--warmup", bo->build.warmup, "Untimed runs per op")->capture_default_str();
    build->add_option("--batch", bo->build.batch, "Batch size")->capture_default_str();
    build->add_option("--device", bo->build.compute, "Where to time: cpu, cuda or cuda:N (CUDA events; a CUDA build of libtorch)")
        ->capture_default_str();
    build->add_option("--name", bo->build.device, "Device name of the table (default: local-cpu, or local-cuda on a GPU)");
    build->add_option("--correction-networks", bo->build.correctionNetworks,
                      "Random networks timed end to end to correct the op sums (0: raw sums)")->capture_default_str();
    build->add_option("--description", bo->build.description, "Device description");
    build->callback([bo, &run] { run = [bo] { return lutBuild(*bo); }; });

    auto vo = std::make_shared<BuildOptionsCli>();
    vo->build.repeats = 30;
    auto *validate = lut->add_subcommand("validate", "Measure random networks end to end and compare with a table");
    validate->add_option("--lut", vo->lut, "Table to validate (name or file)")->required();
    validate->add_option("--space", vo->space, "Search space")->capture_default_str();
    validate->add_option("--count", vo->count, "Random architectures")->capture_default_str();
    validate->add_option("--seed", vo->seed, "Seed of the architectures")->capture_default_str();
    validate->add_option("--csv", vo->csv, "Write predicted/measured pairs here");
    validate->add_option("--measurements", vo->measurements, "Score against these timings instead of measuring (a kit's timings.csv: its holdout rows)");
    validate->add_option("--column", vo->column, "Latency column of --measurements")->capture_default_str();
    validate->add_option("--device", vo->build.compute, "Where to time: cpu, cuda or cuda:N")->capture_default_str();
    validate->add_option("--threads", vo->build.threads, "Threads while timing")->capture_default_str();
    validate->add_option("--repeats", vo->build.repeats, "Timed runs per network")->capture_default_str();
    validate->callback([vo, &run] { run = [vo] { return lutValidate(*vo); }; });
}

} // namespace fbnet::cli
