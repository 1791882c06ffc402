#pragma once
// Stop and pause from any thread: searches, trainings and table builds poll one of these.

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace fbnet {

/** Stop and pause requests, set from any thread and polled by a search, a training or a table build once per step. */
class StopToken
{
public:
    void requestStop();
    /** Async-signal-safe: only sets the flag (use from a SIGINT handler; does not wake a pause). */
    void requestStopFromSignal() { m_stop.store(true); }
    void requestPause();
    void resume();
    bool stopRequested() const { return m_stop.load(std::memory_order_relaxed); }
    bool pauseRequested() const { return m_pause.load(std::memory_order_relaxed); }
    /** Blocks while paused; returns false if a stop was requested. */
    bool checkpoint();

private:
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_pause{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

} // namespace fbnet
