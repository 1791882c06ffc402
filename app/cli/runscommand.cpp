// fbnet runs | sample | import: the run store from the command line (export: exportcommand.cpp).

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/archexport.h"
#include "fbnet/chooser.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/lutbuild.h"
#include "fbnet/mobilevision.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/sampling.h"
#include "fbnet/storedsearch.h"
#include "fbnet/train.h"
#include "progress.h"

namespace fbnet::cli {

std::string storePath(const std::string &runs)
{
    return runs.empty() ? RunStore::defaultPath() : runs;
}

LatencyTable loadTableWithProgress(const std::string &lut, const SearchSpace &space)
{
    ProgressLine line;
    LatencyTable t = fbnet::loadTableFor(lut, space, [&line](int done, int total, const std::string &) {
        line.update("measuring this CPU's latency table (first use): " + std::to_string(done) + "/" + std::to_string(total), done == total);
    });
    line.finish();
    return t;
}

SpaceAndTable loadRunSpace(const RunInfo &run, const std::string &source)
{
    ProgressLine line;
    RunContext c = loadRunContext(run, source, [&line](int done, int total, const std::string &) {
        line.update("measuring this CPU's latency table (first use): " + std::to_string(done) + "/" + std::to_string(total), done == total);
    });
    line.finish();
    return {std::move(c.space), std::move(c.lut), std::move(c.invocation)};
}

Architecture loadArchitectureArg(const std::string &arg, const std::string &spaceName, const std::string &runs, std::int64_t *storedId,
                                 std::string *spaceRef, double targetMs)
{
    if (storedId)
        *storedId = 0;
    if (spaceRef)
        *spaceRef = spaceName;
    // RUN:ID or RUN:argmax names an architecture of a stored run.
    // A path may hold ':' too: an existing file, anything with a '/' before the colon, or a .json
    // name is a file (a missing one is reported as a missing file, not as an unknown run).
    const auto colon = arg.rfind(':');
    const bool looksLikePath = arg.find('/') < colon || (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0);
    if (colon != std::string::npos && colon > 0 && !looksLikePath && !std::ifstream(arg).good()) {
        const RunStore store(storePath(runs), RunStore::Access::ReadOnly);
        const RunInfo run = store.run(arg.substr(0, colon));
        const std::string which = arg.substr(colon + 1);
        // RUN:argmax is what the run hands back, by core's one rule (a family run's for --target).
        const std::int64_t chosenId = which == "argmax" || which == "chosen" ? chosenArchitecture(store, run, targetMs).id : 0;
        if (chosenId == 0 && targetMs > 0)
            throw Error::at("--target", arg, "names an architecture already; --target goes with RUN:argmax");
        for (const auto &a : store.architectures(run.id))
            if (chosenId ? a.id == chosenId : (which == std::to_string(a.id) || which == a.role || which == a.architecture.name)) {
                if (storedId)
                    *storedId = a.id;
                if (spaceRef && spaceName.empty())
                    *spaceRef = invocationFromJson(run.invocationJson, store.path()).space;
                return a.architecture;
            }
        throw Error::at(store.path(), "run " + run.name, "has no architecture '" + which + "' (fbnet runs show " + run.name + ")");
    }
    const std::string path = resolveArchitecturePath(arg);
    const std::string text = readTextFile(path);
    if (isMobileVisionArchDef(text)) {
        std::string space = spaceName;
        if (space.empty()) {
            const auto j = nlohmann::json::parse(text);
            space = j.value("space", std::string());
        }
        if (space.empty())
            throw Error::at(path, "/space", "a mobile-vision arch_def needs --space (it does not name one)");
        if (spaceRef)
            *spaceRef = space;
        return fromMobileVisionArchDef(SearchSpace::load(resolveSpacePath(space)), text, path);
    }
    Architecture a = architectureFromJsonText(text, path);
    if (spaceRef && spaceRef->empty())
        *spaceRef = a.space;
    return a;
}

namespace {

struct RunsOptions
{
    std::string runs;
    std::string run, other, newName, what = "epochs", out, format = "json", arch, space;
    int count = 10;
    std::uint64_t seed = 1;
    double target = 0;  ///< sample: a family search's target
    bool forceTakeover = false;
};

void printRunsTable(const RunStore &store)
{
    const auto runs = store.runs();
    bool untrained = false;
    std::printf("%-4s %-20s %-7s %-11s %-7s %-14s %-10s %-22s %10s %8s\n", "id", "name", "kind", "status", "epochs", "space", "lut",
                "created", "argmax ms", "time");
    for (const auto &r : runs) {
        double argmaxMs = NAN;
        int targets = 0;  // a family search: one pick per target, no single argmax
        for (const auto &a : store.architectures(r.id))
            if (a.role == "argmax") {
                argmaxMs = a.lutMs;
                targets += a.targetMs > 0;
            }
        char epochs[32];
        std::snprintf(epochs, sizeof epochs, "%d/%d", r.epochsCompleted, r.epochsPlanned);
        // An argmax of a θ that never trained is θ's tie-break, not a result: say so in its column.
        const std::string ms = std::isnan(argmaxMs)       ? "-"
            : thetaEpochsOf(r) == 0                         ? "untrained"
            : targets > 0                                   ? std::to_string(targets) + " targets"
                                                            : std::to_string(argmaxMs).substr(0, 6);
        std::printf("%-4lld %-20s %-7s %-11s %-7s %-14s %-10s %-22s %10s %8s\n", (long long)r.id, r.name.c_str(), r.kind.c_str(),
                    r.status.c_str(), r.kind == "search" ? epochs : "-", r.space.c_str(), r.lutDevice.c_str(), r.createdAt.c_str(),
                    ms.c_str(), formatDuration(r.seconds).c_str());
        untrained = untrained || (!std::isnan(argmaxMs) && thetaEpochsOf(r) == 0);
    }
    if (untrained)
        std::printf("untrained: the search stopped during warm-up, before θ was trained; its argmax is θ's initial tie-break\n");
    if (runs.empty())
        std::printf("(no runs in %s)\n", store.path().c_str());
}

void printArchitectures(const RunStore &store, const RunInfo &r)
{
    std::vector<std::string> problems;
    const auto archs = store.architectures(r.id, &problems);
    for (const auto &p : problems)
        std::fprintf(stderr, "fbnet: warning: an architecture row cannot be read and is left out: %s\n", p.c_str());
    if (archs.empty())
        return;
    std::printf("\n%-5s %-8s %-16s %10s %9s %9s %9s  %s\n", "id", "role", "name", ("LUT " + LatencyTable::unitOf(r.lutDevice)).c_str(), "MACs", "params",
                "top-1 %", "blocks");
    for (const auto &a : archs) {
        const auto evals = store.evaluations(a.id);
        std::string top1 = "-";
        if (!evals.empty()) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.2f", evals.back().top1 * 100);
            top1 = buf;
        }
        std::printf("%-5lld %-8s %-16s %10.3f %9s %9s %9s  %s\n", (long long)a.id, a.role.c_str(), a.architecture.name.c_str(), a.lutMs,
                    formatCount(double(a.macs)).c_str(), formatCount(double(a.params)).c_str(), top1.c_str(),
                    a.architecture.blocksString().c_str());
    }
}

/** `text` right-aligned in `width` columns, counting a UTF-8 character (θ: two bytes) as one. */
std::string rightAligned(const std::string &text, std::size_t width)
{
    std::size_t cols = 0;
    for (unsigned char c : text)
        cols += (c & 0xC0) != 0x80;
    return std::string(width > cols ? width - cols : 0, ' ') + text;
}

int runsShow(const RunsOptions &o)
{
    const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
    const RunInfo r = store.run(o.run);
    std::printf("run %lld '%s' (%s, %s)\n", (long long)r.id, r.name.c_str(), r.kind.c_str(), r.status.c_str());
    std::printf("  space %s, data %s, LUT %s (content %s), seed %llu\n", r.space.c_str(), r.dataset.c_str(), r.lutDevice.c_str(),
                r.lutHash.c_str(), (unsigned long long)r.seed);
    std::printf("  created %s, updated %s, %s of compute, %s\n", r.createdAt.c_str(), r.updatedAt.c_str(),
                formatDuration(r.seconds).c_str(), r.versions.c_str());
    if (!r.error.empty())
        std::printf("  error: %s\n", r.error.c_str());
    if (r.kind == "search") {
        std::printf("  epochs %d of %d; checkpoint %s\n", r.epochsCompleted, r.epochsPlanned,
                    r.checkpointPath.empty() ? "none" : r.checkpointPath.c_str());
        if (thetaEpochsOf(r) == 0 && r.epochsCompleted > 0)
            std::printf("  warning: %s (argmax and samples below)\n", untrainedThetaWarning().c_str());
        std::vector<std::string> problems;
        const auto epochs = store.epochs(r.id, &problems);
        for (const auto &p : problems)
            std::fprintf(stderr, "fbnet: warning: an epoch row cannot be read and is left out: %s\n", p.c_str());
        if (!epochs.empty()) {
            const std::string unit = LatencyTable::unitOf(r.lutDevice), expected = unit == "ms" ? "E[lat] ms" : "E[" + unit + "]";
            const std::string argmaxCol = "argmax " + unit, pickCol = "pick " + unit;
            const int w = int(std::max<std::size_t>(10, argmaxCol.size()));  // "argmax MFLOPs" is wider than the numbers
            std::printf("\n%-6s %6s %10s %9s %s %s %s %s\n", "epoch", "tau", "w loss", "w acc %", rightAligned("θ loss", 10).c_str(),
                        rightAligned("θ acc %", 9).c_str(), rightAligned(expected, std::size_t(w)).c_str(),
                        rightAligned(argmaxCol, std::size_t(w)).c_str());
            for (const auto &e : epochs)
                std::printf("%-6d %6.3f %10.4f %9.2f %10.4f %9.2f %*.3f %*.3f\n", e.epoch + 1, e.temperature, e.weightsLoss,
                            e.weightsAccuracy * 100, e.thetaLoss, e.thetaAccuracy * 100, w, e.expectedLatencyMs, w, e.argmaxLatencyMs);
            if (!epochs.back().family.empty()) {
                std::printf("\nfamily search, epoch %d (the columns above are the first target's):\n%-10s %*s %*s %*s %8s\n",
                            epochs.back().epoch + 1, "target", w, expected.c_str(), w, argmaxCol.c_str(), w, pickCol.c_str(), "off");
                for (const auto &f : epochs.back().family)
                    std::printf("%-10g %*.3f %*.3f %*.3f %+7.1f%%\n", f.targetMs, w, f.expectedLatencyMs, w, f.argmaxLatencyMs, w,
                                f.pickLatencyMs, f.pickLatencyMs > 0 ? 100 * (f.pickLatencyMs / f.targetMs - 1) : 0.0);
            }
        }
        if (r.status != "finished")
            std::printf("\nresume with: fbnet search --runs %s --resume %s\n", store.path().c_str(), r.name.c_str());
    }
    printArchitectures(store, r);
    return 0;
}

int runsCompare(const RunsOptions &o)
{
    const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
    const RunInfo a = store.run(o.run), b = store.run(o.other);
    std::printf("%-22s %-28s %-28s\n", "", a.name.c_str(), b.name.c_str());
    auto row = [](const char *k, const std::string &x, const std::string &y) {
        std::printf("%-22s %-28s %-28s%s\n", k, x.c_str(), y.c_str(), x == y ? "" : "  *");
    };
    row("kind / status", a.kind + " / " + a.status, b.kind + " / " + b.status);
    row("space", a.space, b.space);
    row("data", a.dataset, b.dataset);
    row("LUT", a.lutDevice + " " + a.lutHash.substr(0, 8), b.lutDevice + " " + b.lutHash.substr(0, 8));
    row("seed", std::to_string(a.seed), std::to_string(b.seed));
    row("epochs", std::to_string(a.epochsCompleted) + "/" + std::to_string(a.epochsPlanned),
        std::to_string(b.epochsCompleted) + "/" + std::to_string(b.epochsPlanned));
    row("compute", formatDuration(a.seconds), formatDuration(b.seconds));
    // Configuration differences, key by key.
    const auto ca = a.configJson.empty() ? nlohmann::json::object() : nlohmann::json::parse(a.configJson);
    const auto cb = b.configJson.empty() ? nlohmann::json::object() : nlohmann::json::parse(b.configJson);
    for (auto it = ca.begin(); it != ca.end(); ++it)
        if (cb.contains(it.key()) && cb[it.key()] != it.value())
            row(("config " + it.key()).c_str(), it.value().dump(), cb[it.key()].dump());
    auto best = [&](const RunInfo &r) {
        StoredArchitecture out;
        for (const auto &x : store.architectures(r.id))
            if (x.role == "argmax")
                out = x;
        return out;
    };
    const StoredArchitecture xa = best(a), xb = best(b);
    if (xa.id && xb.id) {
        char la[64], lb[64];
        std::snprintf(la, sizeof la, "%.3f ms, %s MACs", xa.lutMs, formatCount(double(xa.macs)).c_str());
        std::snprintf(lb, sizeof lb, "%.3f ms, %s MACs", xb.lutMs, formatCount(double(xb.macs)).c_str());
        row("argmax", la, lb);
        const auto &ba = xa.architecture.blocks, &bb = xb.architecture.blocks;
        int same = 0;
        for (std::size_t i = 0; i < ba.size() && i < bb.size(); ++i) {
            same += ba[i] == bb[i];
            row(("  L" + std::to_string(i + 1)).c_str(), ba[i], bb[i]);
        }
        std::printf("argmax architectures agree in %d of %zu layers\n", same, std::max(ba.size(), bb.size()));
    }
    const auto ea = store.epochs(a.id), eb = store.epochs(b.id);
    if (!ea.empty() && !eb.empty()) {
        char x[64], y[64];
        std::snprintf(x, sizeof x, "%.2f%% / %.3f ms", ea.back().thetaAccuracy * 100, ea.back().expectedLatencyMs);
        std::snprintf(y, sizeof y, "%.2f%% / %.3f ms", eb.back().thetaAccuracy * 100, eb.back().expectedLatencyMs);
        row("last θ acc / E[lat]", x, y);
    }
    return 0;
}

int runsExport(const RunsOptions &o)
{
    const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
    const RunInfo r = store.run(o.run);
    std::string csv;
    if (o.what == "epochs")
        csv = store.epochsCsv(r.id);
    else if (o.what == "steps")
        csv = store.stepsCsv(r.id);
    else {
        csv = "id,role,name,lut_ms,macs,params,log_prob,top1,dataset,train_epochs,blocks\n";
        for (const auto &a : store.architectures(r.id)) {
            const auto ev = store.evaluations(a.id);
            char buf[256];
            std::snprintf(buf, sizeof buf, "%lld,%s,%s,%.6g,%lld,%lld,%.6g,", (long long)a.id, a.role.c_str(), a.architecture.name.c_str(),
                          a.lutMs, (long long)a.macs, (long long)a.params, a.logProbability);
            csv += buf;
            if (!ev.empty())
                csv += std::to_string(ev.back().top1) + "," + ev.back().dataset + "," + std::to_string(ev.back().epochs);
            else
                csv += ",,";
            csv += "," + a.architecture.blocksString() + "\n";
        }
    }
    if (o.out.empty() || o.out == "-")
        std::fputs(csv.c_str(), stdout);
    else {
        writeTextFileAtomic(o.out, csv);
        std::fprintf(stderr, "written %s\n", o.out.c_str());
    }
    return 0;
}

std::string formatNumber(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

int sampleCommand(const RunsOptions &o)
{
    RunStore store(storePath(o.runs));
    const RunInfo r = store.run(o.run);
    if (r.thetaJson.empty())
        throw Error::at(store.path(), "run " + r.name, "has no final theta (status " + r.status + "); resume or finish it first");
    const SpaceAndTable st = loadRunSpace(r, store.path());
    std::vector<std::vector<double>> theta;
    try {
        theta = nlohmann::json::parse(r.thetaJson).get<std::vector<std::vector<double>>>();
    } catch (const nlohmann::json::exception &) {
        throw Error::at(store.path(), "run " + r.name + ": theta", "expected a list of finite numbers per layer");
    }
    // A family search: the chosen target's theta (its last epoch's), not the first target's.
    std::string prefix;
    const auto epochs = store.epochs(r.id);
    const auto *family = epochs.empty() ? nullptr : &epochs.back().family;
    if (family && !family->empty()) {
        std::string targets;
        const FamilyMemberStats *member = nullptr;
        for (const auto &m : *family) {
            targets += (targets.empty() ? "" : ", ") + formatNumber(m.targetMs);
            if (m.targetMs == o.target)
                member = &m;
        }
        if (!member)
            throw Error::at("--target", o.target > 0 ? formatNumber(o.target) : "",
                            "run " + r.name + " is a family search: expected one of its targets (" + targets + ")");
        theta = member->theta;
        if (theta.empty() && st.space.searchesShapes())
            throw Error::at(store.path(), "run " + r.name, "was recorded before a family's theta per target was kept; its samples are "
                                                           "the ones its search drew (fbnet search --samples K)");
        if (theta.empty())  // older FBNet records: softmax(log p) = p
            for (const auto &layer : member->probabilities) {
                theta.emplace_back();
                for (double p : layer)
                    theta.back().push_back(std::log(std::max(1e-300, p)));
            }
        prefix = targetLabel(member->targetMs, st.lut.unit()) + "-";
    } else if (o.target > 0) {
        throw Error::at("--target", formatNumber(o.target), "run " + r.name + " is not a family search (it has one theta)");
    }
    std::mt19937_64 rng(o.seed);
    int existing = 0;
    for (const auto &a : store.architectures(r.id))
        existing += a.role == "sample" && a.architecture.name.rfind(prefix + "sample", 0) == 0;
    std::vector<StoredArchitecture> drawn;
    for (int i = 0; i < o.count; ++i) {
        DrawnArchitecture d;
        try {
            d = sampleFromTheta(st.space, theta, rng);
        } catch (const Error &e) {
            throw Error::at(store.path(), "run " + r.name, e.what());
        }
        StoredArchitecture s;
        s.runId = r.id;
        s.role = "sample";
        s.logProbability = d.logProbability;
        Architecture &a = s.architecture;
        a = std::move(d.architecture);
        a.name = prefix + "sample" + std::to_string(existing + i + 1);
        a.source = "fbnet sample (softmax(theta" + (prefix.empty() ? std::string() : " of target " + formatNumber(o.target)) + ") of run "
            + r.name + ", seed " + std::to_string(o.seed) + ")";
        s.targetMs = prefix.empty() ? 0 : o.target;
        const ArchCost cost = computeCost(st.space, a);
        s.macs = cost.macs;
        s.params = cost.params;
        s.lutMs = st.lut.predict(st.space, a);
        drawn.push_back(std::move(s));
    }
    // Every draw is checked before the first is stored: a theta that does not fit stores none.
    std::printf("%-5s %-12s %10s %9s %9s %9s  %s\n", "id", "name", ("LUT " + st.lut.unit()).c_str(), "MACs", "params", "log p", "blocks");
    for (auto &s : drawn) {
        s.id = store.addArchitecture(s);
        const Architecture &a = s.architecture;
        std::printf("%-5lld %-12s %10.3f %9s %9s %9.2f  %s\n", (long long)s.id, a.name.c_str(), s.lutMs,
                    formatCount(double(s.macs)).c_str(), formatCount(double(s.params)).c_str(), s.logProbability,
                    a.blocksString().c_str());
        if (!a.layerWidths.empty())
            std::printf("      %s\n", shapesString(a).c_str());
    }
    std::printf("stored %d samples in run '%s' (plus its argmax: fbnet runs show %s)\n", o.count, r.name.c_str(), r.name.c_str());
    return 0;
}

int importCommand(const RunsOptions &o)
{
    std::string spaceRef;
    const Architecture a = loadArchitectureArg(o.arch, o.space, o.runs, nullptr, &spaceRef);
    const SearchSpace space = SearchSpace::load(resolveSpacePath(spaceRef));
    const ArchCost cost = computeCost(space, a);
    std::printf("%s: %s in %s, %s MACs, %s params\n", a.name.empty() ? "(unnamed)" : a.name.c_str(), a.blocksString().c_str(),
                space.name.c_str(), formatCount(double(cost.macs)).c_str(), formatCount(double(cost.params)).c_str());
    if (!o.out.empty()) {
        const std::string text = o.format == "mobile-vision" ? toMobileVisionArchDef(space, a) : architectureToJsonText(a);
        writeTextFileAtomic(o.out, text);
        std::printf("written %s (%s)\n", o.out.c_str(), o.format.c_str());
    }
    return 0;
}

} // namespace

void addRunsCommands(CLI::App &app, Action &run)
{
    auto o = std::make_shared<RunsOptions>();
    auto *runs = app.add_subcommand("runs", "The run store: list, show, rename, delete, compare, export CSV");
    runs->require_subcommand(1);
    auto addStore = [o](CLI::App *c) {
        c->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    };
    auto *list = runs->add_subcommand("list", "Every run in the store");
    addStore(list);
    list->callback([o, &run] {
        run = [o] {
            // A store that is not there yet is created (empty, the user's from then on); one that is, only read.
            const std::string path = storePath(o->runs);
            const RunStore s(path, std::filesystem::exists(path) ? RunStore::Access::ReadOnly : RunStore::Access::ReadWrite);
            printRunsTable(s);
            return 0;
        };
    });
    auto *show = runs->add_subcommand("show", "A run: configuration, epochs, architectures and their evaluations");
    addStore(show);
    show->add_option("run", o->run, "Run name or id")->required();
    show->callback([o, &run] { run = [o] { return runsShow(*o); }; });
    auto *rename = runs->add_subcommand("rename", "Rename a run");
    addStore(rename);
    rename->add_option("run", o->run, "Run name or id")->required();
    rename->add_option("name", o->newName, "New name")->required();
    rename->callback([o, &run] {
        run = [o] {
            RunStore s(storePath(o->runs));
            s.renameRun(s.run(o->run).id, o->newName);
            std::printf("renamed '%s' to '%s'\n", o->run.c_str(), o->newName.c_str());
            return 0;
        };
    });
    auto *del = runs->add_subcommand("delete", "Delete a run with its records and checkpoint");
    addStore(del);
    del->add_option("run", o->run, "Run name or id")->required();
    del->add_flag("--force-takeover", o->forceTakeover, "Also delete a run recorded as running on another host (its process cannot be checked)");
    del->callback([o, &run] {
        run = [o] {
            RunStore s(storePath(o->runs));
            const RunInfo r = s.run(o->run);
            s.deleteRun(r.id, o->forceTakeover);
            std::printf("deleted run %lld '%s'\n", (long long)r.id, r.name.c_str());
            return 0;
        };
    });
    auto *cmp = runs->add_subcommand("compare", "Two runs side by side (configuration, argmax per layer, final metrics)");
    addStore(cmp);
    cmp->add_option("a", o->run, "First run")->required();
    cmp->add_option("b", o->other, "Second run")->required();
    cmp->callback([o, &run] { run = [o] { return runsCompare(*o); }; });
    auto *exp = runs->add_subcommand("export", "Metrics of a run as CSV");
    addStore(exp);
    exp->add_option("run", o->run, "Run name or id")->required();
    exp->add_option("--what", o->what, "epochs | steps | architectures")->capture_default_str()
        ->check(CLI::IsMember({"epochs", "steps", "architectures"}));
    exp->add_option("--out", o->out, "CSV file (default: stdout)");
    exp->callback([o, &run] { run = [o] { return runsExport(*o); }; });

    auto *sample = app.add_subcommand("sample", "Sample architectures from a run's final softmax(theta) and store them");
    addStore(sample);
    sample->add_option("--run", o->run, "Run name or id")->required();
    sample->add_option("--count", o->count, "How many")->capture_default_str()->check(CLI::Range(1, 100000));
    sample->add_option("--seed", o->seed, "Random seed")->capture_default_str();
    sample->add_option("--target", o->target, "A family search's target (fbnet search --targets): sample its theta");
    sample->callback([o, &run] { run = [o] { return sampleCommand(*o); }; });

    auto *im = app.add_subcommand("import", "Read and validate an architecture (our JSON or a mobile-vision arch_def); convert it with --out");
    addStore(im);
    im->add_option("file", o->arch, "Architecture file")->required();
    im->add_option("--space", o->space, "Search space (required for an arch_def that names none)");
    im->add_option("--format", o->format, "Format of --out: json | mobile-vision")->capture_default_str()
        ->check(CLI::IsMember({"json", "mobile-vision"}));
    im->add_option("--out", o->out, "Write the converted architecture here");
    im->callback([o, &run] { run = [o] { return importCommand(*o); }; });
}

} // namespace fbnet::cli
