#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <ctime>
#include <fstream>
#include <random>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/lutfit.h"
#include "fbnet/lutimport.h"
#include "fbnet/lutmodel.h"
#include "fbnet/resources.h"
#include "progress.h"

namespace fbnet::cli {

void printQuality(const char *what, const PredictionQuality &q)
{
    std::printf("%s: %zu architectures, MAPE %.4f%%, within ±10%% %.1f%%, Spearman ρ %.4f, max error %.2f%%\n", what,
                q.count, q.mape, q.within10 * 100, q.spearman, q.maxError);
}

namespace {

struct FitOptionsCli
{
    std::string space = "fbnet-cifar";
    std::string measurements;
    std::string column = "latency_ms";
    std::string device;
    std::string description;
    std::string out;
    std::string kind = "calibrated";
    std::vector<std::string> priors;
    std::size_t holdout = 0;
    std::uint64_t seed = 1;
    bool absolute = false;
    bool install = false;
};

std::string today()
{
    char buf[16];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
}

int lutFit(const FitOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    auto rows = readMeasurementsCsv(o.measurements, space.name, o.column);
    if (o.holdout >= rows.size())
        throw Error::at("--holdout", std::to_string(o.holdout), "expected fewer held-out rows than measurements");
    std::vector<Measurement> test;
    if (!rows.empty() && !rows.front().split.empty()) {
        // A measurement kit's timings: its holdout rows are kept out of the fit and scored.
        if (o.holdout > 0)
            throw Error::at("--holdout", std::to_string(o.holdout), "the file has a split column (a kit's); its holdout rows are the held-out set");
        test = rowsOfSplit(rows, "holdout");
        rows = rowsOfSplit(rows, "fit");
        std::printf("kit split: %zu rows fitted, %zu held out (column split)\n", rows.size(), test.size());
        if (rows.empty())
            throw Error::at(o.measurements, "split", "no row has split \"fit\"");
    } else if (o.holdout > 0) {
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
    fo.relative = !o.absolute;
    std::vector<LatencyTable> priors;
    for (const auto &p : o.priors)
        priors.push_back(loadTableWithProgress(p, space));  // "local": this CPU, measured on first use
    LatencyTable t = priors.empty() ? fitLatencyTable(space, rows, fo) : fitWithPriors(space, rows, priors, fo);
    if (priors.empty())
        t.provenanceKind = o.kind;
    else
        std::printf("model: %s\ncross-validation: %s\n", t.provenance["model"].c_str(), t.provenance["cross_validation"].c_str());
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
        for (const auto &p : priors) {
            std::vector<double> pp;
            for (const auto &m : test)
                pp.push_back(p.predict(space, m.architecture));
            printQuality(("  prior " + p.device + " alone").c_str(), predictionQuality(pp, meas));
        }
        char buf[160];
        if (o.holdout > 0)
            std::snprintf(buf, sizeof buf, "held-out %zu rows (seed %llu): MAPE %.4f%%, within 10%% %.1f%%, Spearman %.4f",
                          q.count, (unsigned long long)o.seed, q.mape, q.within10 * 100, q.spearman);
        else
            std::snprintf(buf, sizeof buf, "held-out %zu kit rows (split holdout): MAPE %.4f%%, within 10%% %.1f%%, Spearman %.4f",
                          q.count, q.mape, q.within10 * 100, q.spearman);
        t.provenance["validation"] = buf;
    }
    if (!o.out.empty()) {
        t.save(o.out);
        std::printf("written %s (%zu entries, fixed %.4f ms)\n", o.out.c_str(), t.entries.size(), t.fixedMs);
    }
    if (o.install) {
        if (t.device.empty() || t.device.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
            throw Error::at("--device", t.device, "an installed table needs a device name of letters, digits, '.', '_' and '-'");
        const std::string path = userLutDir() + "/" + t.device + "-" + space.name + ".json";
        t.save(path);
        std::printf("installed %s: --lut %s now names it (and the studio's Devices tab lists it)\n", path.c_str(), t.device.c_str());
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
        const LatencyTable t = LatencyTable::load(resolveLutPath(n));
        std::printf("%-28s %-10s %s\n", n.c_str(), t.provenanceKind.c_str(), t.description.c_str());
    }
    return 0;
}

struct PredictOptionsCli
{
    std::string lut;
    std::string space = "fbnet-cifar";
    std::string archs;
    std::string column;
    std::string out;
};

int lutPredict(const PredictOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    const LatencyTable lut = LatencyTable::load(resolveLutPath(o.lut, space.name));
    std::ifstream in(o.archs);
    if (!in)
        throw Error::at(o.archs, "", "cannot open file for reading");
    std::string header, line, text;
    std::getline(in, header);
    if (!header.empty() && header.back() == '\r')
        header.pop_back();
    std::vector<std::string> cols;
    {
        std::stringstream ss(header);
        std::string c;
        while (std::getline(ss, c, ','))
            cols.push_back(c);
    }
    const auto archCol = std::size_t(std::find(cols.begin(), cols.end(), "arch") - cols.begin());
    if (archCol == cols.size())
        throw Error::at(o.archs, "header", "expected a column named arch");
    text = header + ",predicted_ms\n";
    std::vector<double> pred, meas;
    const auto measCol = o.column.empty() ? cols.size() : std::size_t(std::find(cols.begin(), cols.end(), o.column) - cols.begin());
    if (!o.column.empty() && measCol == cols.size())
        throw Error::at(o.archs, "header", "expected a column named " + o.column);
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, ','))
            cells.push_back(c);
        if (cells.size() <= archCol)
            throw Error::at(o.archs, "line " + std::to_string(lineNo), "missing the arch column");
        Architecture a;
        a.space = space.name;
        a.name = "line " + std::to_string(lineNo);
        a.blocks = Architecture::parseBlocks(cells[archCol]);
        double p = 0;
        try {
            p = lut.predict(space, a);
        } catch (const Error &e) {
            throw Error::at(o.archs, "line " + std::to_string(lineNo), e.what());
        }
        char buf[32];
        std::snprintf(buf, sizeof buf, ",%.5f\n", p);
        text += line + buf;
        if (measCol < cells.size()) {
            pred.push_back(p);
            meas.push_back(std::strtod(cells[measCol].c_str(), nullptr));
        }
    }
    if (o.out.empty())
        std::fputs(text.c_str(), stdout);
    else
        writeTextFileAtomic(o.out, text);
    if (!pred.empty())
        printQuality(("predicted vs " + o.column).c_str(), predictionQuality(pred, meas));
    return 0;
}

int lutCompare(const std::string &a, const std::string &b, const std::string &spaceName)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(spaceName));
    const LatencyTable ta = LatencyTable::load(resolveLutPath(a, space.name));
    const LatencyTable tb = LatencyTable::load(resolveLutPath(b, space.name));
    const auto la = ta.layerTable(space), lb = tb.layerTable(space);
    const auto layers = space.layers();
    std::printf("%s (%s) vs %s (%s) on %s: ratio = %s / %s\n", ta.device.c_str(), ta.provenanceKind.c_str(),
                tb.device.c_str(), tb.provenanceKind.c_str(), space.name.c_str(), ta.device.c_str(), tb.device.c_str());
    std::printf("fixed: %.4f vs %.4f ms\n", ta.fixedMs, tb.fixedMs);
    // Per candidate: geometric mean over layers of the ratio, so each device's favourites show.
    std::map<std::string, std::pair<double, int>> perBlock;
    for (std::size_t l = 0; l < layers.size(); ++l)
        for (std::size_t k = 0; k < layers[l].candidates.size(); ++k)
            if (la[l][k] > 0 && lb[l][k] > 0) {
                auto &acc = perBlock[layers[l].candidates[k]];
                acc.first += std::log(la[l][k] / lb[l][k]);
                acc.second += 1;
            }
    std::vector<std::pair<double, std::string>> ranked;
    for (const auto &[name, acc] : perBlock)
        ranked.emplace_back(std::exp(acc.first / acc.second), name);
    std::sort(ranked.begin(), ranked.end());
    double mean = 0;
    for (const auto &r : ranked)
        mean += std::log(r.first);
    mean = std::exp(mean / double(ranked.size()));
    std::printf("%-10s %14s %s\n", "block", "ratio (geo)", "relative to the typical ratio");
    for (const auto &[ratio, name] : ranked)
        std::printf("%-10s %14.3f %+.0f%% (%s)\n", name.c_str(), ratio, (ratio / mean - 1) * 100,
                    ratio < mean ? ("favoured by " + ta.device).c_str() : ("favoured by " + tb.device).c_str());
    // Agreement of the op entries both tables have (e.g. two builds on one machine).
    int both = 0, within5 = 0;
    for (const auto &[sig, e] : ta.entries)
        if (auto other = tb.lookup(sig); other && e.ms > 0 && *other > 0) {
            ++both;
            within5 += std::abs(e.ms / *other - 1) <= 0.05 ? 1 : 0;
        }
    std::printf("entries within 5%% of each other: %d of %d (%.1f%%)\n", within5, both, both ? 100.0 * within5 / both : 0.0);
    std::printf("per layer (ms, %s / %s):\n", ta.device.c_str(), tb.device.c_str());
    for (std::size_t l = 0; l < layers.size(); ++l) {
        std::printf("  L%-2zu", l + 1);
        for (std::size_t k = 0; k < layers[l].candidates.size(); ++k)
            std::printf(" %s %.3f/%.3f", layers[l].candidates[k].c_str(), la[l][k], lb[l][k]);
        std::printf("\n");
    }
    return 0;
}

struct ModelOptionsCli
{
    std::string space = "fbnet-imagenet";
    std::string calibration;
    std::string device;
    std::string description;
    std::string out;
    double priorWeight = 0.001;
};

int lutModel(const ModelOptionsCli &o)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    const auto points = readCalibrationCsv(o.calibration);
    const auto cal = calibrateDeviceModel(space, points, DeviceModel{}, o.priorWeight);
    for (std::size_t c = 0; c < DeviceModel::kClasses; ++c)
        std::printf("%-24s %10.4g\n", DeviceModel::classNames()[c], cal.model.unitCost[c]);
    for (std::size_t i = 0; i < points.size(); ++i)
        std::printf("%-16s published %7.2f ms  modeled %7.2f ms  %+6.2f%%\n", points[i].architecture.c_str(),
                    points[i].latencyMs, cal.predictedMs[i], cal.residualPct[i]);
    LatencyTable t = modeledLatencyTable(space, cal, points, o.device, o.description);
    t.provenance["calibration_file"] = o.calibration;
    if (!o.out.empty()) {
        t.save(o.out);
        std::printf("written %s (%zu entries)\n", o.out.c_str(), t.entries.size());
    }
    return 0;
}

int lutMatrix(const std::string &spaceName, const std::vector<std::string> &luts, const std::vector<std::string> &archs)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath(spaceName));
    std::vector<LatencyTable> tables;
    for (const auto &l : luts)
        tables.push_back(LatencyTable::load(resolveLutPath(l, space.name)));
    std::printf("%-18s", "ms");
    for (const auto &t : tables)
        std::printf(" %14s", (t.device + " (" + t.provenanceKind.substr(0, 4) + ")").c_str());
    std::printf("\n");
    for (const auto &name : archs) {
        const Architecture a = loadArchitecture(resolveArchitecturePath(name));
        std::printf("%-18s", (a.name.empty() ? name : a.name).c_str());
        for (const auto &t : tables)
            std::printf(" %14.2f", t.predict(space, a));
        std::printf("\n");
    }
    return 0;
}

struct ImportOptionsCli
{
    std::string format;
    std::string file;
    std::string space = "fbnet-cifar";
    std::string device;
    std::string unit;
    std::string out;
};

int lutImport(const ImportOptionsCli &o)
{
    static const std::map<std::string, double> units = {{"ms", 1.0}, {"us", 1e-3}, {"s", 1e3}};
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    const auto rep = importLatencyTable(o.file, lutFormatFromString(o.format), space, units.at(o.unit), o.device);
    std::printf("read %zu records, %zu map onto %s; %s\n", rep.recordsRead, rep.recordsUsed, space.name.c_str(),
                rep.table.provenance.at("coverage").c_str());
    if (!rep.missing.empty()) {
        std::printf("not covered (%zu): ", rep.missing.size());
        for (std::size_t i = 0; i < rep.missing.size() && i < 5; ++i)
            std::printf("%s%s", i ? ", " : "", rep.missing[i].c_str());
        std::printf("%s\n", rep.missing.size() > 5 ? ", …" : "");
        std::printf("the table is partial: a search or prediction that needs those ops will be refused\n");
    }
    if (!o.out.empty()) {
        rep.table.save(o.out);
        std::printf("written %s\n", o.out.c_str());
    }
    return 0;
}

int lutExport(const std::string &name, const std::string &spaceName, const std::string &out)
{
    const LatencyTable t = LatencyTable::load(resolveLutPath(name, spaceName));
    const std::string csv = latencyTableToCsv(t);
    if (out.empty())
        std::fputs(csv.c_str(), stdout);
    else
        writeTextFileAtomic(out, csv);
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
    fit->add_flag("--absolute", fo->absolute, "Minimise absolute instead of relative squared error");
    fit->add_flag("--install", fo->install, "Also install the table under its device name (userDataDir/luts), usable as --lut NAME");
    fit->add_option("--prior", fo->priors, "Existing tables (names or files) to use as a basis: 10-100 measurements then suffice");
    fit->add_option("--kind", fo->kind, "Provenance: calibrated (fitted to measured totals) or derived (totals that are exact sums of a public table)")
        ->capture_default_str()->check(CLI::IsMember({"calibrated", "derived"}));
    fit->callback([fo, &run] { run = [fo] { return lutFit(*fo); }; });

    auto showName = std::make_shared<std::string>();
    auto showSpace = std::make_shared<std::string>("fbnet-cifar");
    auto *show = lut->add_subcommand("show", "Print a table's metadata and entries");
    show->add_option("lut", *showName, "Shipped name or JSON file")->required();
    show->add_option("--space", *showSpace, "Space the shipped name refers to")->capture_default_str();
    show->callback([showName, showSpace, &run] { run = [showName, showSpace] { return lutShow(*showName, *showSpace); }; });

    addLutBuildCommands(lut, run);

    auto po = std::make_shared<PredictOptionsCli>();
    auto *predict = lut->add_subcommand("predict", "Add a predicted_ms column to a CSV of architectures");
    predict->add_option("--lut", po->lut, "Table (name or file)")->required();
    predict->add_option("--space", po->space, "Search space")->capture_default_str();
    predict->add_option("--archs", po->archs, "CSV with a column arch")->required();
    predict->add_option("--column", po->column, "Measured column to score the prediction against");
    predict->add_option("--out", po->out, "Output CSV (default: stdout)");
    predict->callback([po, &run] { run = [po] { return lutPredict(*po); }; });

    auto ca = std::make_shared<std::string>(), cb = std::make_shared<std::string>();
    auto cspace = std::make_shared<std::string>("fbnet-cifar");
    auto *compare = lut->add_subcommand("compare", "Per-op latency ratios of two tables and which ops each device favours");
    compare->add_option("a", *ca, "First table")->required();
    compare->add_option("b", *cb, "Second table")->required();
    compare->add_option("--space", *cspace, "Search space")->capture_default_str();
    compare->callback([ca, cb, cspace, &run] { run = [ca, cb, cspace] { return lutCompare(*ca, *cb, *cspace); }; });

    auto mo = std::make_shared<ModelOptionsCli>();
    auto *model = lut->add_subcommand("model", "Model a device table from published whole-network latencies (provenance: modeled)");
    model->add_option("--space", mo->space, "Search space")->capture_default_str();
    model->add_option("--calibration", mo->calibration, "CSV: arch,latency_ms,source (arch: published name or file)")->required();
    model->add_option("--device", mo->device, "Device name")->required();
    model->add_option("--description", mo->description, "Device description");
    model->add_option("--prior-weight", mo->priorWeight, "Pull of the unit costs toward the generic prior")->capture_default_str();
    model->add_option("--out", mo->out, "Write the table here");
    model->callback([mo, &run] { run = [mo] { return lutModel(*mo); }; });

    auto mspace = std::make_shared<std::string>("fbnet-imagenet");
    auto mluts = std::make_shared<std::vector<std::string>>();
    auto marchs = std::make_shared<std::vector<std::string>>();
    auto *matrix = lut->add_subcommand("matrix", "Latency of architectures (rows) on devices (columns)");
    matrix->add_option("--space", *mspace, "Search space")->capture_default_str();
    matrix->add_option("--lut", *mluts, "Tables (columns)")->required();
    matrix->add_option("--arch", *marchs, "Architectures (rows)")->required();
    matrix->callback([mspace, mluts, marchs, &run] { run = [mspace, mluts, marchs] { return lutMatrix(*mspace, *mluts, *marchs); }; });

    auto io = std::make_shared<ImportOptionsCli>();
    auto *imp = lut->add_subcommand("import", "Import a HW-NAS-Bench, once-for-all/ProxylessNAS or NNI table");
    imp->add_option("--format", io->format, "hwnasbench | ofa | nni")->required()->check(CLI::IsMember({"hwnasbench", "ofa", "nni"}));
    imp->add_option("--file", io->file, "The table to import")->required();
    imp->add_option("--unit", io->unit, "Unit of the file's latencies (the formats do not say)")->required()->check(CLI::IsMember({"ms", "us", "s"}));
    imp->add_option("--space", io->space, "Search space to map onto")->capture_default_str();
    imp->add_option("--device", io->device, "Device name")->required();
    imp->add_option("--out", io->out, "Write the table here");
    imp->callback([io, &run] { run = [io] { return lutImport(*io); }; });

    auto en = std::make_shared<std::string>(), es = std::make_shared<std::string>("fbnet-cifar"), eo = std::make_shared<std::string>();
    auto *exp = lut->add_subcommand("export", "Write a table as CSV (signature, ms, p10, p90, samples)");
    exp->add_option("lut", *en, "Table (name or file)")->required();
    exp->add_option("--space", *es, "Space the shipped name refers to")->capture_default_str();
    exp->add_option("--out", *eo, "Output CSV (default: stdout)");
    exp->callback([en, es, eo, &run] { run = [en, es, eo] { return lutExport(*en, *es, *eo); }; });

    addLutKitCommands(lut, run);
    auto *list = lut->add_subcommand("list", "List the shipped tables");
    list->callback([&run] { run = [] { return lutList(); }; });
}

} // namespace fbnet::cli
