// fbnet: the headless command-line tool over the FBNet Studio engine.

#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "fbnet/error.h"

namespace fbnet::cli {

std::string formatCount(double v)
{
    char buf[32];
    if (v >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

/**
 * The CLI's own wording for a core error: which flag sets the value it names. Core errors name the
 * file, the field and what was expected, never a flag (the studio shows them in its dialogs).
 */
static std::string flagHint(const Error &e)
{
    const auto starts = [&](const char *prefix) { return e.source().rfind(prefix, 0) == 0; };
    if (starts("latency table") && e.field() == "cost")
        return "use --lut flops or --lut params";
    if (e.source() == "data set")
        return "set with --dataset";
    if (starts("compute options"))
        return "set with --device, --threads or --no-channels-last";
    if (starts("lut import") && e.field() == "format")
        return "set with --format";
    if (starts("lut import") && e.field() == "unit")
        return "set with --unit";
    if (e.field().rfind("owner of run", 0) == 0 && std::string(e.what()).find("cannot be checked") != std::string::npos)
        return "--force-takeover takes it over";
    if (starts("latency fit") && e.field() == "model")
        return "--prior TABLE adds a prior";
    if (e.field() == "run" && std::string(e.what()).find("no run named or numbered") != std::string::npos)
        return "fbnet runs list shows them";
    if (e.field() == "writable")
        return "--runs FILE puts the runs database elsewhere";
    return {};
}

} // namespace fbnet::cli

int main(int argc, char **argv)
{
    CLI::App app{"fbnet — hardware-aware differentiable architecture search (FBNet) from the command line"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "fbnet 0.1.0");
    fbnet::cli::Action run;
    fbnet::cli::addSearchCommand(app, run);
    fbnet::cli::addArchCommands(app, run);
    fbnet::cli::addLutCommands(app, run);
    fbnet::cli::addTrainCommand(app, run);
    fbnet::cli::addParetoCommand(app, run);
    fbnet::cli::addRunsCommands(app, run);
    fbnet::cli::addExportCommand(app, run);
    fbnet::cli::addRandomCommand(app, run);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }
    try {
        return run ? run() : 0;
    } catch (const fbnet::Error &e) {
        const std::string hint = fbnet::cli::flagHint(e);
        std::fprintf(stderr, "fbnet: error: %s%s\n", e.what(), hint.empty() ? "" : (" (" + hint + ")").c_str());
        return 1;
    } catch (const std::exception &e) {
        // libtorch appends its C++ stack ("Exception raised from …"): the user gets the message.
        std::string message = e.what();
        if (const auto at = message.find("Exception raised from"); at != std::string::npos)
            message = message.substr(0, at);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
        std::fprintf(stderr, "fbnet: unexpected error: %s\n", message.c_str());
        return 2;
    }
}
