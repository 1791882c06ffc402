#pragma once

#include <stdexcept>
#include <string>

namespace fbnet {

/**
 * The one exception type core throws. Its message names the file (or other source), the field
 * and what was expected, so the CLI can print it as is and the studio can show it in a dialog.
 */
class Error : public std::runtime_error
{
public:
    explicit Error(const std::string &message);

    /** "SOURCE: FIELD: MESSAGE" — the form every input error takes. */
    static Error at(const std::string &source, const std::string &field, const std::string &message);

    /**
     * The source and field of an error made by at() (empty otherwise). Core never names a front
     * end's flag or menu; the CLI and the studio add their own wording from these two.
     */
    const std::string &source() const { return m_source; }
    const std::string &field() const { return m_field; }

private:
    std::string m_source, m_field;
};

} // namespace fbnet
