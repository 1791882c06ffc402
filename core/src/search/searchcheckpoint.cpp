// The search's checkpoint: its archive layout, written and read in one place.
#include <fstream>
#include <sstream>

#include "fbnet/checkpointfile.h"
#include "fbnet/error.h"
#include "base/jsonutil.h"
#include "compute/device.h"
#include "compute/torchcompat.h"
#include "search/checkpointarchive.h"
#include "search/familyjson.h"
#include "search/searchcheckpoint.h"

namespace fbnet {

static detail::json checkpointMeta(torch::serialize::InputArchive &a, const std::string &path)
{
    c10::IValue meta;
    try {
        a.read("meta", meta);
    } catch (const c10::Error &e) {
        throw Error::at(path, "meta", std::string("not a readable search checkpoint (") + e.what_without_backtrace() + ")");
    }
    if (!meta.isString())
        throw Error::at(path, "meta", "expected a string");
    const auto j = detail::parseJson(meta.toStringRef(), path + ": meta");
    if (!j.is_object() || !j.contains("epochs") || !j.at("epochs").is_array())
        throw Error::at(path, "meta/epochs", "expected an array");
    return j;
}

static detail::json checkpointMeta(const std::string &path)
{
    torch::serialize::InputArchive a;
    loadCheckpointArchive(a, path);
    return checkpointMeta(a, path);
}

int checkpointEpochs(const std::string &path)
{
    return int(checkpointMeta(path).at("epochs").size());
}

bool checkpointHasPosition(const std::string &path)
{
    return checkpointMeta(path).contains("position");
}

namespace detail {
namespace {

json epochToJson(const EpochStats &e)
{
    json j = {{"epoch", e.epoch}, {"temperature", e.temperature}, {"weights_loss", e.weightsLoss},
            {"weights_acc", e.weightsAccuracy}, {"theta_loss", e.thetaLoss}, {"theta_acc", e.thetaAccuracy},
            {"theta_trained", e.thetaTrained}, {"expected_ms", e.expectedLatencyMs}, {"probabilities", e.probabilities},
            {"argmax", architectureToJsonText(e.argmax, -1)}, {"argmax_ms", e.argmaxLatencyMs}, {"seconds", e.seconds}};
    if (!e.family.empty())
        j["family"] = familyToJson(e.family);
    return j;
}

EpochStats epochFromJson(const json &j)
{
    EpochStats e;
    e.epoch = j.at("epoch").get<int>();
    e.temperature = j.at("temperature").get<double>();
    e.weightsLoss = j.at("weights_loss").get<double>();
    e.weightsAccuracy = j.at("weights_acc").get<double>();
    e.thetaLoss = j.at("theta_loss").get<double>();
    e.thetaAccuracy = j.at("theta_acc").get<double>();
    e.thetaTrained = j.at("theta_trained").get<bool>();
    e.expectedLatencyMs = j.at("expected_ms").get<double>();
    e.probabilities = j.at("probabilities").get<std::vector<std::vector<double>>>();
    e.argmax = architectureFromJsonText(j.at("argmax").get<std::string>(), "checkpoint");
    e.argmaxLatencyMs = j.at("argmax_ms").get<double>();
    e.seconds = j.at("seconds").get<double>();
    if (j.contains("family"))
        e.family = familyFromJson(j.at("family"), "checkpoint");
    return e;
}

torch::Tensor indexTensor(const std::vector<std::size_t> &v)
{
    std::vector<int64_t> w(v.begin(), v.end());
    return torch::tensor(w, torch::kLong);
}

std::vector<std::size_t> indexVector(const torch::Tensor &t)
{
    const auto c = t.to(torch::kCPU, torch::kLong).contiguous();  // an archive may load onto the GPU
    std::vector<std::size_t> v(std::size_t(c.numel()));
    const auto *p = c.data_ptr<int64_t>();
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = std::size_t(p[i]);
    return v;
}

std::vector<std::pair<std::string, torch::Tensor>> namedTensors(const SearchState &s)
{
    std::vector<std::pair<std::string, torch::Tensor>> v;
    for (const auto &p : s.net->named_parameters())
        v.emplace_back("p/" + p.key(), p.value());
    for (const auto &b : s.net->named_buffers())
        v.emplace_back("b/" + b.key(), b.value());
    for (std::size_t i = 0; i < s.thetas.size(); ++i)
        v.emplace_back("theta/" + std::to_string(i), s.thetas[i]);
    return v;
}

json positionToJson(const PhasePosition &p)
{
    return {{"epoch", p.epoch}, {"phase", p.phase == Phase::Weights ? "weights" : "theta"}, {"step", p.step},
            {"loss_sum", p.lossSum}, {"correct", p.correct}, {"seen", p.seen}, {"weights_loss", p.weightsLoss},
            {"weights_acc", p.weightsAccuracy}};
}

PhasePosition positionFromJson(const json &p)
{
    PhasePosition r;
    r.active = true;
    r.epoch = p.at("epoch").get<int>();
    r.phase = p.at("phase").get<std::string>() == "theta" ? Phase::Theta : Phase::Weights;
    r.step = p.at("step").get<int>();
    r.lossSum = p.at("loss_sum").get<double>();
    r.correct = p.at("correct").get<double>();
    r.seen = p.at("seen").get<double>();
    r.weightsLoss = p.at("weights_loss").get<double>();
    r.weightsAccuracy = p.at("weights_acc").get<double>();
    return r;
}

/** Momentum buffers in the parameters' layout, so the update runs the same kernels. */
void matchMomentumLayout(torch::optim::SGD &sgd)
{
    for (auto &g : sgd.param_groups())
        for (auto &p : g.params()) {
            auto it = sgd.state().find(optimizerStateKey(p));
            if (it == sgd.state().end())
                continue;
            auto &st = static_cast<torch::optim::SGDParamState &>(*it->second);
            if (st.momentum_buffer().defined())
                st.momentum_buffer(st.momentum_buffer().to(p.device()).contiguous(p.suggest_memory_format()));
        }
}

} // namespace

SearchState::SearchState(std::shared_ptr<SearchableNet> network, const SearchConfig &config, torch::Device dev)
    : net(std::move(network)),
      weights(net->weightParameters()),
      thetas(net->thetaParameters()),
      sgd(weights, torch::optim::SGDOptions(config.lrWeights).momentum(config.momentum).weight_decay(config.weightDecay)),
      adam(thetas, torch::optim::AdamOptions(config.lrTheta).weight_decay(config.thetaWeightDecay)),
      device(dev),
      precision(resolvePrecision(config.compute, dev)),
      scaler(precision),
      rng(config.seed)
{
}

std::string checkpointKey(const SearchSpace &space, const Dataset &data, const SearchConfig &config, int worldSize)
{
    json c = parseJson(searchConfigToJson(config), "search config");
    c.erase("threads");  // the thread count may change (results then differ in the last bits)
    c.erase("loader_threads");  // decoded bytes do not depend on it
    // Keys added with the compute options: absent at their defaults, so older checkpoints match.
    if (config.compute.device == ComputeOptions().device)
        c.erase("device");
    if (config.compute.precision == "fp32" || (config.compute.precision == "auto" && config.compute.device == "cpu"))
        c.erase("precision");  // fp32 either way (runs before "auto" stored "fp32")
    if (config.targets.empty())  // added with family search
        c.erase("targets");
    if (!config.syncBatchNorm)  // added with synchronised BN
        c.erase("sync_bn");
    c["threads"] = 0;
    if (worldSize > 1)  // the global batch and the data shards depend on it
        c["world_size"] = worldSize;
    return space.name + "|" + std::to_string(space.layerCount()) + "|" + data.name + "|" + std::to_string(data.size()) + "|"
        + c.dump(2) + "\n";
}

void saveCheckpoint(const SearchState &s, const std::string &path, const PhasePosition *position)
{
    torch::serialize::OutputArchive a;
    for (const auto &[name, t] : namedTensors(s))
        a.write(name, t.detach().cpu());
    torch::serialize::OutputArchive so, ao;
    s.sgd.save(so);
    s.adam.save(ao);
    a.write("sgd", so);
    a.write("adam", ao);
    a.write("torch_rng", rngState(torch::kCPU));
    if (!s.device.is_cpu())
        a.write("device_rng", rngState(s.device));
    std::ostringstream rs;
    rs << s.rng;
    json meta = {{"format", "fbnet-search-checkpoint-1"}, {"key", s.key}, {"rng", rs.str()}, {"epochs", json::array()}};
    for (const auto &e : s.epochs)
        meta["epochs"].push_back(epochToJson(e));
    if (position)
        meta["position"] = positionToJson(*position);
    a.write("meta", c10::IValue(meta.dump()));
    a.write("w_order", indexTensor(s.weightOrder));
    a.write("t_order", indexTensor(s.thetaOrder));
    std::ostringstream bytes;
    a.save_to(bytes);
    writeCheckpointFile(path, bytes.str());
}

PhasePosition restoreCheckpoint(SearchState &s, const std::string &path)
{
    torch::serialize::InputArchive a;
    loadCheckpointArchive(a, path, s.device);  // optimizer state straight onto the search's device
    const json meta = checkpointMeta(a, path);
    if (meta.value("key", std::string()) != s.key)
        throw Error::at(path, "key", "the checkpoint belongs to a search with another space, data set or configuration");
    torch::NoGradGuard ng;
    for (auto &[name, t] : namedTensors(s)) {
        torch::Tensor v;
        a.read(name, v);
        if (!v.sizes().equals(t.sizes()))
            throw Error::at(path, name, "tensor shape does not match the supernet");
        t.copy_(v);
    }
    torch::serialize::InputArchive si, ai;
    a.read("sgd", si);
    a.read("adam", ai);
    s.sgd.load(si);
    s.adam.load(ai);
    matchMomentumLayout(s.sgd);
    torch::Tensor cpuRng, wOrder, tOrder;
    a.read("torch_rng", cpuRng);
    setRngState(torch::kCPU, cpuRng.cpu());
    if (!s.device.is_cpu()) {
        torch::Tensor deviceRng;
        a.read("device_rng", deviceRng);
        setRngState(s.device, deviceRng.cpu());
    }
    std::istringstream rs(meta.at("rng").get<std::string>());
    rs >> s.rng;
    a.read("w_order", wOrder);
    a.read("t_order", tOrder);
    s.weightOrder = indexVector(wOrder);
    s.thetaOrder = indexVector(tOrder);
    s.epochs.clear();
    for (const auto &e : meta.at("epochs"))
        s.epochs.push_back(epochFromJson(e));
    return meta.contains("position") ? positionFromJson(meta.at("position")) : PhasePosition{};
}

} // namespace detail
} // namespace fbnet
