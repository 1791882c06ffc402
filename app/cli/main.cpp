// fbnet: the headless command-line tool over the FBNet Studio engine.

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "commands.h"
#include "usage.h"
#include "fbnet/error.h"
#include "fbnet/runstore.h"

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

std::string shapesString(const Architecture &a)
{
    if (a.layerWidths.empty())
        return {};
    std::string w;
    for (std::size_t i = 0; i < a.layerWidths.size(); ++i)
        w += (i ? "-" : "") + std::to_string(a.layerWidths[i]);
    return "widths " + w + (a.inputSize ? ", input " + std::to_string(*a.inputSize) : std::string());
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
    if (starts("compute options") && e.field() == "precision")
        return "set with --precision";
    if (starts("compute options") && e.field() == "device")
        return "set with --device";
    if (starts("compute options"))
        return "set with --device, --precision, --threads or --no-channels-last";
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

/**
 * A failed command leaves no store behind: remembers whether the store the command names (--runs,
 * else the default) existed, and if the command fails and the file it created holds no run,
 * removes it with its -wal, -shm and (empty) -checkpoints folder.
 */
class NewStoreGuard
{
public:
    NewStoreGuard(int argc, char **argv)
    {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--runs" && i + 1 < argc)
                m_path = argv[i + 1];
            else if (a.rfind("--runs=", 0) == 0)
                m_path = a.substr(7);
        }
        if (m_path.empty())
            m_path = RunStore::defaultPath();
        std::error_code ec;
        m_existed = std::filesystem::exists(m_path, ec);
    }
    int done(int code) const
    {
        if (code == 0 || m_existed)
            return code;
        std::error_code ec;
        if (!std::filesystem::exists(m_path, ec))
            return code;
        try {
            if (!RunStore(m_path).runs().empty())
                return code;
        } catch (const std::exception &) {
            return code;  // not ours to judge
        }
        for (const char *suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(m_path + suffix, ec);
        std::filesystem::remove(m_path + "-checkpoints", ec);  // only if empty
        return code;
    }

private:
    std::string m_path;
    bool m_existed = true;
};

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
    fbnet::cli::addRankCommands(app, run);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const std::string suggestion = fbnet::cli::suggestionFor(app, e, argc, argv);
        if (suggestion.empty())
            return app.exit(e);
        std::fputs(suggestion.c_str(), stderr);
        return e.get_exit_code();
    }
    const fbnet::cli::NewStoreGuard newStore(argc, argv);
    try {
        return newStore.done(run ? run() : 0);
    } catch (const fbnet::Error &e) {
        const std::string hint = fbnet::cli::flagHint(e);
        std::fprintf(stderr, "fbnet: error: %s%s\n", e.what(), hint.empty() ? "" : (" (" + hint + ")").c_str());
        return newStore.done(1);
    } catch (const std::exception &e) {
        // libtorch appends its C++ stack ("Exception raised from …"): the user gets the message.
        std::string message = e.what();
        if (const auto at = message.find("Exception raised from"); at != std::string::npos)
            message = message.substr(0, at);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
        std::fprintf(stderr, "fbnet: unexpected error: %s\n", message.c_str());
        return newStore.done(2);
    }
}
