#pragma once

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <mutex>

#include "fbnet/search.h"

namespace fbnet::studio {

/**
 * One worker thread for the studio's long jobs (a search, training architectures, a random
 * baseline): runs one job at a time with its own StopToken, and brings what the job reports back
 * to the GUI thread. The controllers are thin wrappers that translate a job's events into their
 * signals; none of them owns a thread of its own.
 */
class JobThread final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobThread)

public:
    /**
     * A job runs on the worker thread with its stop token and returns what to do on the GUI
     * thread once it has ended (after isRunning() turned false): typically emitting "finished".
     */
    using Job = std::function<std::function<void()>(StopToken &stop)>;

    explicit JobThread(const QString &name, QObject *parent = nullptr);
    /** Requests a stop and waits for the job to end. */
    ~JobThread() override;

    /** False (and nothing happens) while a job runs. */
    bool start(Job job);
    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }
    void pause();
    void resume();
    void stop();

    /** Runs `f` on the GUI thread, after everything posted before it (call from the job). */
    void post(std::function<void()> f);

Q_SIGNALS:
    void runningChanged(bool running);

private:
    void setRunning(bool running);

    QThread m_thread;
    QObject *m_context;  ///< lives on m_thread: jobs are queued to it
    std::shared_ptr<StopToken> m_stop;
    /**
     * Under ThreadSanitizer only: held while a call is queued to the other thread, taken (and let
     * go) when it starts there. Qt orders the two through its posted-event list, whose futex no
     * sanitizer sees; this makes the hand-off visible to TSan: the poster's writes (the call's
     * captures, the event Qt allocates) happen before the receiver runs and frees them.
     */
    std::mutex m_handOff;
    bool m_running = false;
    bool m_paused = false;
};

} // namespace fbnet::studio
