#include "progress.h"

#include <csignal>
#include <cstdio>

#include <unistd.h>

namespace fbnet::cli {

namespace {
StopToken *g_stop = nullptr;
extern "C" void onSigint(int)
{
    if (g_stop)
        g_stop->requestStopFromSignal();
}
} // namespace

SigintStop::SigintStop(StopToken &token)
{
    g_stop = &token;
    m_previous = std::signal(SIGINT, onSigint);
}

SigintStop::~SigintStop()
{
    std::signal(SIGINT, m_previous);
    g_stop = nullptr;
}

ProgressLine::ProgressLine()
    : m_tty(::isatty(STDERR_FILENO) != 0), m_last(std::chrono::steady_clock::now() - std::chrono::hours(1))
{
}

void ProgressLine::update(const std::string &text, bool force)
{
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - m_last).count();
    if (!force && since < (m_tty ? 0.1 : 5.0))
        return;
    m_last = now;
    if (m_tty) {
        std::fprintf(stderr, "\r\033[K%s", text.c_str());
        m_dirty = true;
    } else {
        std::fprintf(stderr, "%s\n", text.c_str());
    }
    std::fflush(stderr);
}

void ProgressLine::finish()
{
    if (m_tty && m_dirty)
        std::fprintf(stderr, "\n");
    m_dirty = false;
}

namespace {
ProgressLine &trainLine()
{
    static ProgressLine line;
    return line;
}
} // namespace

void attachTrainProgress(TrainConfig &config, const std::string &prefix)
{
    const int epochs = config.epochs, batch = config.batchSize;
    config.onStep = [epochs, batch, prefix](int epoch, int step, int steps, double loss, double accuracy, double seconds) {
        const double done = double(epoch) * steps + step + 1, total = double(epochs) * steps;
        const double eta = done > 0 ? seconds / done * (total - done) : 0;
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s[%3d%%] epoch %d/%d step %d/%d  loss %.3f  acc %.1f%%  %.0f img/s  ETA %s", prefix.c_str(),
                      total > 0 ? int(100 * done / total) : 0, epoch + 1, epochs, step + 1, steps, loss, accuracy * 100,
                      seconds > 0 ? done * batch / seconds : 0.0,
                      formatDuration(eta).c_str());
        trainLine().update(buf, step + 1 == steps);
    };
}

void finishTrainProgress()
{
    trainLine().finish();
}

} // namespace fbnet::cli
