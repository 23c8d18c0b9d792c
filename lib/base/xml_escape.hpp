// Text made safe for XML character data and attribute values.
#pragma once

#include <string>
#include <string_view>

namespace xpu {

// & < > " ' become entities, and bytes that are not valid UTF-8 or not
// allowed in XML 1.0 (control characters, U+FFFE, U+FFFF) become U+FFFD, so
// any symbol name, even a corrupt one, yields a document a browser opens.
std::string xml_escape(std::string_view s);

}  // namespace xpu
