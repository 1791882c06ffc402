#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/lutfit.h"
#include "fbnet/resources.h"

namespace fbnet::cli {

namespace {

struct FitOptionsCli
{
    std::string space = "fbnet-cifar";
    std::string measurements;
    std::string column = "latency_ms";
    std::string device;
    std::string description;
    std::string out;
    std::size_t holdout = 0;
    std::uint64_t seed = 1;
};

std::string today()
{
    char buf[16];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
}

void printQuality(const char *what, const PredictionQuality &q)
{
    std::printf("%s: %zu architectures, MAPE %.4f%%, within ±10%% %.1f%%, Spearman ρ %.4f, max error %.2f%%\n", what,
                q.count, q.mape, q.within10 * 100, q.spearman, q.maxError);
}

int lutFit(const FitOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    auto rows = readMeasurementsCsv(o.measurements, space.name, o.column);
    if (o.holdout >= rows.size())
        throw Error::at("--holdout", std::to_string(o.holdout), "expected fewer held-out rows than measurements");
    std::vector<Measurement> test;
    if (o.holdout > 0) {
        // The last `holdout` rows after a seeded shuffle are kept out of the fit.
        std::mt19937_64 rng(o.seed);
        std::shuffle(rows.begin(), rows.end(), rng);
        test.assign(rows.end() - std::ptrdiff_t(o.holdout), rows.end());
        rows.resize(rows.size() - o.holdout);
    }
    FitOptions fo;
    fo.device = o.device.empty() ? o.column : o.device;
    fo.description = o.description;
    fo.source = o.measurements + " (column " + o.column + ")";
    LatencyTable t = fitLatencyTable(space, rows, fo);
    t.date = today();
    std::vector<double> pred, meas;
    for (const auto &m : rows) {
        pred.push_back(t.predict(space, m.architecture));
        meas.push_back(m.latencyMs);
    }
    printQuality("fit", predictionQuality(pred, meas));
    if (!test.empty()) {
        pred.clear();
        meas.clear();
        for (const auto &m : test) {
            pred.push_back(t.predict(space, m.architecture));
            meas.push_back(m.latencyMs);
        }
        const auto q = predictionQuality(pred, meas);
        printQuality("held out", q);
        char buf[160];
        std::snprintf(buf, sizeof buf, "held-out %zu rows (seed %llu): MAPE %.4f%%, within 10%% %.1f%%, Spearman %.4f",
                      q.count, (unsigned long long)o.seed, q.mape, q.within10 * 100, q.spearman);
        t.provenance["validation"] = buf;
    }
    if (!o.out.empty()) {
        t.save(o.out);
        std::printf("written %s (%zu entries, fixed %.4f ms)\n", o.out.c_str(), t.entries.size(), t.fixedMs);
    }
    return 0;
}

int lutShow(const std::string &name, const std::string &spaceName)
{
    const LatencyTable t = LatencyTable::load(resolveLutPath(name, spaceName));
    std::printf("device %s: %s\nspaces:", t.device.c_str(), t.description.c_str());
    for (const auto &s : t.spaces)
        std::printf(" %s", s.c_str());
    std::printf("\nprovenance: %s\n", t.provenanceKind.c_str());
    for (const auto &[k, v] : t.provenance)
        std::printf("  %s: %s\n", k.c_str(), v.c_str());
    std::printf("fixed %.4f ms, %zu entries\n", t.fixedMs, t.entries.size());
    for (const auto &[k, e] : t.entries)
        std::printf("  %-60s %9.4f ms\n", k.c_str(), e.ms);
    return 0;
}

int lutList()
{
    for (const auto &n : lutNames()) {
        const LatencyTable t = LatencyTable::load(lutDir() + "/" + n + ".json");
        std::printf("%-28s %-10s %s\n", n.c_str(), t.provenanceKind.c_str(), t.description.c_str());
    }
    return 0;
}

} // namespace

void addLutCommands(CLI::App &app, Action &run)
{
    auto *lut = app.add_subcommand("lut", "Latency lookup tables");
    lut->require_subcommand(1);

    auto fo = std::make_shared<FitOptionsCli>();
    auto *fit = lut->add_subcommand("fit", "Fit an additive per-op table to whole-network latencies (CSV: arch, latency)");
    fit->add_option("--space", fo->space, "Search space")->capture_default_str();
    fit->add_option("--measurements", fo->measurements, "CSV with columns arch and the latency column")->required();
    fit->add_option("--column", fo->column, "Latency column (ms)")->capture_default_str();
    fit->add_option("--device", fo->device, "Device name of the table");
    fit->add_option("--description", fo->description, "Device description");
    fit->add_option("--holdout", fo->holdout, "Rows held out (seeded shuffle) to report prediction error")->capture_default_str();
    fit->add_option("--seed", fo->seed, "Seed of the hold-out shuffle")->capture_default_str();
    fit->add_option("--out", fo->out, "Write the table here");
    fit->callback([fo, &run] { run = [fo] { return lutFit(*fo); }; });

    auto showName = std::make_shared<std::string>();
    auto showSpace = std::make_shared<std::string>("fbnet-cifar");
    auto *show = lut->add_subcommand("show", "Print a table's metadata and entries");
    show->add_option("lut", *showName, "Shipped name or JSON file")->required();
    show->add_option("--space", *showSpace, "Space the shipped name refers to")->capture_default_str();
    show->callback([showName, showSpace, &run] { run = [showName, showSpace] { return lutShow(*showName, *showSpace); }; });

    auto *list = lut->add_subcommand("list", "List the shipped tables");
    list->callback([&run] { run = [] { return lutList(); }; });
}

} // namespace fbnet::cli
