// c10d from C++: torchrun's (or Slurm's) environment, a TCPStore rendezvous, ProcessGroupGloo (CPU)
// or ProcessGroupNCCL (GPU, where this libtorch has NCCL), and the gradient all-reduce of a
// data-parallel search or training.
#include "compute/distributed.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <string>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fbnet/error.h"
#include "compute/torchcompat.h"

// NCCL where this libtorch was built with it (PyTorch's CUDA builds define USE_C10D_NCCL) and its
// header is at hand (pip's nvidia-nccl or the CUDA toolkit's).
#if FBNET_TORCH_CUDA && defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define FBNET_WITH_NCCL 1
#else
#define FBNET_WITH_NCCL 0
#endif

namespace fbnet {

namespace {

const char *env(const char *name)
{
    const char *v = std::getenv(name);
    return v && *v ? v : nullptr;
}

int envInt(const char *name, int lo, int hi)
{
    const char *v = env(name);
    char *end = nullptr;
    errno = 0;
    const long n = v ? std::strtol(v, &end, 10) : -1;
    if (!v || *end || errno || n < lo || n > hi)
        throw Error::at("environment", name,
                        std::string("expected an integer from ") + std::to_string(lo) + " to " + std::to_string(hi) + ", got "
                            + (v ? "\"" + std::string(v) + "\"" : std::string("nothing (unset)")));
    return int(n);
}

} // namespace

std::string DistributedLaunch::describe() const
{
    if (!active())
        return "one process";
    return "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) + " (" + launcher + "), rendezvous " + masterAddr + ":"
        + std::to_string(masterPort) + (interface.empty() ? std::string() : ", interface " + interface);
}

DistributedLaunch distributedLaunchFromEnvironment()
{
    DistributedLaunch l;
    if (env("WORLD_SIZE") || env("RANK")) {
        l.launcher = "torchrun";
        l.worldSize = envInt("WORLD_SIZE", 1, 65536);
        l.rank = envInt("RANK", 0, l.worldSize - 1);
        l.localRank = env("LOCAL_RANK") ? envInt("LOCAL_RANK", 0, 65535) : 0;
    } else if (env("SLURM_NTASKS") && env("SLURM_PROCID")) {
        l.launcher = "slurm";
        l.worldSize = envInt("SLURM_NTASKS", 1, 65536);
        l.rank = envInt("SLURM_PROCID", 0, l.worldSize - 1);
        l.localRank = env("SLURM_LOCALID") ? envInt("SLURM_LOCALID", 0, 65535) : 0;
    }
    if (!l.active())
        return l;
    if (!env("MASTER_ADDR"))
        throw Error::at("environment", "MASTER_ADDR", "expected the rendezvous host (rank 0's address) of a " + l.launcher + " run");
    l.masterAddr = env("MASTER_ADDR");
    l.masterPort = envInt("MASTER_PORT", 1, 65535);
    if (const char *i = env("GLOO_SOCKET_IFNAME"))
        l.interface = i;
    if (env("FBNET_DIST_TIMEOUT"))
        l.timeoutSeconds = envInt("FBNET_DIST_TIMEOUT", 1, 86400);
    return l;
}

namespace detail {

namespace {

#if FBNET_TORCH2
using Group = c10d::Backend;  // what a process group's backend is in PyTorch 2.x
#else
using Group = c10d::ProcessGroup;
#endif

/**
 * The TCPStore of the run, created on a thread of its own so that the wait is bounded even where
 * the store's own timeouts do not reach (a port held by a listener that accepts and never answers).
 * A rendezvous still pending at the deadline is left behind and refused.
 */
c10::intrusive_ptr<c10d::Store> boundedRendezvous(const DistributedLaunch &l, std::chrono::milliseconds budget)
{
    struct Attempt
    {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        c10::intrusive_ptr<c10d::Store> store;
        std::string error;
    };
    auto attempt = std::make_shared<Attempt>();
    std::thread([attempt, l, budget] {
        c10::intrusive_ptr<c10d::Store> store;
        std::string error;
        try {
            // torchrun's agent already serves a TCPStore at MASTER_ADDR:MASTER_PORT and says so
            // (TORCHELASTIC_USE_AGENT_STORE): every rank is then a client of it, under a prefix per
            // restart, as PyTorch's env:// rendezvous does. Otherwise (Slurm, a manual launch) rank 0 serves.
            const char *agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
            const bool agentStore = agent && std::string(agent) == "True";
            c10d::TCPStoreOptions so;
            so.port = std::uint16_t(l.masterPort);
            so.isServer = !agentStore && l.rank == 0;
            so.numWorkers = std::size_t(l.worldSize);
            so.waitWorkers = !agentStore;
            so.timeout = budget;
            store = c10::make_intrusive<c10d::TCPStore>(l.masterAddr, so);
            const char *restart = std::getenv("TORCHELASTIC_RESTART_COUNT");
            store = c10::make_intrusive<c10d::PrefixStore>(std::string("/worker/attempt_") + (restart ? restart : "0") + "/fbnet", store);
        } catch (const std::exception &e) {
            error = e.what();
        }
        std::lock_guard<std::mutex> lk(attempt->m);
        attempt->store = store;
        attempt->error = error;
        attempt->done = true;
        attempt->cv.notify_all();
    }).detach();
    std::unique_lock<std::mutex> lk(attempt->m);
    if (!attempt->cv.wait_for(lk, budget, [&] { return attempt->done; }))
        throw Error::at("rendezvous " + l.masterAddr + ":" + std::to_string(l.masterPort), "",
                        "no rendezvous within FBNET_DIST_TIMEOUT (" + std::to_string(l.timeoutSeconds) + " s) as " + l.describe()
                            + ": the other ranks did not come, or the port is held by something that is not this run's rendezvous");
    if (!attempt->error.empty())
        throw std::runtime_error(attempt->error);
    return attempt->store;
}

/** Publishes this rank's signature and compares every other rank's with it (fbnet::Error naming the first difference). */
void agree(c10d::Store &store, const DistributedLaunch &l, const std::string &signature)
{
    const auto mine = nlohmann::json::parse(signature, nullptr, false);
    const std::string text = mine.dump();
    store.set("signature/" + std::to_string(l.rank), std::vector<std::uint8_t>(text.begin(), text.end()));
    for (int r = 0; r < l.worldSize; ++r) {
        if (r == l.rank)
            continue;
        const auto bytes = store.get("signature/" + std::to_string(r));
        const auto theirs = nlohmann::json::parse(std::string(bytes.begin(), bytes.end()), nullptr, false);
        if (theirs == mine)
            continue;
        std::string field = "(unreadable)", a, b, also;
        auto differs = [&](const std::string &key, const std::string &mineValue, const std::string &theirValue) {
            if (field == "(unreadable)") {
                field = key;
                a = mineValue;
                b = theirValue;
            } else {
                also += (also.empty() ? "" : ", ") + key;
            }
        };
        if (theirs.is_object() && mine.is_object()) {
            for (const auto &[key, value] : mine.items())
                if (!theirs.contains(key) || theirs.at(key) != value)
                    differs(key, value.dump(), theirs.contains(key) ? theirs.at(key).dump() : "nothing");
            for (const auto &[key, value] : theirs.items())
                if (!mine.contains(key))
                    differs(key, "nothing", value.dump());
        }
        if (!also.empty())
            b += " (these differ too: " + also + ")";
        throw Error::at("distributed run", field,
                        "rank " + std::to_string(l.rank) + " has " + a + ", rank " + std::to_string(r) + " has " + b
                            + ": every rank must be started with the same options and data");
    }
}

class ProcessGroupSync final : public GradientSync
{
public:
    ProcessGroupSync(const DistributedLaunch &l, const torch::Device &device, const std::string &signature)
        : m_launch(l), m_timeout(std::chrono::seconds(l.timeoutSeconds)), m_device(device)
    {
        const std::string where = l.masterAddr + ":" + std::to_string(l.masterPort);
        const auto deadline = std::chrono::steady_clock::now() + m_timeout;
        const auto remaining = [&] {
            return std::max(std::chrono::milliseconds(1),
                            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
        };
        c10::intrusive_ptr<c10d::Store> store;
        try {
            store = boundedRendezvous(l, remaining());
        } catch (const Error &) {
            throw;
        } catch (const std::exception &e) {
            throw Error::at("rendezvous " + where, "", std::string("cannot join the process group as ") + l.describe() + ": "
                                                           + firstLine(e.what()));
        }
        try {
            store->setTimeout(remaining());
            agree(*store, l, signature);
            store->setTimeout(remaining());
#if FBNET_WITH_NCCL
            if (device.is_cuda()) {  // GPU tensors: NCCL, every collective on this rank's GPU
                auto nccl = c10d::ProcessGroupNCCL::Options::create();
                nccl->timeout = m_timeout;
                m_group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, l.rank, l.worldSize, nccl);
                return;
            }
#endif
            auto options = c10d::ProcessGroupGloo::Options::create(remaining());
            // Gloo binds to the interface named by GLOO_SOCKET_IFNAME, else to the address this
            // host reaches the rendezvous from (loopback for a local run), not to whatever the host
            // name resolves to.
            if (!l.interface.empty())
                options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(l.interface));
            else if (l.masterAddr == "127.0.0.1" || l.masterAddr == "localhost")
                options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            options->threads = 2;
            m_group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, l.rank, l.worldSize, options);
            // Collectives wait their own FBNET_DIST_TIMEOUT each (allreduce).
        } catch (const Error &) {
            throw;
        } catch (const std::exception &e) {
            throw Error::at("rendezvous " + where, "", std::string("cannot join the process group as ") + l.describe() + ": "
                                                           + firstLine(e.what()));
        }
    }

    int rank() const override { return m_launch.rank; }
    double reducedBytes() const override { return m_bytes; }
    int worldSize() const override { return m_launch.worldSize; }

    void synchronize(std::vector<torch::Tensor> &params, Step) override
    {
        torch::NoGradGuard ng;
        // Which parameters have a gradient on any rank.
        std::vector<float> flags(params.size());
        for (std::size_t i = 0; i < params.size(); ++i)
            flags[i] = params[i].grad().defined() ? 1.f : 0.f;
        auto defined = torch::tensor(flags).to(m_device);
        allreduce(defined);
        defined = defined.cpu();
        const float *d = defined.data_ptr<float>();
        std::vector<torch::Tensor> parts;
        for (std::size_t i = 0; i < params.size(); ++i)
            if (d[i] > 0)
                parts.push_back(params[i].grad().defined()
                                    ? params[i].grad().reshape({-1}).to(torch::kFloat)
                                    : torch::zeros({params[i].numel()}, params[i].options().dtype(torch::kFloat)));
        if (parts.empty())
            return;
        auto flat = torch::cat(parts);
        m_bytes += double(flat.numel()) * 4;
        allreduce(flat);
        flat.div_(double(m_launch.worldSize));
        std::int64_t at = 0;
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (d[i] <= 0)
                continue;
            auto &p = params[i];
            if (!p.grad().defined())
                p.mutable_grad() = torch::zeros_like(p);
            const std::int64_t n = p.numel();
            p.mutable_grad().copy_(flat.narrow(0, at, n).view(p.sizes()));
            at += n;
        }
    }

    void sumTensor(torch::Tensor &t) override { allreduce(t); }

    void sum(std::vector<double> &values) override
    {
        if (values.empty())
            return;
        // NCCL reduces GPU tensors only; doubles keep the sums exact either way.
        auto t = torch::tensor(values, torch::kDouble).to(m_device);
        allreduce(t);
        t = t.cpu();
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = t.data_ptr<double>()[i];
    }

private:
    static std::string firstLine(const std::string &s) { return s.substr(0, s.find('\n')); }

    void allreduce(torch::Tensor &t)
    {
        std::vector<at::Tensor> v{t};
        try {
            m_group->allreduce(v)->wait(m_timeout);
        } catch (const std::exception &e) {
            throw Error::at("distributed run", m_launch.describe(),
                            "an all-reduce failed or timed out after " + std::to_string(m_launch.timeoutSeconds)
                                + " s (did another rank die?): " + firstLine(e.what()));
        }
    }

    DistributedLaunch m_launch;
    std::chrono::milliseconds m_timeout;
    torch::Device m_device;
    c10::intrusive_ptr<Group> m_group;
    double m_bytes = 0;
};

} // namespace

std::unique_ptr<GradientSync> joinProcessGroup(const DistributedLaunch &launch, const torch::Device &device)
{
    return joinProcessGroup(launch, device, nlohmann::json{{"world_size", launch.worldSize}}.dump());
}

std::unique_ptr<GradientSync> joinProcessGroup(const DistributedLaunch &launch, const torch::Device &device, const std::string &signature)
{
    auto sig = nlohmann::json::parse(signature, nullptr, false);
    if (!sig.is_object())
        sig = nlohmann::json::object();
    sig["world_size"] = launch.worldSize;
    return std::make_unique<ProcessGroupSync>(launch, device, sig.dump());
}

std::string rankDevice(const std::string &device, const DistributedLaunch &launch)
{
    return device == "cuda" && launch.active() ? "cuda:" + std::to_string(launch.localRank) : device;
}

} // namespace detail

} // namespace fbnet
