// Validation at the boundary (issue 18): every defect found by trying hostile or careless input
// has a regression test here. Each input must give fbnet::Error naming the file and the field,
// never a crash, a wrapped integer, NaN, or unbounded memory.
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "fbnet/architecture.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/lutfit.h"
#include "fbnet/lutimport.h"
#include "fbnet/mobilevision.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "fbnet/searchspace.h"

using namespace fbnet;
namespace fs = std::filesystem;

namespace {

/** Runs `f`, which must throw fbnet::Error whose message contains every one of `parts`. */
template <typename F>
void expectError(F f, std::initializer_list<std::string> parts)
{
    try {
        f();
        ADD_FAILURE() << "no error; expected one mentioning " << *parts.begin();
    } catch (const Error &e) {
        for (const auto &p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "'" << p << "' missing from: " << e.what();
    }
}

std::string spaceText()
{
    return readTextFile(resolveSpacePath("fbnet-cifar"));
}

/** The shipped space with one textual replacement. */
std::string spaceWith(const std::string &from, const std::string &to)
{
    std::string t = spaceText();
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
}

fs::path tempFile(const std::string &name, const std::string &text)
{
    const auto p = fs::temp_directory_path() / ("fbnet-validation-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

} // namespace

TEST(Parsers, JsonNumbersBeyondADoubleNameTheFile)
{
    expectError([] { SearchSpace::fromJsonText(spaceWith("\"num_classes\": 10", "\"num_classes\": 1e309"), "space.json"); },
                {"space.json", "not valid JSON"});
    expectError([] { architectureFromJsonText(R"({"space": "fbnet-cifar", "blocks": ["skip"], "input_size": 1e309})", "a.json"); },
                {"a.json"});
}

TEST(Parsers, IntegersThatWouldWrapAreRefused)
{
    // 4294967320 = 2^32 + 24 was read as 24.
    const std::string text = spaceText();
    const std::regex firstChannels(R"("channels":\s*\d+)");
    std::smatch m;
    const std::string stages = text.substr(text.find("\"stages\""));
    ASSERT_TRUE(std::regex_search(stages, m, firstChannels));
    const std::string wrapped = text.substr(0, text.find("\"stages\"")) + m.prefix().str() + "\"channels\": 4294967320" + m.suffix().str();
    expectError([&] { SearchSpace::fromJsonText(wrapped, "wrap.json"); }, {"wrap.json", "/stages/0/channels", "out of range"});
    expectError([] { architectureFromJsonText(R"({"space": "s", "blocks": ["skip"], "head_channels": -9223372036854775808})", "a.json"); },
                {"a.json", "/head_channels"});
    expectError([] { architectureFromJsonText(R"({"space": "s", "blocks": ["skip"], "widths": [8, 18446744073709551615]})", "a.json"); },
                {"a.json", "/widths/1"});
}

TEST(Parsers, SizesAreBoundedSoMemoryIsBounded)
{
    expectError([] { SearchSpace::fromJsonText(spaceWith("\"repeats\": 1", "\"repeats\": 100000000"), "big.json"); },
                {"big.json", "repeats"});
    for (const char *size : {"0", "-32", "100000"})
        expectError([&] { architectureFromJsonText(std::string(R"({"space": "s", "blocks": ["skip"], "input_size": )") + size + "}", "a.json"); },
                    {"a.json", "/input_size"});
    // An arch_def stage with n = 5e7 was expanded into 5e7 entries before anything was checked.
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    expectError([&] { fromMobileVisionArchDef(space, R"({"blocks": [[["conv_k3", 16, 1, 50000000]]]})", "def.json"); },
                {"def.json", "/blocks/0/0"});
    expectError([&] { fromMobileVisionArchDef(space, R"({"blocks": [[["conv_k3", 4294967312, 1, 1]]]})", "def.json"); },
                {"def.json", "/blocks/0/0/1"});
}

// A space with 50,000 candidates per layer died after 7.4 GB in `search` and left a failed run; a
// candidate listed twice failed inside torch ("Submodule 'k3_e1' already defined"). Both are refused
// where the space is read, before a run exists, with the field named.
TEST(Parsers, CandidateListsAreBoundedAndHoldNoDuplicates)
{
    expectError([] { SearchSpace::fromJsonText(spaceWith("\"candidates\": [", "\"candidates\": [\"k3_e1\", "), "dup.json"); },
                {"dup.json", "/candidates/", "listed twice"});
    std::string many = "\"candidates\": [";
    for (int i = 0; i < kMaxCandidates + 1; ++i)
        many += "\"k3_e1\", ";
    expectError([&] { SearchSpace::fromJsonText(spaceWith("\"candidates\": [", many), "many.json"); },
                {"many.json", "/candidates", "at most " + std::to_string(kMaxCandidates)});
    // A stage's own list is held to the same rule.
    expectError([] { SearchSpace::fromJsonText(spaceWith("\"repeats\": 1", "\"repeats\": 1, \"candidates\": [\"skip\", \"skip\"]"), "stage.json"); },
                {"stage.json", "/stages/", "listed twice"});
}

TEST(Parsers, WrongTypesInAnArchDefNameTheField)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const std::string good = toMobileVisionArchDef(space, loadArchitecture(resolveArchitecturePath("fbnet-b")), -1);
    ASSERT_NO_THROW(fromMobileVisionArchDef(space, good, "def.json"));
    auto with = [&](const std::string &from, const std::string &to) {
        std::string t = good;
        const auto at = t.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return t.replace(at, from.size(), to);
    };
    expectError([&] { fromMobileVisionArchDef(space, with("\"expansion\":1.0", "\"expansion\":\"one\""), "def.json"); },
                {"def.json", "expansion"});
    expectError([&] { fromMobileVisionArchDef(space, with("\"always_pw\":true", "\"always_pw\":\"yes\""), "def.json"); },
                {"def.json", "always_pw", "true or false"});
    expectError([&] { fromMobileVisionArchDef(space, with("\"name\":\"fbnet-b\"", "\"name\":7"), "def.json"); }, {"def.json", "/name"});
}

TEST(Parsers, LatencyTablesHoldFiniteNonNegativeLatencies)
{
    const std::string text = readTextFile(resolveLutPath("pixel3", "fbnet-cifar"));
    const std::regex fixed(R"("fixed_ms":\s*[-0-9.eE+]+)");
    for (const char *bad : {"-1000", "1e308"})
        expectError([&] { LatencyTable::fromJsonText(std::regex_replace(text, fixed, std::string("\"fixed_ms\": ") + bad), "t.json"); },
                    {"t.json", "fixed_ms"});
    const std::regex firstMs(R"("ms":\s*[-0-9.eE+]+)");
    expectError([&] { LatencyTable::fromJsonText(std::regex_replace(text, firstMs, "\"ms\": 1e308", std::regex_constants::format_first_only), "t.json"); },
                {"t.json", "/entries/", "ms"});
    EXPECT_NO_THROW(LatencyTable::fromJsonText(text, "t.json"));
}

TEST(Parsers, ForeignTableImportsRefuseBadRecordsWithTheirLine)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    // A 50,000-character line crashed std::regex (stack overflow).
    const auto longLine = tempFile("long.yaml", "\"expanded_conv-input:" + std::string(50000, '1') + "x32x16-output\":\n");
    for (LutFormat f : {LutFormat::Ofa, LutFormat::Nni})
        expectError([&] { importLatencyTable(longLine.string(), f, space, 1.0, "d"); }, {longLine.string(), "line 1", "longer than"});
    const auto overflow = tempFile("overflow.yaml", "\"expanded_conv-input:99999999999x32x16-output:32x32x16-expand:1-kernel:3-stride:1-idskip:1\":\n  mean: 1.0\n");
    expectError([&] { importLatencyTable(overflow.string(), LutFormat::Ofa, space, 1.0, "d"); }, {overflow.string(), "line 1", "input size"});
    const auto negative = tempFile("neg.yaml", "\"expanded_conv-input:32x32x16-output:32x32x16-expand:1-kernel:3-stride:1-idskip:1\":\n  mean: -4.0\n");
    expectError([&] { importLatencyTable(negative.string(), LutFormat::Ofa, space, 1.0, "d"); }, {negative.string(), "line 2", "latency"});
    const auto nni = tempFile("neg.txt",
                              "{'op_name': 'k3_e1', 'op_data_shape': (32, 32, 16, 16, 1), 'op_dtype': 'float', 'op_latency': -2.5}\n");
    expectError([&] { importLatencyTable(nni.string(), LutFormat::Nni, space, 1.0, "d"); }, {nni.string(), "line 1", "latency"});
    const auto hw = tempFile("neg.json", R"({"FC_Cin1504_Cout10": -1})");
    expectError([&] { importLatencyTable(hw.string(), LutFormat::HwNasBench, space, 1.0, "d"); }, {hw.string(), "/FC_Cin1504_Cout10"});
}

TEST(Parsers, SearchConfigRefusesNonFiniteAndAbsurdValues)
{
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto refused = [](SearchConfig c, const std::string &field) {
        expectError([&] { c.validate(); }, {field});
    };
    SearchConfig ok;
    EXPECT_NO_THROW(ok.validate());
    for (double bad : {inf, nan, -1.0, 0.0}) {
        SearchConfig c;
        c.lrWeights = bad;
        refused(c, "learning rate");
        c = SearchConfig{};
        c.lrTheta = bad;
        refused(c, "learning rate");
    }
    for (double bad : {inf, nan, -1.0}) {
        SearchConfig c;
        c.alpha = bad;
        refused(c, "alpha");
        c = SearchConfig{};
        c.beta = bad;
        refused(c, "alpha/beta");
        c = SearchConfig{};
        c.tau0 = bad;
        refused(c, "temperature");
        c = SearchConfig{};
        c.weightDecay = bad;
        refused(c, "weight decay");
    }
}

TEST(Parsers, MeasurementCsvRefusesAbsurdLatencies)
{
    const auto csv = tempFile("m.csv", "arch,ms\n\"skip skip\",1e308\n");
    expectError([&] { readMeasurementsCsv(csv.string(), "fbnet-cifar", "ms"); }, {csv.string(), "line 2"});
    // Issue 36, 18: hexadecimal, infinity and NaN are not latencies; a repeated row is named with
    // the line it repeats, whether its latency is the same (fitted twice) or another one.
    for (const char *bad : {"0x10", "inf", "nan", "1,5"}) {
        const auto f = tempFile("hex.csv", std::string("arch,ms\n\"skip skip\",\"") + bad + "\"\n");
        expectError([&] { readMeasurementsCsv(f.string(), "fbnet-cifar", "ms"); }, {f.string(), "line 2: ms", "decimal"});
    }
    const auto twice = tempFile("twice.csv", "arch,ms\n\"skip k3_e1\",2.5\n\"k3_e1 skip\",3\n\"skip k3_e1\",2.5\n");
    expectError([&] { readMeasurementsCsv(twice.string(), "fbnet-cifar", "ms"); }, {twice.string(), "line 4: arch", "line 2", "fitted twice"});
    const auto differ = tempFile("differ.csv", "arch,ms\n\"skip k3_e1\",2.5\n\"skip k3_e1\",4\n");
    expectError([&] { readMeasurementsCsv(differ.string(), "fbnet-cifar", "ms"); }, {differ.string(), "line 3: arch", "2.5 ms there, 4 ms here"});
}
