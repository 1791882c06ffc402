#include "jsonutil.h"

namespace fbnet::detail {

json parseJson(const std::string &text, const std::string &source)
{
    try {
        return json::parse(text);
    } catch (const json::parse_error &e) {
        throw Error::at(source, "", std::string("not valid JSON (") + e.what() + ")");
    }
}

JsonReader::JsonReader(const json &node, std::string source, std::string path)
    : m_node(node), m_source(std::move(source)), m_path(std::move(path))
{
    if (!m_node.is_object())
        throw Error::at(m_source, m_path.empty() ? "/" : m_path, "expected a JSON object");
}

bool JsonReader::has(const std::string &key) const
{
    return m_node.contains(key) && !m_node.at(key).is_null();
}

std::string JsonReader::fieldPath(const std::string &key) const
{
    return m_path + "/" + key;
}

void JsonReader::fail(const std::string &key, const std::string &message) const
{
    throw Error::at(m_source, key.empty() ? (m_path.empty() ? "/" : m_path) : fieldPath(key), message);
}

const json &JsonReader::require(const std::string &key) const
{
    if (!has(key))
        fail(key, "missing required field");
    return m_node.at(key);
}

JsonReader JsonReader::child(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_object())
        fail(key, "expected an object");
    return JsonReader(n, m_source, fieldPath(key));
}

JsonReader JsonReader::element(std::size_t index) const
{
    if (!m_node.is_array() || index >= m_node.size())
        fail("", "expected an array with element " + std::to_string(index));
    return JsonReader(m_node.at(index), m_source, m_path + "/" + std::to_string(index));
}

int JsonReader::getInt(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_number_integer())
        fail(key, "expected an integer, got " + n.dump());
    return n.get<int>();
}

int JsonReader::getInt(const std::string &key, int fallback) const
{
    return has(key) ? getInt(key) : fallback;
}

double JsonReader::getDouble(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_number())
        fail(key, "expected a number, got " + n.dump());
    return n.get<double>();
}

double JsonReader::getDouble(const std::string &key, double fallback) const
{
    return has(key) ? getDouble(key) : fallback;
}

std::string JsonReader::getString(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_string())
        fail(key, "expected a string, got " + n.dump());
    return n.get<std::string>();
}

std::string JsonReader::getString(const std::string &key, const std::string &fallback) const
{
    return has(key) ? getString(key) : fallback;
}

bool JsonReader::getBool(const std::string &key, bool fallback) const
{
    if (!has(key))
        return fallback;
    const json &n = m_node.at(key);
    if (!n.is_boolean())
        fail(key, "expected true or false, got " + n.dump());
    return n.get<bool>();
}

std::vector<std::string> JsonReader::getStringArray(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_array())
        fail(key, "expected an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
        if (!n[i].is_string())
            fail(key + "/" + std::to_string(i), "expected a string, got " + n[i].dump());
        out.push_back(n[i].get<std::string>());
    }
    return out;
}

std::vector<int> JsonReader::getIntArray(const std::string &key) const
{
    const json &n = require(key);
    if (!n.is_array())
        fail(key, "expected an array of integers");
    std::vector<int> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
        if (!n[i].is_number_integer())
            fail(key + "/" + std::to_string(i), "expected an integer, got " + n[i].dump());
        out.push_back(n[i].get<int>());
    }
    return out;
}

} // namespace fbnet::detail
