// Measurement kits: networks spread over a space's latency range, as ONNX, timed elsewhere or here.
#include "fbnet/lutkit.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/lutfit.h"
#include "fbnet/onnxexport.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "base/fileread.h"

namespace fbnet {

namespace fs = std::filesystem;

namespace {

/** The content hash of a kit's model file (bounded read; a FIFO or a folder is refused with its name). */
std::string modelHash(const std::string &file)
{
    const auto bytes = detail::readRegularFile(file, std::uint64_t(1) << 31, "kit model");
    return contentHash(std::string(bytes.begin(), bytes.end()));
}

} // namespace

std::vector<KitEntry> chooseKit(const SearchSpace &space, const LatencyTable *prior, const KitOptions &o)
{
    if (o.count < 4 || o.count > 2000)
        throw Error::at("--count", std::to_string(o.count), "expected 4..2000 networks");
    if (o.holdoutEvery < 0 || o.holdoutEvery == 1)
        throw Error::at("--holdout-every", std::to_string(o.holdoutEvery), "expected 0 (no held-out networks) or 2 and more");
    if (prior) {
        const auto missing = prior->missing(space);
        if (!missing.empty())
            throw Error::at(prior->sourcePath, "", "the prior table lacks " + std::to_string(missing.size()) + " ops of space " + space.name);
    }
    const auto layers = space.layers();
    std::mt19937_64 rng(o.seed);
    struct Candidate
    {
        Architecture arch;
        double key = 0;
        std::int64_t macs = 0;
        double priorMs = 0;
    };
    std::vector<Candidate> pool;
    std::set<std::string> seen;
    const int draws = o.count * std::max(1, o.candidatesPerNetwork);
    for (int i = 0; i < draws; ++i) {
        Candidate c;
        c.arch.space = space.name;
        for (const auto &l : layers)
            c.arch.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        if (!seen.insert(c.arch.blocksString()).second)
            continue;
        c.macs = computeCost(space, c.arch).macs;
        c.priorMs = prior ? prior->predict(space, c.arch) : 0;
        c.key = prior ? c.priorMs : double(c.macs);
        pool.push_back(std::move(c));
    }
    if (int(pool.size()) < o.count)
        throw Error::at("--count", std::to_string(o.count), "the space has only " + std::to_string(pool.size()) + " distinct architectures");
    const auto [lo, hi] = std::minmax_element(pool.begin(), pool.end(), [](const Candidate &a, const Candidate &b) { return a.key < b.key; });
    const double kmin = lo->key, kmax = hi->key;
    std::vector<bool> used(pool.size(), false);
    std::vector<std::size_t> chosen;
    for (int b = 0; b < o.count; ++b) {
        const double centre = kmin + (kmax - kmin) * (b + 0.5) / o.count;
        std::size_t best = pool.size();
        for (std::size_t i = 0; i < pool.size(); ++i)
            if (!used[i] && (best == pool.size() || std::abs(pool[i].key - centre) < std::abs(pool[best].key - centre)))
                best = i;
        used[best] = true;
        chosen.push_back(best);
    }
    std::sort(chosen.begin(), chosen.end(), [&](std::size_t a, std::size_t b) { return pool[a].key < pool[b].key; });
    std::vector<KitEntry> kit;
    for (std::size_t r = 0; r < chosen.size(); ++r) {
        char id[32];
        std::snprintf(id, sizeof id, "kit-%03zu", r + 1);
        KitEntry e;
        e.id = id;
        e.architecture = pool[chosen[r]].arch;
        e.architecture.name = id;
        e.architecture.source = "fbnet lut kit (seed " + std::to_string(o.seed) + ")";
        e.file = "models/" + e.id + ".onnx";
        e.macs = pool[chosen[r]].macs;
        e.priorMs = pool[chosen[r]].priorMs;
        // Held-out networks are spread over the range too: every k-th in latency order, never the two ends.
        e.split = o.holdoutEvery > 0 && r % std::size_t(o.holdoutEvery) == std::size_t(o.holdoutEvery) / 2 && r + 1 < chosen.size()
                      ? "holdout" : "fit";
        kit.push_back(std::move(e));
    }
    return kit;
}

namespace {

std::string kitReadme(const SearchSpace &space, const std::vector<KitEntry> &kit, const std::string &priorName)
{
    const NetworkPlan plan = resolve(space, kit.front().architecture);
    const std::string shape = "1x" + std::to_string(plan.inputChannels) + "x" + std::to_string(plan.inputSize) + "x" + std::to_string(plan.inputSize);
    std::size_t held = 0;
    for (const auto &e : kit)
        held += e.split == "holdout";
    std::string t;
    t += "# Latency measurement kit: " + std::to_string(kit.size()) + " networks of space " + space.name + "\n\n";
    t += "Made by `fbnet lut kit`. The networks spread over the latency range (stratified by "
         + (priorName.empty() ? std::string("MACs") : "the prior table " + priorName) + "). Each is `models/<id>.onnx`: "
         "ONNX opset 17, batch 1, input `input` " + shape + " (float32), output `logits`, random weights "
         "(latency does not depend on the values). `manifest.csv` lists id, architecture, file, MACs, the prior's "
         "prediction and the split: " + std::to_string(kit.size() - held) + " networks fit the table, " + std::to_string(held)
         + " (`holdout`) are kept out of the fit and tell how well it predicts networks it did not see.\n\n";
    t += "## 1. Time every model on the device\n\n"
         "Time one inference at batch 1, after warm-up, on the runtime and thread count you will deploy with; keep the "
         "median in milliseconds. For example:\n\n"
         "- **ONNX Runtime** (`onnxruntime_perf_test`, built with ONNX Runtime or from its Android/iOS packages):\n"
         "  `onnxruntime_perf_test -e cpu -x 1 -r 100 -I models/kit-001.onnx` (prints the average; `-r` runs, `-x` intra-op threads).\n"
         "- **TFLite** (`benchmark_model` from TensorFlow's Android/iOS tools): convert each model first, e.g. with "
         "`onnx2tf -i models/kit-001.onnx -o tflite/` (Python, `pip install onnx2tf`), then\n"
         "  `adb push tflite/kit-001_float32.tflite /data/local/tmp/ && adb shell /data/local/tmp/benchmark_model "
         "--graph=/data/local/tmp/kit-001_float32.tflite --num_threads=1 --warmup_runs=10 --num_runs=100` (reports `avg` and `median` in µs: divide by 1000).\n"
         "- **OpenCV dnn** or **libtorch** on a Linux board: `fbnet lut measure --kit . --runtime opencv|libtorch` does it all "
         "and writes `timings.csv` directly (OpenCV 4.6 refuses squeeze-excite models: use libtorch there).\n\n";
    t += "## 2. Bring the timings back\n\n"
         "Fill the `latency_ms` column of `timings-template.csv` (one median per row, in milliseconds; keep the columns "
         "`id`, `arch` and `split` as they are) and save it as `timings.csv`. Then:\n\n"
         "```\nfbnet lut fit --space " + space.name + " --measurements timings.csv"
         + (priorName.empty() ? std::string() : " --prior " + priorName) + " --device my-phone --out my-phone.json\n"
         "fbnet lut validate --space " + space.name + " --lut my-phone.json --measurements timings.csv\n"
         "fbnet search --space " + space.name + " --lut my-phone.json ...\n```\n\n"
         "`lut fit` fits on the `fit` rows and reports the error on the `holdout` rows; `lut validate --measurements` scores "
         "any table on the held-out rows (MAPE, share within ±10%, Spearman).\n";
    return t;
}

} // namespace

void writeKit(const SearchSpace &space, const std::vector<KitEntry> &kit, const std::string &dir, const std::string &priorName,
              const std::function<void(int, int)> &progress)
{
    if (kit.empty())
        throw Error::at(dir, "", "an empty kit");
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "models", ec);
    if (ec)
        throw Error::at(dir, "", "cannot create the kit folder: " + ec.message());
    std::string manifest = "id,arch,file,macs,prior_ms,split,content_hash\n", tmpl = "id,arch,split,latency_ms\n";
    for (std::size_t i = 0; i < kit.size(); ++i) {
        const KitEntry &e = kit[i];
        OnnxExportOptions o;
        o.batch = 1;
        o.seed = i + 1;
        o.modelName = e.id;
        o.description = "fbnet lut kit network " + e.id + " of space " + space.name + ": " + e.architecture.blocksString();
        exportOnnx(space, e.architecture, o, (fs::path(dir) / e.file).string());
        const std::string hash = modelHash((fs::path(dir) / e.file).string());
        char cells[96];
        std::snprintf(cells, sizeof cells, ",%lld,%.6f,", (long long)e.macs, e.priorMs);
        manifest += e.id + "," + e.architecture.blocksString() + "," + e.file + cells + e.split + "," + hash + "\n";
        tmpl += e.id + "," + e.architecture.blocksString() + "," + e.split + ",\n";
        if (progress)
            progress(int(i + 1), int(kit.size()));
    }
    writeTextFileAtomic((fs::path(dir) / "manifest.csv").string(), manifest);
    writeTextFileAtomic((fs::path(dir) / "timings-template.csv").string(), tmpl);
    writeTextFileAtomic((fs::path(dir) / "README.md").string(), kitReadme(space, kit, priorName));
    const nlohmann::json info = {{"format", "fbnet measurement kit"}, {"space", space.name}, {"prior", priorName}, {"networks", kit.size()}};
    writeTextFileAtomic((fs::path(dir) / "kit.json").string(), info.dump(2) + "\n");
}

std::string kitSpace(const std::string &dir)
{
    const std::string path = (fs::path(dir) / "kit.json").string();
    if (!fs::exists(path))
        throw Error::at(path, "", "missing (is " + dir + " a folder made by fbnet lut kit?)");
    try {
        const auto j = nlohmann::json::parse(readTextFile(path));
        const std::string space = j.at("space").get<std::string>();
        if (space.empty())
            throw Error::at(path, "/space", "expected the kit's space name");
        return space;
    } catch (const nlohmann::json::exception &e) {
        throw Error::at(path, "/space", std::string("expected {\"space\": NAME, ...}: ") + e.what());
    }
}

std::vector<KitEntry> readKitManifest(const std::string &dir, const std::string &spaceName)
{
    const std::string path = (fs::path(dir) / "manifest.csv").string();
    std::ifstream in(path);
    if (!in)
        throw Error::at(path, "", "cannot open the kit's manifest (is " + dir + " a folder made by fbnet lut kit?)");
    std::string line;
    std::getline(in, line);
    const auto header = splitCsvLine(line);
    // Kits made before the content hash was recorded have six columns; they are read without the check.
    std::vector<std::string> want = {"id", "arch", "file", "macs", "prior_ms", "split", "content_hash"};
    if (header == std::vector<std::string>(want.begin(), want.end() - 1))
        want.pop_back();
    if (header != want)
        throw Error::at(path, "header", "expected id,arch,file,macs,prior_ms,split,content_hash");
    std::vector<KitEntry> kit;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line == "\r")
            continue;
        const auto c = splitCsvLine(line);
        const std::string where = "line " + std::to_string(lineNo);
        if (c.size() != want.size())
            throw Error::at(path, where, "expected " + std::to_string(want.size()) + " columns, got " + std::to_string(c.size()));
        KitEntry e;
        e.id = c[0];
        e.architecture.space = spaceName;
        e.architecture.name = c[0];
        e.architecture.blocks = Architecture::parseBlocks(c[1]);
        e.file = c[2];
        if (e.file.empty() || e.file.find("..") != std::string::npos || e.file.front() == '/')
            throw Error::at(path, where + ": file", "expected a path inside the kit folder, got \"" + e.file + "\"");
        e.macs = std::atoll(c[3].c_str());
        e.priorMs = std::atof(c[4].c_str());
        e.split = c[5];
        if (e.split != "fit" && e.split != "holdout")
            throw Error::at(path, where + ": split", "expected fit or holdout, got \"" + e.split + "\"");
        if (want.size() == 7) {
            e.contentHash = c[6];
            if (e.contentHash.size() != 16 || e.contentHash.find_first_not_of("0123456789abcdef") != std::string::npos)
                throw Error::at(path, where + ": content_hash", "expected 16 hexadecimal digits, got \"" + e.contentHash + "\"");
        }
        kit.push_back(std::move(e));
    }
    if (kit.empty())
        throw Error::at(path, "", "no networks");
    return kit;
}

std::vector<KitTiming> measureKit(const SearchSpace &space, const std::string &dir, const std::string &runtime, int threads, int warmup,
                                  int repeats, const std::function<void(int, int, const std::string &)> &progress)
{
    if (runtime != "opencv" && runtime != "libtorch")
        throw Error::at("--runtime", runtime, "expected opencv or libtorch");
    if (threads < 1 || warmup < 0 || repeats < 1)
        throw Error::at("lut measure", "", "expected threads >= 1, warmup >= 0, repeats >= 1");
    const auto kit = readKitManifest(dir, space.name);
    std::vector<KitTiming> out;
    for (std::size_t i = 0; i < kit.size(); ++i) {
        const KitEntry &e = kit[i];
        if (progress)
            progress(int(i), int(kit.size()), e.id);
        const NetworkPlan plan = resolve(space, e.architecture);  // also checks the manifest's architecture
        KitTiming t{e, 0, 0, 0};
        if (runtime == "opencv") {
            const std::string file = (fs::path(dir) / e.file).string();
            if (!fs::exists(file))
                throw Error::at(file, "", "the kit's model is missing");
            // Two models swapped (or one replaced) would time one network under another's id, and a
            // fit would learn a wrong table from it.
            if (!e.contentHash.empty() && modelHash(file) != e.contentHash)
                throw Error::at(file, "content_hash", "is not the model the manifest lists for " + e.id
                                                          + " (its content differs: replaced or swapped?); make the kit again or restore the file");
            const RuntimeTiming r = timeOnnxOpenCv(file, plan.inputChannels, plan.inputSize, threads, warmup, repeats);
            t.medianMs = r.medianMs;
            t.p10Ms = r.p10Ms;
            t.p90Ms = r.p90Ms;
        } else {
            LutBuildOptions b;
            b.threads = threads;
            b.warmup = warmup;
            b.repeats = repeats;
            t.medianMs = t.p10Ms = t.p90Ms = measureArchitectureMs(space, e.architecture, b);
        }
        out.push_back(std::move(t));
    }
    if (progress)
        progress(int(kit.size()), int(kit.size()), "done");
    return out;
}

std::string kitTimingsCsv(const std::vector<KitTiming> &timings)
{
    std::string text = "id,arch,split,latency_ms,p10_ms,p90_ms\n";
    for (const auto &t : timings) {
        char cells[128];
        std::snprintf(cells, sizeof cells, ",%.5f,%.5f,%.5f\n", t.medianMs, t.p10Ms, t.p90Ms);
        text += t.entry.id + "," + t.entry.architecture.blocksString() + "," + t.entry.split + cells;
    }
    return text;
}

KitFit fitKitTimings(const SearchSpace &space, const std::string &timingsCsv, const std::vector<LatencyTable> &priors,
                     const std::string &device)
{
    const auto rows = readMeasurementsCsv(timingsCsv, space.name);
    const auto fitRows = rowsOfSplit(rows, "fit");
    std::vector<Measurement> held;
    for (const auto &m : rows)
        if (m.split == "holdout")
            held.push_back(m);
    FitOptions fo;
    fo.device = device;
    fo.description = "fitted to the measurement kit timings " + timingsCsv;
    fo.source = timingsCsv;
    KitFit out{priors.empty() ? fitLatencyTable(space, fitRows, fo) : fitWithPriors(space, fitRows, priors, fo), {}, fitRows.size()};
    if (priors.empty())
        out.table.provenanceKind = "calibrated";
    if (!held.empty()) {
        std::vector<double> pred, meas;
        for (const auto &m : held) {
            pred.push_back(out.table.predict(space, m.architecture));
            meas.push_back(m.latencyMs);
        }
        out.heldOut = predictionQuality(pred, meas);
        char buf[192];
        std::snprintf(buf, sizeof buf, "held-out %zu kit networks: MAPE %.2f%%, within 10%% %.0f%%, Spearman %.3f", out.heldOut.count,
                      out.heldOut.mape, out.heldOut.within10 * 100, out.heldOut.spearman);
        out.table.provenance["validation"] = buf;
    }
    return out;
}

} // namespace fbnet
