#include "fbnet/storedsearch.h"

#include "fbnet/family.h"

#include <filesystem>
#include <fstream>

#include <sqlite3.h>
#include <torch/version.h>

#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/report.h"
#include "fbnet/search.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"
#include "search/searchloop.h"

namespace fbnet {

std::string invocationToJson(const SearchInvocation &inv)
{
    detail::json j{{"space", inv.space}, {"dataset", inv.dataset}, {"lut", inv.lut}, {"subset", inv.subset},
                   {"width_multiplier", inv.widthMultiplier}, {"num_classes", inv.numClasses}};
    if (inv.inputSize > 0)
        j["input_size"] = inv.inputSize;
    if (inv.worldSize > 1)
        j["distributed"] = {{"world_size", inv.worldSize}, {"launcher", inv.launcher}};
    if (inv.images > 0)
        j["data"] = {{"classes", inv.classNames}, {"images", inv.images}, {"ignored_files", inv.ignoredFiles}};
    if (inv.dataset.rfind("folder:", 0) == 0) {
        const ImageOptions &o = inv.image;
        j["image"] = {{"val_fraction", o.valFraction},
                      {"skip_bad_images", o.skipBadImages},
                      {"normalize", o.normalizeAuto ? "auto" : "imagenet"},
                      {"crop_scale", {o.scaleMin, o.scaleMax}},
                      {"crop_ratio", {o.ratioMin, o.ratioMax}}};
    }
    return j.dump();
}

namespace {

ImageOptions imageOptionsFromJson(const detail::json &j, const std::string &source)
{
    ImageOptions o;
    const detail::JsonReader r(j, source + ": image");
    o.valFraction = r.getDouble("val_fraction", o.valFraction);
    o.skipBadImages = r.getBool("skip_bad_images", o.skipBadImages);
    const std::string n = r.getString("normalize", "imagenet");
    if (n != "imagenet" && n != "auto")
        r.fail("normalize", "expected imagenet or auto");
    o.normalizeAuto = n == "auto";
    auto pair = [&](const char *key, double &lo, double &hi) {
        if (!j.contains(key))
            return;
        const auto &v = j.at(key);
        if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
            r.fail(key, "expected [min, max]");
        lo = v[0].get<double>();
        hi = v[1].get<double>();
    };
    pair("crop_scale", o.scaleMin, o.scaleMax);
    pair("crop_ratio", o.ratioMin, o.ratioMax);
    return o;
}

} // namespace

SearchInvocation invocationFromJson(const std::string &text, const std::string &source)
{
    const detail::json doc = detail::parseJson(text, source);
    const detail::JsonReader r(doc, source);
    SearchInvocation inv;
    inv.space = r.getString("space");
    inv.dataset = r.getString("dataset");
    inv.lut = r.getString("lut");
    const int subset = r.getInt("subset", 0);
    if (subset < 0)
        r.fail("subset", "expected >= 0");
    inv.subset = std::size_t(subset);
    inv.widthMultiplier = r.getDouble("width_multiplier", 1.0);
    inv.numClasses = r.getInt("num_classes", 0);
    inv.inputSize = r.getInt("input_size", 0);
    if (inv.inputSize < 0)
        r.fail("input_size", "expected >= 0");
    if (doc.contains("distributed")) {
        const detail::JsonReader d(doc.at("distributed"), source + ": distributed");
        inv.worldSize = d.getInt("world_size", 1);
        inv.launcher = d.getString("launcher", "");
        if (inv.worldSize < 1)
            d.fail("world_size", "expected >= 1");
    }
    if (doc.contains("data") && doc.at("data").is_object()) {  // informational: read leniently
        const auto &d = doc.at("data");
        if (d.contains("classes") && d.at("classes").is_array())
            for (const auto &c : d.at("classes"))
                if (c.is_string())
                    inv.classNames.push_back(c.get<std::string>());
        if (d.contains("images") && d.at("images").is_number_unsigned())
            inv.images = d.at("images").get<std::size_t>();
        if (d.contains("ignored_files") && d.at("ignored_files").is_number_unsigned())
            inv.ignoredFiles = d.at("ignored_files").get<std::size_t>();
    }
    if (doc.contains("image")) {
        if (!doc.at("image").is_object())
            r.fail("image", "expected an object");
        inv.image = imageOptionsFromJson(doc.at("image"), source);
    }
    return inv;
}

SearchInputs loadSearchInputs(const SearchInvocation &inv, std::uint64_t seed, const ProgressFn &lutProgress, const StopToken *stop)
{
    const SearchSpace probe = SearchSpace::load(resolveSpacePath(inv.space));
    if (inv.inputSize > 0 && inv.inputSize != probe.inputSize) {
        if (probe.searchesShapes())
            throw Error::at("input size", std::to_string(inv.inputSize),
                            "space " + probe.name + " searches its input resolution; a fixed input size applies to FBNet spaces");
        if (inv.lut != "flops" && inv.lut != "params")
            throw Error::at("input size", std::to_string(inv.inputSize),
                            "latency table " + inv.lut + " holds measurements at " + std::to_string(probe.inputSize) + "x"
                                + std::to_string(probe.inputSize) + " (the space's input); another input size needs --lut flops or params");
    }
    SearchInputs in;
    in.data = subset(loadDataset(inv.dataset, Split::Train, inv.inputSize > 0 ? inv.inputSize : probe.inputSize, inv.image), inv.subset,
                     seed);
    SpaceParams params;
    params.widthMultiplier = inv.widthMultiplier;
    params.numClasses = in.data.numClasses;
    params.inputSize = inv.inputSize;
    in.space = SearchSpace::load(resolveSpacePath(inv.space), params);
    if (in.space.searchesShapes() && inv.lut != "flops" && inv.lut != "params")
        throw Error::at("latency table " + inv.lut, "cost", "space " + in.space.name
                            + " searches widths, expansions or resolutions: its cost is analytic, expected the flops or params table");
    if (inv.lut == "local") {
        StopToken never;
        in.lut = localLatencyTable(in.space, lutProgress ? lutProgress : ProgressFn([](int, int, const std::string &) {}),
                                   stop ? *stop : never);
    } else {
        in.lut = LatencyTable::byName(inv.lut, in.space.name);
    }
    return in;
}

LatencyTable loadTableFor(const std::string &lut, const SearchSpace &space, const ProgressFn &progress)
{
    if (lut != "local")
        return LatencyTable::byName(lut, space.name);
    StopToken never;
    return localLatencyTable(space, progress ? progress : ProgressFn([](int, int, const std::string &) {}), never);
}

RunContext loadRunContext(const RunInfo &run, const std::string &storePath, const ProgressFn &lutProgress)
{
    RunContext c;
    c.invocation = invocationFromJson(run.invocationJson, storePath + ": run " + run.name + ": invocation");
    SpaceParams params;
    params.widthMultiplier = c.invocation.widthMultiplier;
    params.numClasses = c.invocation.numClasses;
    params.inputSize = c.invocation.inputSize;
    c.space = SearchSpace::load(resolveSpacePath(c.invocation.space), params);
    c.lut = loadTableFor(c.invocation.lut, c.space, lutProgress);
    return c;
}

std::string versionString()
{
    return std::string("fbnet-studio 0.1.0, libtorch ") + TORCH_VERSION + ", SQLite " + sqlite3_libversion();
}

std::string checkpointPathFor(const RunStore &store, std::int64_t runId)
{
    return store.path() + "-checkpoints/run-" + std::to_string(runId) + ".ckpt";
}

namespace {

StoredSearchOutcome runRecordedSearch(RunStore &store, RunInfo info, const SearchInputs &in, const SearchConfig &c,
                                      const DistributedLaunch &launch, detail::GradientSync *group, bool resuming,
                                      std::vector<StepStats> pendingSteps, SearchObserver &observer, StopToken &stop,
                                      const std::function<void(const RunInfo &, const SearchInputs &, const SearchConfig &)> &onReady)
{
    if (onReady)
        onReady(info, in, c);
    RunRecorder recorder(store, info.id, &observer, resuming ? info.seconds : 0, std::move(pendingSteps));
    CheckpointOptions ckpt;
    ckpt.path = info.checkpointPath;
    ckpt.resume = resuming;
    StoredSearchOutcome out;
    out.result = detail::runLaunchedSearch(in.space, in.lut, in.data, c, recorder, stop, ckpt, launch, true, group);
    if (out.result.epochs.empty())
        store.setStatus(info.id, "stopped");
    out.run = store.run(info.id);
    if (!out.result.stopped && out.result.epochsCompleted == c.epochs && effectivePickBy(c, in.space.searchesShapes()) != "theta")
        out.picks = pickWithChooser(store, out.run, in, c, invocationFromJson(info.invocationJson, store.path()), stop);
    return out;
}

StoredSearchOutcome runNewStoredSearch(RunStore &store, const StoredSearchRequest &request, SearchObserver &observer, StopToken &stop,
                                       const ProgressFn &lutProgress,
                                       const std::function<void(const RunInfo &, const SearchInputs &, const SearchConfig &)> &onReady)
{
    const SearchInvocation &inv = request.invocation;
    checkComputeAvailable(request.config.compute);  // an unusable device or precision records no run
    SearchInputs in = loadSearchInputs(inv, request.config.seed, lutProgress, &stop);
    const std::string lutHash = contentHash(in.lut.toJsonText());
    in.lut.layerTable(in.space);  // a table that misses ops fails here, before a run is recorded
    const SearchConfig c = resolveSearchConfig(request, in);
    // Data-parallel: the ranks meet and agree on what they run before anything is recorded, so a
    // rendezvous that fails or ranks that disagree leave no run behind.
    std::unique_ptr<detail::GradientSync> group;
    if (request.launch.active())
        group = detail::joinSearchGroup(in.space, in.lut, in.data, c, request.launch);
    RunInfo info;
    info.name = request.name;
    info.kind = "search";
    info.space = in.space.name;
    info.dataset = in.data.name;
    info.lutDevice = in.lut.device;
    info.lutHash = lutHash;
    info.seed = c.seed;
    info.configJson = searchConfigToJson(c);
    SearchInvocation recorded = inv;
    recorded.numClasses = in.data.numClasses;
    recorded.worldSize = request.launch.worldSize;
    recorded.launcher = request.launch.launcher;
    recorded.classNames = in.data.classNames;
    recorded.images = in.data.size();
    recorded.ignoredFiles = in.data.ignoredFiles;
    info.invocationJson = invocationToJson(recorded);
    info.versions = versionString();
    info.epochsPlanned = c.epochs;
    const std::int64_t id = store.createRun(info);
    store.setCheckpointPath(id, checkpointPathFor(store, id));
    info = store.run(id);
    return runRecordedSearch(store, info, in, c, request.launch, group.get(), false, {}, observer, stop, onReady);
}

} // namespace

SearchConfig resolveSearchConfig(const StoredSearchRequest &request, const SearchInputs &in)
{
    SearchConfig c = request.config;
    applyLossRule(c, request.loss, request.front);
    c.pickBy = effectivePickBy(c, in.space.searchesShapes());  // recorded as resolved
    if (request.front > 0)
        c.targets = frontTargets(in.space, in.lut, request.front);
    checkSearchInputs(in.space, in.lut, in.data, c);
    return c;
}

StoredSearchOutcome runStoredSearch(RunStore &store, const StoredSearchRequest &request, SearchObserver &observer, StopToken &stop,
                                    const ProgressFn &lutProgress,
                                    const std::function<void(const RunInfo &, const SearchInputs &, const SearchConfig &)> &onReady)
{
    SearchConfig c = request.config;
    SearchInvocation inv = request.invocation;
    RunInfo info;
    const bool resuming = !request.resume.empty();
    if (!resuming)
        return runNewStoredSearch(store, request, observer, stop, lutProgress, onReady);

    info = store.run(request.resume);
    const std::string where = "run " + info.name;
    if (info.kind != "search")
        throw Error::at(store.path(), where, "is a " + info.kind + " run, not a search; only searches resume");
    // From here the run is ours: a second resume started at the same moment is refused.
    const RunInfo before = store.claimRun(info.id, request.forceTakeover);
    std::vector<StepStats> pendingSteps;  // steps of the epoch a stopped search continues
    SearchInputs in;
    std::unique_ptr<detail::GradientSync> group;
    try {
        c = searchConfigFromJson(info.configJson, store.path() + ": " + where + ": config");
        if (request.threads > 0)
            c.compute.threads = request.threads;
        inv = invocationFromJson(info.invocationJson, store.path() + ": " + where + ": invocation");
        if (inv.worldSize != request.launch.worldSize)
            throw Error::at(store.path(), where,
                            "ran on " + std::to_string(inv.worldSize) + " process(es) and resumes only on as many (its global batch and "
                                "data shards depend on it); this launch has " + std::to_string(request.launch.worldSize));
        checkComputeAvailable(c.compute);  // a GPU run resumed where there is none: said before anything changes
        in = loadSearchInputs(inv, c.seed, lutProgress, &stop);
        checkSearchInputs(in.space, in.lut, in.data, c);
        if (request.launch.active())
            group = detail::joinSearchGroup(in.space, in.lut, in.data, c, request.launch);
        const std::string lutHash = contentHash(in.lut.toJsonText());
        in.lut.layerTable(in.space);
        if (lutHash != info.lutHash)
            throw Error::at(inv.lut, "", "the latency table changed since run " + info.name + " started (content hash " + info.lutHash
                                             + ", now " + lutHash + "); a resumed run must use the same table");
        std::error_code ec;
        const bool haveCheckpoint = !info.checkpointPath.empty() && std::filesystem::exists(info.checkpointPath, ec);
        if (!haveCheckpoint && (before.epochsCompleted > 0 || !store.steps(info.id).empty()))
            throw Error::at(info.checkpointPath.empty() ? store.path() : info.checkpointPath, "",
                            "the checkpoint of run " + info.name + " is missing, so its " + std::to_string(before.epochsCompleted)
                                + " recorded epochs cannot be continued; nothing was changed (put the checkpoint back in "
                                + store.checkpointDir() + ", or start a new search)");
        // Verified (checksum) before anything is cut back.
        const int keep = haveCheckpoint ? checkpointEpochs(info.checkpointPath) : 0;
        const bool partial = haveCheckpoint && checkpointHasPosition(info.checkpointPath);
        store.truncateEpochs(info.id, keep, partial);
        if (partial)
            for (const auto &st : store.steps(info.id))
                if (st.epoch == keep)
                    pendingSteps.push_back(st);
    } catch (const std::exception &e) {
        // Not started: the run stays resumable, with the reason on record.
        try {
            store.setStatus(info.id, "stopped", e.what());
        } catch (...) {
        }
        throw;
    }
    info = store.run(info.id);
    return runRecordedSearch(store, info, in, c, request.launch, group.get(), true, std::move(pendingSteps), observer, stop, onReady);
}

SearchResult runSearchRank(const std::string &storePath, const StoredSearchRequest &request, StopToken &stop)
{
    SearchConfig c = request.config;
    SearchInvocation inv = request.invocation;
    CheckpointOptions checkpoint;
    if (!request.resume.empty()) {
        const RunStore store(storePath);
        const RunInfo info = store.run(request.resume);
        const std::string where = store.path() + ": run " + info.name;
        c = searchConfigFromJson(info.configJson, where + ": config");
        if (request.threads > 0)
            c.compute.threads = request.threads;
        inv = invocationFromJson(info.invocationJson, where + ": invocation");
        checkpoint.path = info.checkpointPath;
        checkpoint.resume = true;
    }
    const SearchInputs in = loadSearchInputs(inv, c.seed);
    if (request.resume.empty())
        c = resolveSearchConfig(request, in);
    else
        checkSearchInputs(in.space, in.lut, in.data, c);
    SearchObserver quiet;
    return detail::runLaunchedSearch(in.space, in.lut, in.data, c, quiet, stop, checkpoint, request.launch, true);
}

} // namespace fbnet
