// c10d from C++: torchrun's (or Slurm's) environment, a TCPStore rendezvous, ProcessGroupGloo, and
// the gradient all-reduce of a data-parallel search.
#include "distributed.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include "fbnet/error.h"

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

class ProcessGroupSync final : public GradientSync
{
public:
    explicit ProcessGroupSync(const DistributedLaunch &l)
        : m_launch(l), m_timeout(std::chrono::seconds(l.timeoutSeconds))
    {
        const std::string where = l.masterAddr + ":" + std::to_string(l.masterPort);
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
            so.timeout = m_timeout;
            c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(l.masterAddr, so);
            const char *attempt = std::getenv("TORCHELASTIC_RESTART_COUNT");
            store = c10::make_intrusive<c10d::PrefixStore>(
                std::string("/worker/attempt_") + (attempt ? attempt : "0") + "/fbnet", store);
            auto options = c10d::ProcessGroupGloo::Options::create(m_timeout);
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
        } catch (const std::exception &e) {
            throw Error::at("rendezvous " + where, "", std::string("cannot join the process group as ") + l.describe() + ": "
                                                           + firstLine(e.what()));
        }
    }

    int rank() const override { return m_launch.rank; }
    double reducedBytes() const override { return m_bytes; }
    int worldSize() const override { return m_launch.worldSize; }

    void synchronize(std::vector<torch::Tensor> &params, Phase) override
    {
        torch::NoGradGuard ng;
        // Which parameters have a gradient on any rank.
        auto defined = torch::empty({std::int64_t(params.size())}, torch::kFloat);
        auto *d = defined.data_ptr<float>();
        for (std::size_t i = 0; i < params.size(); ++i)
            d[i] = params[i].grad().defined() ? 1.f : 0.f;
        allreduce(defined);
        std::vector<torch::Tensor> parts;
        for (std::size_t i = 0; i < params.size(); ++i)
            if (d[i] > 0)
                parts.push_back(params[i].grad().defined() ? params[i].grad().reshape({-1}).to(torch::kFloat)
                                                           : torch::zeros({params[i].numel()}, torch::kFloat));
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

    void sum(std::vector<double> &values) override
    {
        if (values.empty())
            return;
        auto t = torch::tensor(values, torch::kDouble);
        allreduce(t);
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = t[std::int64_t(i)].item<double>();
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
    c10::intrusive_ptr<c10d::ProcessGroupGloo> m_group;
    double m_bytes = 0;
};

} // namespace

std::unique_ptr<GradientSync> joinProcessGroup(const DistributedLaunch &launch)
{
    return std::make_unique<ProcessGroupSync>(launch);
}

} // namespace detail

} // namespace fbnet
