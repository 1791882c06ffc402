// FBNetV2's claim: channel masking keeps memory and step time nearly constant as the number of
// width options grows, where FBNet-style DNAS (one branch per option) grows linearly.
//   bench_dmasking [batch=32] [repeats=5] [threads=0]
// One training step (forward + backward) of one searchable inverted-residual layer, 64 -> 64
// channels at 32x32, hidden width options spread evenly up to 384. Each configuration runs in a
// fresh child process; peak memory is the child's peak RSS during the step above its RSS before.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "search/dmasking.h"
#include "fbnet/search.h"

using namespace fbnet;
using namespace fbnet::detail;

namespace {

long rssKb()
{
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peakKb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

struct Result
{
    double peakMb = 0, stepMs = 0;
};

Result runOne(bool masking, int options, int batch, int repeats)
{
    const int in = 64, out = 64, maxMid = 384, size = 32;
    std::vector<int> mids;
    for (int k = 1; k <= options; ++k)
        mids.push_back(std::max(8, maxMid * k / options / 8 * 8));
    BlockSpec b;
    b.kernel = 3;
    torch::manual_seed(1);
    auto theta = torch::zeros({options}, torch::requires_grad());
    MaskedIrf masked{nullptr};
    std::vector<std::shared_ptr<IrfBlockImpl>> branches;
    torch::Tensor masks;
    if (masking) {
        masked = MaskedIrf(b, in, maxMid, out, 1);
        masks = prefixMasks(mids, maxMid);
    } else {
        for (int m : mids)
            branches.push_back(std::make_shared<IrfBlockImpl>(IrfBlockOptions(in, out).mid(m).kernel(3)));
    }
    auto x = torch::randn({batch, in, size, size});
    auto step = [&] {
        auto g = gumbelWeights(theta, batch, 1.0, MaskMode::Soft);
        torch::Tensor y;
        if (masking) {
            y = masked->forward(x, torch::mm(g, masks));
        } else {
            for (std::size_t k = 0; k < branches.size(); ++k) {
                auto yk = branches[k]->forward(x) * g.select(1, int64_t(k)).view({batch, 1, 1, 1});
                y = k == 0 ? yk : y + yk;
            }
        }
        y.pow(2).mean().backward();
    };
    step();  // warm-up: allocator, oneDNN primitives
    const long before = rssKb();
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        step();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    Result res;
    res.stepMs = ms[ms.size() / 2];
    res.peakMb = std::max(0L, peakKb() - before) / 1024.0 + 0.0;
    return res;
}

} // namespace

int main(int argc, char **argv)
{
    const int batch = argc > 1 ? std::atoi(argv[1]) : 32;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 0;
    std::printf("one IRF layer, 64->64 @32x32, hidden widths up to 384, batch %d, median of %d steps\n", batch, repeats);
    std::printf("%8s  %22s  %22s\n", "options", "DMasking peak MB / ms", "per-option peak MB / ms");
    double base[2][2] = {{0, 0}, {0, 0}};
    for (int k : {1, 2, 4, 8, 16, 32}) {
        Result r[2];
        for (int mode = 0; mode < 2; ++mode) {
            int fd[2];
            if (pipe(fd) != 0)
                return 1;
            const pid_t pid = fork();
            if (pid == 0) {
                close(fd[0]);
                // Not setComputeThreads: it keeps freed memory in the heap, which would hide the peak's shape.
                at::set_num_threads(threads > 0 ? threads : int(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
                const Result one = runOne(mode == 0, k, batch, repeats);
                if (write(fd[1], &one, sizeof one) != ssize_t(sizeof one))
                    _exit(1);
                _exit(0);
            }
            close(fd[1]);
            if (read(fd[0], &r[mode], sizeof r[mode]) != ssize_t(sizeof r[mode]))
                return 1;
            close(fd[0]);
            waitpid(pid, nullptr, 0);
        }
        if (k == 1)
            for (int m = 0; m < 2; ++m)
                base[m][0] = r[m].peakMb, base[m][1] = r[m].stepMs;
        std::printf("%8d  %9.1f / %7.1f       %9.1f / %7.1f\n", k, r[0].peakMb, r[0].stepMs, r[1].peakMb, r[1].stepMs);
        if (k == 32)
            std::printf("32 vs 1 option: DMasking memory %.2fx, time %.2fx; per-option memory %.2fx, time %.2fx\n",
                        r[0].peakMb / base[0][0], r[0].stepMs / base[0][1], r[1].peakMb / base[1][0], r[1].stepMs / base[1][1]);
    }
    return 0;
}
