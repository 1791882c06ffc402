// fbnet export: a stored or named architecture as our JSON, mobile-vision's arch_def, or ONNX.

#include <cstdio>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/mobilevision.h"
#include "fbnet/onnxexport.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"

namespace fbnet::cli {

namespace {

struct ExportOptions
{
    std::string runs, run, arch, space, format = "json", out, weights;
    int opset = kOnnxMaxOpset;
    int batch = 0;
    std::uint64_t seed = 0;
    bool foldBn = false;
    bool noCheck = false;
};

/** What is exported: the architecture, its space (with the run's class count) and where it came from. */
struct ExportSubject
{
    Architecture arch;
    SearchSpace space;
    nlohmann::json provenance;
    std::vector<Evaluation> evaluations;
    std::string describe;  ///< "architecture 3 'argmax' of run 'r1'" or "fbnet-a"
};

ExportSubject subjectOf(const ExportOptions &o)
{
    ExportSubject s;
    if (o.run.empty()) {
        if (o.arch.empty())
            throw Error::at("fbnet export", "", "give --run RUN [--arch ID] (a stored architecture) or --arch NAME|FILE|RUN:ID");
        std::string spaceRef;
        s.arch = loadArchitectureArg(o.arch, o.space, o.runs, nullptr, &spaceRef);
        s.space = SearchSpace::load(resolveSpacePath(spaceRef));
        s.provenance = {{"architecture", o.arch}, {"source", s.arch.source}};
        s.describe = s.arch.name.empty() ? o.arch : s.arch.name;
        return s;
    }
    RunStore store(storePath(o.runs));
    const RunInfo r = store.run(o.run);
    const auto archs = store.architectures(r.id);
    const StoredArchitecture *chosen = nullptr;
    for (const auto &a : archs)
        if (o.arch.empty() ? a.role == "argmax" : (o.arch == std::to_string(a.id) || o.arch == a.architecture.name))
            chosen = &a;
    if (!chosen && o.arch.empty() && !archs.empty())
        chosen = &archs.front();
    if (!chosen)
        throw Error::at(store.path(), "run " + r.name, o.arch.empty() ? "has no architectures yet" : "has no architecture '" + o.arch + "'");
    SpaceAndTable st = loadRunSpace(r, store.path());
    s.arch = chosen->architecture;
    s.space = std::move(st.space);
    s.evaluations = store.evaluations(chosen->id);
    s.provenance = {{"run", r.name}, {"run_id", r.id}, {"role", chosen->role}, {"store", store.path()}, {"versions", r.versions}};
    s.describe = "architecture " + std::to_string(chosen->id) + " '" + s.arch.name + "' of run '" + r.name + "'";
    return s;
}

std::string jsonExport(const ExportSubject &s)
{
    const NetworkPlan plan = resolve(s.space, s.arch);
    const ArchCost cost = computeCost(plan);
    nlohmann::json j = nlohmann::json::parse(architectureToJsonText(s.arch));
    j["input_size"] = plan.inputSize;
    j["stem_channels"] = plan.stemChannels;
    j["head_channels"] = plan.headChannels;
    j["num_classes"] = plan.numClasses;
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t i = 0; i < plan.layers.size(); ++i)
        layers.push_back({{"layer", i + 1}, {"block", plan.chosen[i].name}, {"cin", plan.layers[i].cin}, {"cout", plan.layers[i].cout},
                          {"stride", plan.layers[i].stride}, {"input_size", plan.layers[i].inputSize}});
    j["layers"] = layers;
    nlohmann::json figures;
    figures["macs"] = {{"value", cost.macs}, {"provenance", "analytic (conv + FC multiply-accumulates)"}};
    figures["params"] = {{"value", cost.params}, {"provenance", "analytic (weights + folded-BN biases)"}};
    nlohmann::json lat = nlohmann::json::object();
    for (const auto &name : lutNames()) {
        try {
            const LatencyTable t = LatencyTable::load(resolveLutPath(name, s.space.name));
            if (t.missing(s.space).empty())
                lat[t.device] = {{"ms", t.predict(plan)}, {"provenance", "LUT " + t.sourcePath + " (" + t.provenanceKind + ")"}};
        } catch (const Error &) {
            // a table of another space
        }
    }
    figures["latency"] = lat;
    nlohmann::json acc = nlohmann::json::array();
    for (const auto &e : s.evaluations)
        acc.push_back({{"top1", e.top1}, {"provenance", "fbnet train on " + e.dataset + ", " + std::to_string(e.epochs) + " epochs, " + e.createdAt},
                       {"weights", e.weightsPath}});
    figures["accuracy"] = acc;
    j["figures"] = figures;
    j["provenance"] = s.provenance;
    return j.dump(2) + "\n";
}

/** Runs the written file in OpenCV's dnn module and the network in libtorch on one random batch. */
void checkAgainstTorch(const ExportSubject &s, const ExportOptions &o, const OnnxExportSummary &sum)
{
    std::string why;
    if (!opencvCanRun(o.out, &why)) {
        std::fprintf(stderr, "not checked against an independent runtime: %s\n", why.c_str());
        return;
    }
    const int batch = o.batch > 0 ? o.batch : 2;
    std::vector<float> input(std::size_t(batch) * std::size_t(sum.inputChannels) * std::size_t(sum.inputSize) * std::size_t(sum.inputSize));
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    for (auto &v : input)
        v = nd(rng);
    const auto ours = torchLogits(s.space, s.arch, o.weights, o.seed, input, batch);
    const auto cv = opencvLogits(o.out, input, batch, sum.inputChannels, sum.inputSize);
    const double rel = maxRelativeDifference(cv, ours);
    std::fprintf(stderr, "checked: OpenCV dnn and libtorch logits on a random batch of %d differ by %.2e (max |diff| / max |logit|)%s\n",
                 batch, rel, rel > 1e-4 ? "  -- ABOVE 1e-4" : "");
    if (!(rel <= 1e-4))
        throw Error::at(o.out, "", "OpenCV's dnn module gives other logits than libtorch for the exported graph (relative difference "
                                       + std::to_string(rel) + " > 1e-4); please report this with the architecture");
}

int exportCommand(const ExportOptions &o)
{
    const ExportSubject s = subjectOf(o);
    if (o.format == "onnx") {
        if (o.out.empty() || o.out == "-")
            throw Error::at("--out", "", "an ONNX model is binary: give --out model.onnx");
        if (o.weights.empty())
            for (const auto &e : s.evaluations)
                if (!e.weightsPath.empty() && std::filesystem::exists(e.weightsPath))
                    std::fprintf(stderr, "note: this architecture has trained weights (%s); exporting random weights unless --weights names them\n",
                                 e.weightsPath.c_str());
        OnnxExportOptions eo;
        eo.opset = o.opset;
        eo.foldBn = o.foldBn;
        eo.batch = o.batch;
        eo.weightsPath = o.weights;
        eo.seed = o.seed;
        eo.description = "FBNet Studio export of " + s.describe + " (space " + s.space.name + "): " + s.provenance.dump();
        const OnnxExportSummary sum = exportOnnx(s.space, s.arch, eo, o.out);
        std::fprintf(stderr, "written %s (ONNX opset %d, %zu nodes, %s parameters, %s weights%s, input %s x %d x %d x %d, %d classes, %.1f MB)\n",
                     o.out.c_str(), sum.opset, sum.nodes, formatCount(double(sum.parameters)).c_str(), sum.trainedWeights ? "trained" : "random",
                     o.foldBn ? ", BN folded" : "", o.batch > 0 ? std::to_string(o.batch).c_str() : "batch", sum.inputChannels, sum.inputSize,
                     sum.inputSize, sum.numClasses, double(sum.bytes) / 1e6);
        if (!o.noCheck)
            checkAgainstTorch(s, o, sum);
        return 0;
    }
    if (!o.weights.empty())
        throw Error::at("--weights", "", "weights are exported with --format onnx only");
    const std::string text = o.format == "mobile-vision" ? toMobileVisionArchDef(s.space, s.arch) : jsonExport(s);
    if (o.out.empty() || o.out == "-")
        std::fputs(text.c_str(), stdout);
    else {
        writeTextFileAtomic(o.out, text);
        std::fprintf(stderr, "written %s (%s, %s)\n", o.out.c_str(), o.format.c_str(), s.describe.c_str());
    }
    return 0;
}

} // namespace

void addExportCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<ExportOptions>();
    auto *ex = app.add_subcommand("export", "Export an architecture: our JSON (figures, provenance), mobile-vision's arch_def, or an ONNX model");
    ex->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    ex->add_option("--run", o->run, "Run name or id (its argmax unless --arch names another of its architectures)");
    ex->add_option("--arch", o->arch, "With --run: architecture id or name in the run; without: a published name, a file or RUN:ID");
    ex->add_option("--space", o->space, "Search space (for an arch_def file that names none)");
    ex->add_option("--format", o->format, "json | mobile-vision | onnx")->capture_default_str()
        ->check(CLI::IsMember({"json", "mobile-vision", "onnx"}));
    ex->add_option("--out", o->out, "File (default: stdout; required for onnx)");
    ex->add_option("--weights", o->weights, "onnx: trained weights (fbnet train --weights); default: random weights");
    ex->add_option("--opset", o->opset, "onnx: opset version")->capture_default_str()->check(CLI::Range(kOnnxMinOpset, kOnnxMaxOpset));
    ex->add_flag("--fold-bn", o->foldBn, "onnx: fold BatchNorm into the convolutions");
    ex->add_option("--batch", o->batch, "onnx: fixed batch size (default 0: a dynamic batch dimension)")->capture_default_str();
    ex->add_option("--seed", o->seed, "onnx: seed of the random weights")->capture_default_str();
    ex->add_flag("--no-check", o->noCheck, "onnx: skip running the file in OpenCV's dnn module against libtorch");
    ex->callback([o, &run] { run = [o] { return exportCommand(*o); }; });
}

} // namespace fbnet::cli
