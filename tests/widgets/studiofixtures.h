#pragma once
// The studio tests' fixtures: a tiny search request, a window that has run one, and a run with many steps.

#include <QSignalSpy>
#include <QTemporaryDir>

#include <string>

#include "fbnet/runstore.h"
#include "mainwindow.h"
#include "runsmodel.h"

namespace fbnet::test {

inline SearchRequest tinyRequest(int epochs, int maxSteps)
{
    SearchRequest r;
    r.invocation.dataset = "synthetic:300";
    r.invocation.subset = 0;
    r.config.epochs = epochs;
    r.config.warmupEpochs = 1;
    r.config.batchSize = 16;
    r.config.maxStepsPerEpoch = maxSteps;
    r.config.mode = MaskMode::Hard;
    r.config.compute.threads = 1;
    r.config.samples = 1;
    return r;
}

/**
 * A window on a fresh store in `dir` that has run a tiny 2-epoch search to the end (no dialogs);
 * the id of its run, the only one in the store, or 0 if it did not finish.
 */
inline qint64 runTinyStoredSearch(MainWindow &w, const QTemporaryDir &dir, const std::string &name = {})
{
    w.setShowDialogs(false);
    w.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    QSignalSpy done(&w, &MainWindow::searchDone);
    SearchRequest r = tinyRequest(2, 2);
    r.name = name;
    w.startSearch(r);
    if (!done.wait(120000) || w.runsModel()->rowCount() != 1)
        return 0;
    return w.runsModel()->row(0).run.id;
}

/**
 * A copy of run `fromId` (its invocation, config, epochs and architectures) with `steps` recorded
 * steps spread over its epochs: what a long search leaves in the store. Returns the new run's id.
 */
inline std::int64_t makeLongRun(RunStore &store, std::int64_t fromId, int steps, const std::string &name)
{
    RunInfo info = store.run(fromId);
    info.id = 0;
    info.name = name;
    info.status = "finished";
    const std::int64_t id = store.createRun(info);
    const auto epochs = store.epochs(fromId);
    const int perEpoch = steps / int(epochs.size());
    for (std::size_t e = 0; e < epochs.size(); ++e) {
        std::vector<StepStats> rows(std::size_t(perEpoch + (e + 1 == epochs.size() ? steps % int(epochs.size()) : 0)));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            rows[i].epoch = int(e);
            rows[i].step = int(i);
            rows[i].loss = 2.0 / (1.0 + double(i) / 100.0);
            rows[i].accuracy = 0.5;
            rows[i].expectedLatencyMs = 10.0 + double(i % 100) / 100.0;
        }
        store.recordEpoch(id, epochs[e], rows, 1.0);
    }
    for (auto a : store.architectures(fromId)) {
        a.runId = id;
        store.addArchitecture(a);
    }
    store.setStatus(id, "finished");
    return id;
}

} // namespace fbnet::test
