// A family search's per-target epoch records as JSON: one codec for the checkpoint and the run store.
#include "search/familyjson.h"

#include "fbnet/error.h"

namespace fbnet::detail {

json familyToJson(const std::vector<FamilyMemberStats> &family)
{
    json out = json::array();
    for (const auto &f : family) {
        out.push_back({{"target", f.targetMs}, {"expected", f.expectedLatencyMs}, {"probabilities", f.probabilities},
                       {"argmax", architectureToJsonText(f.argmax, -1)}, {"argmax_ms", f.argmaxLatencyMs},
                       {"pick", f.pickLatencyMs > 0 ? architectureToJsonText(f.pick, -1) : std::string()}, {"pick_ms", f.pickLatencyMs}});
        if (!f.theta.empty())
            out.back()["theta"] = f.theta;
    }
    return out;
}

std::vector<FamilyMemberStats> familyFromJson(const json &j, const std::string &source)
{
    std::vector<FamilyMemberStats> out;
    try {
        if (!j.is_array())
            throw Error::at(source, "family", "expected a list of targets");
        for (const auto &m : j) {
            FamilyMemberStats f;
            f.targetMs = m.at("target").get<double>();
            f.expectedLatencyMs = m.at("expected").get<double>();
            f.probabilities = m.at("probabilities").get<std::vector<std::vector<double>>>();
            f.argmax = architectureFromJsonText(m.at("argmax").get<std::string>(), source + ": family argmax");
            f.argmaxLatencyMs = m.at("argmax_ms").get<double>();
            const std::string pick = m.at("pick").get<std::string>();
            if (!pick.empty())
                f.pick = architectureFromJsonText(pick, source + ": family pick");
            f.pickLatencyMs = m.at("pick_ms").get<double>();
            if (m.contains("theta"))
                f.theta = m.at("theta").get<std::vector<std::vector<double>>>();
            out.push_back(std::move(f));
        }
    } catch (const json::exception &e) {
        throw Error::at(source, "family", std::string("expected per target: target, expected, probabilities, argmax, argmax_ms, pick, pick_ms, optionally theta (")
                                              + e.what() + ")");
    }
    return out;
}

} // namespace fbnet::detail
