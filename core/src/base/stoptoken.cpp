#include "fbnet/stoptoken.h"

namespace fbnet {

void StopToken::requestStop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
}

void StopToken::requestPause()
{
    m_pause = true;
}

void StopToken::resume()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pause = false;
    }
    m_cv.notify_all();
}

bool StopToken::checkpoint()
{
    if (m_pause.load()) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait(lock, [this] { return !m_pause.load() || m_stop.load(); });
    }
    return !m_stop.load();
}

} // namespace fbnet
