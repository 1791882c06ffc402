// fbnet export: a stored or named architecture as our JSON, mobile-vision's arch_def, or ONNX.

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/archexport.h"
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
    int classes = 0, inputSize = 0;  ///< a named or file architecture trained on another data set
    double target = 0;               ///< a family run's target (core's chosenArchitecture)
    int opset = kOnnxMaxOpset;
    int batch = 0;
    std::uint64_t seed = 0;
    bool foldBn = false;
    bool noCheck = false;
    bool randomWeights = false;  ///< an ONNX model of random weights, asked for explicitly
};

/** What is exported: a stored architecture (the core's ArchitectureExport), a name or a file. */
using ExportSubject = ArchitectureExport;

ExportSubject subjectOf(const ExportOptions &o)
{
    auto refuseShapeFlags = [&o](const std::string &which) {
        if (o.classes > 0 || o.inputSize > 0)
            throw Error::at("--classes/--input-size", which, "a stored architecture exports with its run's; drop them");
    };
    if (o.run.empty()) {
        if (o.arch.empty())
            throw Error::at("fbnet export", "", "give --run RUN [--arch ID] (a stored architecture) or --arch NAME|FILE|RUN:ID");
        ExportSubject s;
        std::string spaceRef;
        std::int64_t storedId = 0;
        s.arch = loadArchitectureArg(o.arch, o.space, o.runs, &storedId, &spaceRef, o.target);
        if (storedId > 0) {  // RUN:ID is --run RUN --arch ID: the run's space, classes and input size
            refuseShapeFlags(o.arch);
            const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
            return architectureExportOfRun(store, o.arch.substr(0, o.arch.rfind(':')), std::to_string(storedId));
        }
        SpaceParams params;
        params.numClasses = o.classes;
        params.inputSize = o.inputSize;
        s.space = SearchSpace::load(resolveSpacePath(spaceRef), params);
        s.provenanceJson = nlohmann::json{{"architecture", o.arch}, {"source", s.arch.source}}.dump();
        s.describe = s.arch.name.empty() ? o.arch : s.arch.name;
        return s;
    }
    refuseShapeFlags(o.run);
    const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
    ExportSubject s = architectureExportOfRun(store, o.run, o.arch, o.target);
    if (s.thetaEpochs == 0)
        std::fprintf(stderr, "warning: %s: %s\n", s.describe.c_str(), untrainedThetaWarning().c_str());
    return s;
}

/** Runs the written file in OpenCV's dnn module and the network in libtorch on one random batch. */
void checkAgainstTorch(const ExportSubject &s, const ExportOptions &o, const OnnxExportOptions &eo)
{
    const OpenCvCheck c = checkInOpenCv(s.space, s.arch, eo, o.out);
    if (!c.ran) {
        std::fprintf(stderr, "not checked against an independent runtime: %s\n", c.why.c_str());
        return;
    }
    const double rel = c.relativeDifference;
    std::fprintf(stderr, "checked: OpenCV dnn and libtorch logits on a random batch of %d differ by %.2e (max |diff| / max |logit|)%s%s\n",
                 c.batch, rel, c.fixedBatchCopy ? ", on a copy with the batch fixed (OpenCV 4.6 runs squeeze-excite only so)" : "",
                 rel > 1e-4 ? "  -- ABOVE 1e-4" : "");
    if (!(rel <= 1e-4))
        throw Error::at(o.out, "", "OpenCV's dnn module gives other logits than libtorch for the exported graph (relative difference "
                                       + std::to_string(rel) + " > 1e-4); please report this with the architecture");
}

/** --format mobile-vision --weights W --out DIR: DIR/arch_def.json, DIR/weights.pt (mobile-vision's names), DIR/README.txt. */
int exportMobileVisionBundle(const ExportSubject &s, const ExportOptions &o)
{
    if (o.out.empty() || o.out == "-")
        throw Error::at("--out", "", "with --weights, --format mobile-vision writes a folder (arch_def.json, weights.pt): give --out DIR");
    const std::filesystem::path dir(o.out);
    if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir))
        throw Error::at(o.out, "", "exists and is not a folder; with --weights, --out names the folder to write");
    const std::string archDef = toMobileVisionArchDef(s.space, s.arch);  // refusals before anything is written
    const bool created = std::filesystem::create_directories(dir);
    const std::string weights = (dir / "weights.pt").string();
    MobileVisionWeightsSummary sum;
    try {
        sum = exportMobileVisionWeights(s.space, s.arch, o.weights, weights);
    } catch (...) {
        if (created)
            std::filesystem::remove(dir);  // a folder of our own making, still empty: bad weights leave nothing behind
        throw;
    }
    writeTextFileAtomic((dir / "arch_def.json").string(), archDef);
    const std::string load = "import torch\n"
                             "from mobile_cv.model_zoo.models.fbnet_v2 import fbnet\n"
                             "model = fbnet(open(\"arch_def.json\").read(), num_classes=" + std::to_string(sum.numClasses) + ")\n"
                             "model.load_state_dict(torch.load(\"weights.pt\"), strict=True)\n"
                             "model.eval()  # input: N x 3 x " + std::to_string(sum.inputSize) + " x " + std::to_string(sum.inputSize)
                             + ", normalised as fbnet train normalised it\n";
    writeTextFileAtomic((dir / "README.txt").string(),
                        "FBNet Studio export of " + s.describe + " (space " + s.space.name + ") for mobile-vision (mobile_cv.arch.fbnet_v2).\n"
                        "arch_def.json: the architecture; weights.pt: the trained state dict (" + o.weights + ") under the names of\n"
                        "mobile_cv.model_zoo.models.fbnet_v2.FBNet: backbone.stages.xif<stage>_<block>.* and the head\n"
                        "(ClsConvHead: global average pool, then head.conv, a 1x1 convolution with bias). Load it with:\n\n" + load);
    std::fprintf(stderr, "written %s: arch_def.json, weights.pt (%zu tensors, %s values, mobile-vision's names), README.txt (%s)\n",
                 o.out.c_str(), sum.tensors, formatCount(double(sum.values)).c_str(), s.describe.c_str());
    return 0;
}

int exportCommand(const ExportOptions &o);

/** exportCommand, with the flags to give when weights of a network trained on another data set meet its published shape. */
int exportCommandWithHints(const ExportOptions &o)
{
    try {
        return exportCommand(o);
    } catch (const Error &e) {
        if (o.run.empty() && !o.weights.empty() && e.source() == o.weights && e.field().rfind("fc.", 0) == 0 && o.classes == 0)
            throw Error(std::string(e.what()) + "; weights trained on another data set: give its class count with --classes N "
                                                "(and --input-size N if it trained at another size), or export with --run");
        throw;
    }
}

int exportCommand(const ExportOptions &o)
{
    const ExportSubject s = subjectOf(o);
    if (o.format == "onnx") {
        if (o.out.empty() || o.out == "-")
            throw Error::at("--out", "", "an ONNX model is binary: give --out model.onnx");
        // Which weights: --weights, else the architecture's newest trained weights, else random
        // weights only when asked for (a model of random weights is not what a user takes home).
        std::string weights = o.weights, carries = o.weights.empty() ? "" : "trained weights (" + o.weights + ")";
        if (weights.empty() && !o.randomWeights) {
            const Evaluation *trained = trainedWeightsOf(s);
            if (!trained)
                throw Error::at("--weights", s.describe,
                                "has no trained weights: train it first (fbnet train --arch RUN:argmax [--target T]), name them with "
                                "--weights FILE, or export random weights with --random-weights");
            weights = trained->weightsPath;
            carries = trainedWeightsLabel(*trained) + " from " + weights;
        }
        if (o.randomWeights && !o.weights.empty())
            throw Error::at("--random-weights", "", "give --weights FILE or --random-weights, not both");
        std::fprintf(stderr, "exporting %s with %s\n", s.describe.c_str(),
                     o.randomWeights ? ("RANDOM weights (seed " + std::to_string(o.seed) + "), as asked").c_str() : carries.c_str());
        OnnxExportOptions eo;
        eo.opset = o.opset;
        eo.foldBn = o.foldBn;
        eo.batch = o.batch;
        eo.weightsPath = weights;
        eo.seed = o.seed;
        eo.description = "FBNet Studio export of " + s.describe + " (space " + s.space.name + "): " + s.provenanceJson;
        const OnnxExportSummary sum = exportOnnx(s.space, s.arch, eo, o.out);
        std::fprintf(stderr, "written %s (ONNX opset %d, %zu nodes, %s parameters, %s weights%s, input %s x %d x %d x %d, %d classes, %.1f MB)\n",
                     o.out.c_str(), sum.opset, sum.nodes, formatCount(double(sum.parameters)).c_str(), sum.trainedWeights ? "trained" : "random",
                     o.foldBn ? ", BN folded" : "", o.batch > 0 ? std::to_string(o.batch).c_str() : "batch", sum.inputChannels, sum.inputSize,
                     sum.inputSize, sum.numClasses, double(sum.bytes) / 1e6);
        if (!o.noCheck)
            checkAgainstTorch(s, o, eo);
        return 0;
    }
    if (!o.weights.empty() && o.format == "mobile-vision")
        return exportMobileVisionBundle(s, o);
    if (!o.weights.empty())
        throw Error::at("--weights", "", "weights are exported with --format onnx or --format mobile-vision");
    const std::string text = o.format == "mobile-vision" ? toMobileVisionArchDef(s.space, s.arch) : architectureExportJson(s);
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
    ex->add_option("--target", o->target, "A family run's target: export the architecture it hands back for that target (as train --target)")
        ->check(CLI::PositiveNumber);
    ex->add_option("--space", o->space, "Search space (for an arch_def file that names none)");
    ex->add_option("--format", o->format, "json | mobile-vision | onnx")->capture_default_str()
        ->check(CLI::IsMember({"json", "mobile-vision", "onnx"}));
    ex->add_option("--out", o->out, "File (default: stdout; required for onnx); a folder for mobile-vision with --weights");
    ex->add_option("--weights", o->weights, "onnx: trained weights (fbnet train --weights; default: random weights); "
                                            "mobile-vision: also write them under mobile-vision's names (--out is then a folder)");
    ex->add_option("--opset", o->opset, "onnx: opset version")->capture_default_str()->check(CLI::Range(kOnnxMinOpset, kOnnxMaxOpset));
    ex->add_flag("--fold-bn", o->foldBn, "onnx: fold BatchNorm into the convolutions");
    ex->add_option("--batch", o->batch, "onnx: fixed batch size (default 0: a dynamic batch dimension)")->capture_default_str();
    ex->add_flag("--random-weights", o->randomWeights, "onnx: export random weights when the architecture has no trained ones (for a latency or shape check)");
    ex->add_option("--seed", o->seed, "onnx: seed of the random weights")->capture_default_str();
    ex->add_flag("--no-check", o->noCheck, "onnx: skip running the file in OpenCV's dnn module against libtorch");
    ex->add_option("--classes", o->classes, "With --arch NAME|FILE: the class count the weights were trained for (default: the space's)")
        ->check(CLI::Range(1, 100000));
    ex->add_option("--input-size", o->inputSize, "With --arch NAME|FILE: the input size it was trained at (default: the space's)")
        ->check(CLI::Range(8, 1024));
    ex->callback([o, &run] { run = [o] { return exportCommandWithHints(*o); }; });
}

} // namespace fbnet::cli
