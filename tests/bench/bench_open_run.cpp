// How long the GUI thread is blocked when the studio opens a run with many steps.
//
//   build/tests/bench/bench_open_run [STEPS=100000] [REPEATS=5]
//
// A 1 ms timer on the GUI thread records the longest gap between its ticks from openRun() until
// the views show the run: that gap is the worst freeze a user sees. For comparison it times what
// opening did on the GUI thread before the run session (the same store reads, then one
// MetricsPlot::addPoint per step, each rescaling the axes) for growing step counts.
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "metricsplot.h"
#include "runsession.h"
#include "benchutil.h"
#include "studiofixtures.h"

using namespace fbnet;

namespace {

using bench::median;

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int steps = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    if (!tiny) {
        std::fprintf(stderr, "the tiny search did not finish\n");
        return 1;
    }
    std::int64_t id = 0;
    {
        RunStore store(w.storePath().toStdString());
        id = test::makeLongRun(store, tiny, steps, "long");
    }
    w.refreshRuns();
    w.show();

    std::vector<double> worst, total;
    for (int r = 0; r < repeats; ++r) {
        w.openRun(tiny);  // another run first, so each open reads everything again
        w.waitForOpenRun();
        QElapsedTimer clock, tick;
        double maxGap = 0;
        QTimer timer;
        timer.setInterval(1);
        QObject::connect(&timer, &QTimer::timeout, [&] {
            maxGap = std::max(maxGap, double(tick.nsecsElapsed()) / 1e6);
            tick.restart();
        });
        timer.start();
        clock.start();
        tick.start();
        w.openRun(id);  // the call itself counts: it runs on the GUI thread
        maxGap = std::max(maxGap, double(tick.nsecsElapsed()) / 1e6);
        tick.restart();
        w.waitForOpenRun(600000);
        maxGap = std::max(maxGap, double(tick.nsecsElapsed()) / 1e6);
        total.push_back(double(clock.nsecsElapsed()) / 1e6);
        timer.stop();
        worst.push_back(maxGap);
        std::printf("open %d: worst GUI-thread block %.1f ms, run shown after %.0f ms (%d points)\n", r + 1, maxGap, total.back(),
                    w.metrics()->pointCount());
    }
    std::printf("run session (reads off the GUI thread, one plot update): %d steps: worst block median %.1f ms, shown after median %.0f ms\n",
                steps, median(worst), median(total));

    // Before: the reads and one addPoint per step on the GUI thread.
    for (int n : {5000, 10000, 20000}) {
        if (n > steps)
            break;
        QElapsedTimer clock;
        clock.start();
        const auto run = studio::loadOpenRun(w.storePath().toStdString(), id);
        const double readMs = double(clock.nsecsElapsed()) / 1e6;
        MetricsPlot plot;
        int k = 0;
        for (const auto &s : run->steps) {
            if (++k > n)
                break;
            plot.addPoint(k, s.epoch, s.loss, s.accuracy, s.expectedLatencyMs);
        }
        std::printf("before (GUI thread): store reads of the %d-step run %.0f ms + addPoint for the first %d steps %.0f ms\n", steps, readMs, n,
                    double(clock.nsecsElapsed()) / 1e6 - readMs);
    }
    return 0;
}
