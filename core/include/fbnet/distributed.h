#pragma once
// Data-parallel runs over several processes (torch.distributed's c10d: Gloo on CPU), launched by
// torchrun or Slurm. Torch-free: the process group lives in core/src/distributed.cpp.

#include <string>

namespace fbnet {

/**
 * Where this process stands in a data-parallel run. The global batch is the per-rank batch times
 * worldSize: each rank takes its shard of every global batch, gradients of the weights and of θ
 * are averaged across ranks before every optimizer step (so both stay identical everywhere),
 * Gumbel noise differs per rank, BN statistics are per rank, and rank 0 alone writes the run store
 * and the checkpoints.
 */
struct DistributedLaunch
{
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    std::string masterAddr;  ///< rendezvous (TCPStore) host
    int masterPort = 0;
    std::string launcher;    ///< "torchrun" (RANK, WORLD_SIZE, ...), "slurm" (SLURM_PROCID, ...), or "" (one process)
    std::string interface;   ///< GLOO_SOCKET_IFNAME: the network interface Gloo binds to ("" : by address)
    int timeoutSeconds = 120;  ///< FBNET_DIST_TIMEOUT: rendezvous and every collective; a dead rank ends the others' wait

    bool active() const { return worldSize > 1; }
    /** "rank 1 of 2 (torchrun), rendezvous 10.0.0.1:29500" */
    std::string describe() const;
};

/**
 * Reads torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, or Slurm's
 * SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (with MASTER_ADDR and MASTER_PORT, which Slurm does not
 * set), plus GLOO_SOCKET_IFNAME and FBNET_DIST_TIMEOUT. Without them: one process. fbnet::Error
 * naming the variable when one is malformed or missing.
 */
DistributedLaunch distributedLaunchFromEnvironment();

} // namespace fbnet
