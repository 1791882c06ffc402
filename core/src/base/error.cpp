#include "fbnet/error.h"

namespace fbnet {

Error::Error(const std::string &message)
    : std::runtime_error(message)
{
}

Error Error::at(const std::string &source, const std::string &field, const std::string &message)
{
    std::string text = source;
    if (!field.empty())
        text += (text.empty() ? "" : ": ") + field;
    text += (text.empty() ? "" : ": ") + message;
    Error e(text);
    e.m_source = source;
    e.m_field = field;
    return e;
}

} // namespace fbnet
