// The Explorer tab with a store of many architectures: how long the GUI thread is blocked.
//
//   build/tests/bench/bench_explorer [ARCHITECTURES=10000] [REPEATS=5]
//
// Per repeat (medians printed): the store read (on a pool thread) from reload() to `loaded`, the
// GUI thread's longest gap between 1 ms timer ticks during it (the worst freeze a user sees), a
// brush on the top-1 axis (filter + highlight), a text filter, a switch of the latency table, a
// sort by latency, and one paint of the parallel-coordinates plot.
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "explorermodel.h"
#include "pages/explorerpage.h"
#include "parallelcoords.h"
#include "benchutil.h"
#include "studiofixtures.h"

using namespace fbnet;

namespace {
using bench::median;
template <class F>
double timeMs(F &&f)
{
    QElapsedTimer t;
    t.start();
    f();
    return double(t.nsecsElapsed()) / 1e6;
}
} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    if (!tiny) {
        std::fprintf(stderr, "the tiny search did not finish\n");
        return 1;
    }
    const double fill = timeMs([&] {
        RunStore store(w.storePath().toStdString());
        test::addManyArchitectures(store, tiny, 10, count / 10);
    });
    std::printf("store: %d architectures in 10 runs, half evaluated (filled in %.0f ms)\n", count, fill);
    w.resize(1400, 900);
    w.show();
    w.showTab(QStringLiteral("explorer"));
    studio::ExplorerPage *page = w.explorer();
    QSignalSpy loaded(page, &studio::ExplorerPage::loaded);
    loaded.wait(120000);
    std::vector<double> read, gap, brush, text, reprice, sort, paint;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer clock, tick;
        double maxGap = 0;
        QTimer timer;
        timer.setInterval(1);
        QObject::connect(&timer, &QTimer::timeout, [&] {
            maxGap = std::max(maxGap, double(tick.nsecsElapsed()) / 1e6);
            tick.restart();
        });
        clock.start();
        tick.start();
        timer.start();
        page->reload();
        loaded.wait(120000);
        read.push_back(double(clock.nsecsElapsed()) / 1e6);
        QApplication::processEvents();
        timer.stop();
        gap.push_back(maxGap);
        brush.push_back(timeMs([&] { page->plot()->setBrush(3, 40 + r, 70); }));
        text.push_back(timeMs([&] { page->filter()->setText(QStringLiteral("many-3")); }));
        page->filter()->setText(QString());
        page->plot()->setBrush(3, NAN, NAN);
        reprice.push_back(timeMs([&] { page->showLatencyOn(r % 2 ? QString() : QStringLiteral("samsung-a50")); }));
        sort.push_back(timeMs([&] { page->table()->sortByColumn(ExplorerModel::LatencyMs, r % 2 ? Qt::AscendingOrder : Qt::DescendingOrder); }));
        page->plot()->repaint();
        paint.push_back(page->plot()->lastPaintMs());
    }
    std::printf("rows %d; medians of %d: store read %.0f ms (pool thread), longest GUI-thread gap during it %.0f ms\n",
                page->model()->rowCount(), repeats, median(read), median(gap));
    std::printf("GUI thread: brush %.1f ms, text filter %.1f ms, latency table switch %.0f ms, sort %.1f ms, plot paint %.1f ms\n",
                median(brush), median(text), median(reprice), median(sort), median(paint));
    return 0;
}
