#include "jobthread.h"

namespace fbnet::studio {

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

/**
 * Holds the hand-off mutex under ThreadSanitizer only. Elsewhere Qt's own ordering suffices, and
 * the GUI thread must never wait on a worker that was descheduled while posting.
 */
class HandOff
{
public:
    explicit HandOff(std::mutex &m) : m_mutex(m)
    {
        if (kThreadSanitizer)
            m_mutex.lock();
    }
    ~HandOff()
    {
        if (kThreadSanitizer)
            m_mutex.unlock();
    }
    HandOff(const HandOff &) = delete;
    HandOff &operator=(const HandOff &) = delete;

private:
    std::mutex &m_mutex;
};

} // namespace

JobThread::JobThread(const QString &name, QObject *parent)
    : QObject(parent), m_context(new QObject)
{
    m_thread.setObjectName(name);
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

JobThread::~JobThread()
{
    if (m_stop) {
        m_stop->resume();
        m_stop->requestStop();
    }
    m_thread.quit();
    m_thread.wait();
}

bool JobThread::start(Job job)
{
    if (m_running)
        return false;
    m_stop = std::make_shared<StopToken>();
    m_paused = false;
    setRunning(true);
    const HandOff handOff(m_handOff);
    QMetaObject::invokeMethod(
        m_context,
        [this, job = std::move(job), stop = m_stop] {
            { const HandOff received(m_handOff); }
            std::function<void()> done = job(*stop);
            post([this, done = std::move(done)] {
                setRunning(false);
                if (done)
                    done();
            });
        },
        Qt::QueuedConnection);
    return true;
}

void JobThread::post(std::function<void()> f)
{
    const HandOff handOff(m_handOff);
    QMetaObject::invokeMethod(
        this,
        [this, f = std::move(f)] {
            { const HandOff received(m_handOff); }
            f();
        },
        Qt::QueuedConnection);
}

void JobThread::pause()
{
    if (m_running && m_stop) {
        m_stop->requestPause();
        m_paused = true;
    }
}

void JobThread::resume()
{
    if (m_stop) {
        m_stop->resume();
        m_paused = false;
    }
}

void JobThread::stop()
{
    if (m_stop)
        m_stop->requestStop();
    m_paused = false;
}

void JobThread::setRunning(bool running)
{
    if (m_running == running)
        return;
    m_running = running;
    Q_EMIT runningChanged(running);
}

} // namespace fbnet::studio
