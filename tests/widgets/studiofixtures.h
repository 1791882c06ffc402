#pragma once
// The studio tests' fixtures: a tiny search request, a window that has run one, and a run with many steps.

#include <QApplication>
#include <QColor>
#include <QDialog>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSignalSpy>
#include <QThread>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sys/wait.h>
#include <string>

#include "datasetpreview.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"
#include "mainwindow.h"
#include "runsmodel.h"

namespace fbnet::test {

/** WCAG contrast ratio of two colours (1: the same luminance, 21: black on white). */
inline double contrast(const QColor &a, const QColor &b)
{
    const auto luminance = [](const QColor &c) {
        const auto lin = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

/** Runs `cmd` in a shell and returns what it printed (stdout and stderr); its exit code in `code`. */
inline std::string shell(const std::string &cmd, int *code)
{
    std::string out;
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    const int status = pclose(p);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

/** Processes events until the preview has read what it was given (false after 20 s): an event, not a clock. */
inline bool waitForPreview(studio::DatasetPreview *preview)
{
    for (int i = 0; i < 2000 && preview->isReading(); ++i) {
        QApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(10);
    }
    return !preview->isReading();
}

/** A training dialog's three fields (studio/trainingfields.h): epochs, training images, test images; false if it has not three. */
inline bool fillTrainingFields(QDialog *dialog, int epochs, int images, int testImages)
{
    const auto spins = dialog->findChildren<QSpinBox *>();
    if (spins.size() != 3)
        return false;
    spins[0]->setValue(epochs);
    spins[1]->setValue(images);
    spins[2]->setValue(testImages);
    return true;
}

/** Clicks the dialog's OK button (whatever its text). */
inline void acceptDialog(QDialog *dialog)
{
    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
}

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
    r.config.pickBy = "theta";  // argmax + 1 sample (the default, auto, adds a chooser's candidates and pick)
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

/**
 * `runs` runs (copies of `fromId`, alternately search and random) holding `perRun` uniformly drawn
 * fbnet-cifar architectures each, with MACs, parameters, Pixel 3 latency and, for every other
 * one, an evaluation with a top-1 in 10..90%: a store as a long project leaves it, for the Explorer.
 */
inline void addManyArchitectures(RunStore &store, std::int64_t fromId, int runs, int perRun, std::uint64_t seed = 7)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const LatencyTable lut = LatencyTable::load(resolveLutPath("pixel3", space.name));
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> top1(0.1, 0.9);
    const auto layers = space.layers();
    for (int k = 0; k < runs; ++k) {
        RunInfo info = store.run(fromId);
        info.id = 0;
        info.name = "many-" + std::to_string(k);
        info.kind = k % 2 ? "random" : "search";
        info.status = "finished";
        const std::int64_t id = store.createRun(info);
        for (int i = 0; i < perRun; ++i) {
            StoredArchitecture a;
            a.runId = id;
            a.role = k % 2 ? "random" : (i == 0 ? "argmax" : "sample");
            a.architecture.space = space.name;
            a.architecture.name = a.role + "-" + std::to_string(i);
            for (const auto &l : layers)
                a.architecture.blocks.push_back(l.candidates[std::size_t(rng() % l.candidates.size())]);
            const NetworkPlan plan = resolve(space, a.architecture);
            const ArchCost cost = computeCost(plan);
            a.macs = cost.macs;
            a.params = cost.params;
            a.lutMs = lut.predict(plan);
            a.id = store.addArchitecture(a);
            if (i % 2 == 0) {
                Evaluation e;
                e.architectureId = a.id;
                e.dataset = info.dataset;
                e.epochs = 1;
                e.top1 = top1(rng);
                store.addEvaluation(e);
            }
        }
    }
}

} // namespace fbnet::test
