// fbnet-studio: the desktop studio. --run-demo runs a short synthetic search; --screenshot FILE
// saves the window when it ends and quits (used by tests and the README's picture).
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fbnet/closest.h"
#include "mainwindow.h"
#include "welcomepanel.h"

namespace {

/** The tabs --tab may name (MainWindow's, in its order). */
const std::vector<std::string> kTabs = {"search", "runs", "pareto", "architecture", "explorer", "devices"};

/**
 * --help, --version and a wrong --tab are answered before any window system is touched: they work
 * over SSH and in CI without a display (QApplication aborts without one).
 */
void checkArgumentsWithoutDisplay(int argc, char **argv, QCommandLineParser &parser, const QCommandLineOption &tab)
{
    const QCoreApplication pre(argc, argv);
    parser.process(pre);  // prints --help and exits, or a parse error and exits
    if (!parser.isSet(tab))
        return;
    const std::string name = parser.value(tab).toLower().toStdString();
    if (std::find(kTabs.begin(), kTabs.end(), name) != kTabs.end())
        return;
    const std::string near = fbnet::closestMatch(name, kTabs);
    std::fprintf(stderr, "fbnet-studio: --tab %s: expected one of search, runs, pareto, architecture, explorer, devices%s\n", name.c_str(),
                 near.empty() ? "" : ("; did you mean " + near + "?").c_str());
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication::setApplicationName(QStringLiteral("fbnet-studio"));
    QCoreApplication::setOrganizationName(QStringLiteral("fbnet-studio"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("FBNet Studio: hardware-aware differentiable architecture search"));
    parser.addHelpOption();
    QCommandLineOption demo(QStringLiteral("run-demo"), QStringLiteral("Run a short demo search on synthetic data at start."));
    QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("Save the window to FILE when the demo ends, then quit."),
                            QStringLiteral("FILE"));
    QCommandLineOption tab(QStringLiteral("tab"), QStringLiteral("Show this tab: search, runs, pareto, architecture, explorer or devices."),
                           QStringLiteral("NAME"));
    QCommandLineOption runs(QStringLiteral("runs"), QStringLiteral("Runs database (default: the user's data directory)."),
                            QStringLiteral("FILE"));
    QCommandLineOption open(QStringLiteral("open"), QStringLiteral("Open this stored run (name or id) at start."), QStringLiteral("RUN"));
    QCommandLineOption compare(QStringLiteral("compare"), QStringLiteral("With --open: compare its argmax with this published architecture."),
                               QStringLiteral("NAME"));
    parser.addOption(demo);
    parser.addOption(shot);
    parser.addOption(tab);
    parser.addOption(runs);
    parser.addOption(open);
    parser.addOption(compare);
    checkArgumentsWithoutDisplay(argc, argv, parser, tab);
    QApplication app(argc, argv);
    parser.process(app);

    fbnet::MainWindow window(nullptr, parser.isSet(runs) ? parser.value(runs) : QString());
    window.setShowDialogs(!parser.isSet(shot));  // unattended: errors go to stderr
    window.show();
    if (parser.isSet(tab))
        window.showTab(parser.value(tab));
    if (parser.isSet(open) && !window.openRunByName(parser.value(open), parser.value(compare)))
        return 1;
    if (!parser.isSet(demo)) {
        if (parser.isSet(tab))
            window.showTab(parser.value(tab));
        if (parser.isSet(shot)) {
            const QString file = parser.value(shot);
            QTimer::singleShot(600, &window, [&window, file] {
                const bool saved = window.grab().save(file);
                if (!saved)
                    std::fprintf(stderr, "fbnet-studio: cannot write %s\n", file.toUtf8().constData());
                QApplication::exit(saved ? 0 : 1);
            });
        }
    }
    if (parser.isSet(demo)) {
        window.setShowDialogs(!parser.isSet(shot));
        const fbnet::SearchRequest r = fbnet::studio::demoSearchRequest();
        QTimer::singleShot(0, &window, [&window, r] { window.startSearch(r); });
        if (parser.isSet(shot)) {
            const QString file = parser.value(shot);
            const QString tabName = parser.value(tab);
            QObject::connect(&window, &fbnet::MainWindow::searchDone, &window, [&window, file, tabName](bool ok) {
                if (!tabName.isEmpty())
                    window.showTab(tabName);
                QTimer::singleShot(400, &window, [&window, file, ok] {
                    const bool saved = window.grab().save(file);
                    if (!saved)
                        std::fprintf(stderr, "fbnet-studio: cannot write %s\n", file.toUtf8().constData());
                    QApplication::exit(ok && saved ? 0 : 1);
                });
            });
        }
    }
    return app.exec();
}
