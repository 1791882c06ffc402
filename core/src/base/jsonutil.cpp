#include "base/jsonutil.h"

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>

namespace fbnet::detail {

json parseJson(const std::string &text, const std::string &source)
{
    try {
        return json::parse(text);
    } catch (const json::exception &e) {
        // parse_error, and out_of_range for numbers beyond a double (1e309)
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
    return checkedInt(n, key);
}

int JsonReader::checkedInt(const json &n, const std::string &key) const
{
    if (!n.is_number_integer())
        fail(key, "expected an integer, got " + n.dump());
    // get<int>() would wrap: 4294967320 read as 24.
    if (n.is_number_unsigned() ? n.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<int>::max())
                               : (n.get<std::int64_t>() > std::numeric_limits<int>::max() || n.get<std::int64_t>() < std::numeric_limits<int>::min()))
        fail(key, "integer out of range, got " + n.dump());
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
    const double v = n.get<double>();
    if (!std::isfinite(v))
        fail(key, "expected a finite number, got " + n.dump());
    return v;
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
        out.push_back(checkedInt(n[i], key + "/" + std::to_string(i)));
    }
    return out;
}

int JsonReader::getIntIn(const std::string &key, int lo, int hi) const
{
    const int v = getInt(key);
    if (v < lo || v > hi)
        fail(key, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
}

int JsonReader::getIntIn(const std::string &key, int lo, int hi, int fallback) const
{
    return has(key) ? getIntIn(key, lo, hi) : fallback;
}

std::vector<int> JsonReader::getIntArrayIn(const std::string &key, int lo, int hi, std::size_t maxSize) const
{
    if (has(key) && m_node.at(key).is_array() && m_node.at(key).size() > maxSize)
        fail(key, "expected at most " + std::to_string(maxSize) + " entries, got " + std::to_string(m_node.at(key).size()));
    std::vector<int> out = getIntArray(key);
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] < lo || out[i] > hi)
            fail(key + "/" + std::to_string(i),
                 "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(out[i]));
    return out;
}

double JsonReader::getDoubleIn(const std::string &key, double lo, double hi) const
{
    const double v = getDouble(key);
    if (!(v >= lo && v <= hi))
        fail(key, "expected a number in [" + m_node.at(key).dump() + " is outside " + json(lo).dump() + ", " + json(hi).dump() + "]");
    return v;
}

double JsonReader::getDoubleIn(const std::string &key, double lo, double hi, double fallback) const
{
    return has(key) ? getDoubleIn(key, lo, hi) : fallback;
}

namespace {

/** The length of the valid UTF-8 sequence at text[i], 0 when it is not one. */
std::size_t utf8Length(const std::string &text, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = b(i);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > text.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(i + k) >> 6) != 0x2)
            return 0;
    if ((n == 2 && c < 0xc2) || (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) || (n == 4 && (c > 0xf4 || (c == 0xf0 && b(i + 1) < 0x90))))
        return 0;  // overlong or beyond U+10FFFF
    if (n == 3 && c == 0xed && b(i + 1) >= 0xa0)
        return 0;  // a surrogate
    return n;
}

} // namespace

bool validUtf8(const std::string &text)
{
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8Length(text, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string printableName(const std::string &text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8Length(text, i);
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (n == 0 || c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += buf;
            ++i;
        } else {
            out.append(text, i, n);
            i += n;
        }
    }
    return out;
}

} // namespace fbnet::detail
