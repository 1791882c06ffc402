#pragma once
// Private helpers for reading JSON with errors that name the file and the field.

#include <string>

#include <nlohmann/json.hpp>

#include "fbnet/error.h"

namespace fbnet::detail {

using json = nlohmann::json;

json parseJson(const std::string &text, const std::string &source);

/** Whether `text` is valid UTF-8 (JSON, SQLite text and Qt take nothing else). */
bool validUtf8(const std::string &text);
/** `text` with every byte that is not part of valid UTF-8, and every control character, written as \xNN: a name any JSON or one line can hold. */
std::string printableName(const std::string &text);

/** Reads a field with a type check; `path` is the JSON-pointer-like location used in errors. */
class JsonReader
{
public:
    JsonReader(const json &node, std::string source, std::string path = {});

    const json &node() const { return m_node; }
    bool has(const std::string &key) const;
    JsonReader child(const std::string &key) const;
    JsonReader element(std::size_t index) const;
    std::string fieldPath(const std::string &key) const;

    int getInt(const std::string &key) const;
    int getInt(const std::string &key, int fallback) const;
    double getDouble(const std::string &key) const;
    double getDouble(const std::string &key, double fallback) const;
    std::string getString(const std::string &key) const;
    std::string getString(const std::string &key, const std::string &fallback) const;
    bool getBool(const std::string &key, bool fallback) const;
    std::vector<std::string> getStringArray(const std::string &key) const;
    std::vector<int> getIntArray(const std::string &key) const;
    /** An integer in [lo, hi] (range errors name the field and the bounds). */
    int getIntIn(const std::string &key, int lo, int hi) const;
    int getIntIn(const std::string &key, int lo, int hi, int fallback) const;
    std::vector<int> getIntArrayIn(const std::string &key, int lo, int hi, std::size_t maxSize) const;
    /** A number in [lo, hi]. */
    double getDoubleIn(const std::string &key, double lo, double hi) const;
    double getDoubleIn(const std::string &key, double lo, double hi, double fallback) const;

    [[noreturn]] void fail(const std::string &key, const std::string &message) const;
    const std::string &source() const { return m_source; }
    const std::string &path() const { return m_path; }

private:
    const json &require(const std::string &key) const;
    int checkedInt(const json &n, const std::string &key) const;

    const json &m_node;
    std::string m_source;
    std::string m_path;
};

} // namespace fbnet::detail
