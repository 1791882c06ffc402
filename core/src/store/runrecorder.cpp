// RunRecorder: a search's observer that records it in the store, an epoch per transaction.
#include "fbnet/runstore.h"

namespace fbnet {

RunRecorder::RunRecorder(RunStore &store, std::int64_t runId, SearchObserver *next, double priorSeconds,
                         std::vector<StepStats> pendingSteps)
    : m_store(store), m_runId(runId), m_next(next), m_priorSeconds(priorSeconds), m_steps(std::move(pendingSteps))
{
}

void RunRecorder::onStep(const StepStats &s)
{
    m_steps.push_back(s);
    m_sessionSeconds = s.elapsedSeconds;
    if (m_next)
        m_next->onStep(s);
}

void RunRecorder::onEpoch(const EpochStats &e)
{
    m_store.recordEpoch(m_runId, e, m_steps, m_priorSeconds + m_sessionSeconds);
    m_steps.clear();
    if (m_next)
        m_next->onEpoch(e);
}

void RunRecorder::onSample(const SampledArchitecture &s)
{
    if (m_next)
        m_next->onSample(s);
}

void RunRecorder::onFinished(const SearchResult &r)
{
    // Stopped inside an epoch: keep its steps; a resumed search continues that epoch.
    if (r.stopped && !m_steps.empty())
        m_store.recordPartialSteps(m_runId, m_steps.front().epoch, m_steps);
    m_store.finishRun(m_runId, r);
    if (m_next)
        m_next->onFinished(r);
}

void RunRecorder::onFailed(const std::string &message)
{
    try {
        m_store.setStatus(m_runId, "failed", message);
    } catch (...) {
    }
    if (m_next)
        m_next->onFailed(message);
}

} // namespace fbnet
