#pragma once

#include <chrono>
#include <string>

#include "fbnet/search.h"
#include "fbnet/train.h"
#include "fbnet/trainingplan.h"  // formatDuration

namespace fbnet::cli {

/** One status line on stderr: redrawn in place on a terminal, printed every few seconds otherwise. */
class ProgressLine
{
public:
    ProgressLine();
    void update(const std::string &text, bool force = false);
    void finish();

private:
    bool m_tty;
    bool m_dirty = false;
    std::chrono::steady_clock::time_point m_last;
};

/**
 * Gives a training the search's kind of progress line (`fbnet train`, `pareto`, `random`): epoch,
 * step, running loss and accuracy, images per second and the ETA of this training, on stderr.
 * Call finishTrainProgress() before printing an epoch's line.
 */
void attachTrainProgress(TrainConfig &config, const std::string &prefix = "  ");
void finishTrainProgress();

/** While alive, Ctrl-C (SIGINT) requests a stop on `token` instead of killing the process. */
class SigintStop
{
public:
    explicit SigintStop(fbnet::StopToken &token);
    ~SigintStop();
    SigintStop(const SigintStop &) = delete;
    SigintStop &operator=(const SigintStop &) = delete;

private:
    void (*m_previous)(int);
};

} // namespace fbnet::cli
