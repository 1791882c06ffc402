#include "usage.h"

#include "fbnet/closest.h"

#include <algorithm>
#include <cstdlib>

namespace fbnet::cli {

CLI::Validator atLeast(long long lo)
{
    return CLI::Validator(
        [lo](std::string &in) -> std::string {
            char *end = nullptr;
            errno = 0;
            const long long v = std::strtoll(in.c_str(), &end, 10);
            if (in.empty() || *end != '\0' || errno == ERANGE)
                return "expected a whole number, got '" + in + "'";
            if (v < lo)
                return "must be at least " + std::to_string(lo) + ", got " + in;
            return {};
        },
        ">=" + std::to_string(lo));
}

namespace {
/** The subcommand chain the parse reached: app, then each parsed subcommand. */
const CLI::App *deepest(const CLI::App &app)
{
    const CLI::App *at = &app;
    for (bool more = true; more;) {
        more = false;
        for (const CLI::App *sub : at->get_subcommands())
            if (sub->parsed()) {
                at = sub;
                more = true;
                break;
            }
    }
    return at;
}

std::vector<std::string> longFlags(const CLI::App *cmd)
{
    std::vector<std::string> flags;
    for (const CLI::App *c = cmd; c; c = c->get_parent())
        for (const CLI::Option *o : c->get_options())
            for (const auto &name : o->get_lnames())
                flags.push_back("--" + name);
    return flags;
}

std::vector<std::string> subcommandNames(const CLI::App *cmd)
{
    std::vector<std::string> names;
    for (const CLI::App *sub : cmd->get_subcommands({}))
        names.push_back(sub->get_name());
    return names;
}

std::string path(const CLI::App *cmd)
{
    std::string p;
    for (const CLI::App *c = cmd; c && c->get_parent(); c = c->get_parent())
        p = c->get_name() + (p.empty() ? "" : " " + p);
    return "fbnet" + (p.empty() ? std::string() : " " + p);
}
} // namespace

std::string suggestionFor(const CLI::App &app, const CLI::ParseError &error, int argc, char **argv)
{
    // CLI11 names these errors after the command; their exit codes tell the kind.
    const int code = error.get_exit_code();
    if (code != int(CLI::ExitCodes::ExtrasError) && code != int(CLI::ExitCodes::RequiredError))
        return {};
    const CLI::App *cmd = deepest(app);
    std::string out;
    // An unknown subcommand: the first word that is neither a subcommand nor an option's value.
    const auto subs = subcommandNames(cmd);
    if (!subs.empty()) {  // the command expects a subcommand and none parsed
        for (int i = 1; i < argc; ++i) {
            const std::string word = argv[i];
            if (word.empty() || word[0] == '-')
                continue;
            bool isCommand = false;
            for (const CLI::App *c = cmd; c; c = c->get_parent())
                isCommand = isCommand || c->get_name() == word;
            if (isCommand || std::find(subs.begin(), subs.end(), word) != subs.end())
                continue;
            const std::string match = closestMatch(word, subs);
            std::string list;
            for (const auto &s : subs)
                list += (list.empty() ? "" : ", ") + s;
            out += path(cmd) + ": unknown command '" + word + "'" + (match.empty() ? "" : "; did you mean '" + match + "'?") +
                   " (commands: " + list + ")\n";
            break;
        }
    }
    // Unknown flags of the command being typed (not when the command itself is unknown: they are its).
    const auto known = out.empty() ? longFlags(cmd) : std::vector<std::string>{};
    if (out.empty())
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg.rfind("--", 0) != 0 || arg == "--")
                continue;
            arg = arg.substr(0, arg.find('='));
            if (std::find(known.begin(), known.end(), arg) != known.end())
                continue;
            const std::string match = closestMatch(arg, known);
            out += path(cmd) + ": unknown option " + arg + (match.empty() ? "" : "; did you mean " + match + "?") + "\n";
        }
    if (!out.empty())
        out += "Run " + path(cmd) + " --help for more information.\n";
    return out;
}

} // namespace fbnet::cli
