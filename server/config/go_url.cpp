// Go's url.Parse (net/url, Go 1.19, the toolchain of the reference's Debian build): scheme,
// authority (userinfo, host with its port and IPv6 zone rules), path, query and fragment, with
// the same refusals and texts.
#include "server/config/go_url.h"

#include "proto/encode.h"
#include "proto/hex.h"

namespace zats::server::config {
namespace {

enum class Encoding { Path, Host, Zone, UserPassword, Fragment };

bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// url.shouldEscape, for the modes a parse checks.
bool should_escape(unsigned char c, Encoding mode) {
  if (is_alnum(c)) return false;
  if (mode == Encoding::Host || mode == Encoding::Zone) {
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
      case ';': case '=': case ':': case '[': case ']': case '<': case '>': case '"':
        return false;
      default:
        break;
    }
  }
  switch (c) {
    case '-': case '_': case '.': case '~':
      return false;
    case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '?': case '@':
      switch (mode) {
        case Encoding::Path: return c == '?';
        case Encoding::UserPassword: return c == '@' || c == '/' || c == '?' || c == ':';
        case Encoding::Fragment: return false;
        default: return true;
      }
    default:
      break;
  }
  if (mode == Encoding::Fragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

// The byte that the checked escape "%HH" at s[i] stands for.
unsigned char escaped_byte(std::string_view s, size_t i) {
  return static_cast<unsigned char>(proto::hex_digit_value(s[i + 1]) << 4 | proto::hex_digit_value(s[i + 2]));
}

// url.unescape: checks the %-escapes (and, in a host, the characters) and decodes them.
std::string unescape(std::string_view s, Encoding mode, std::string* out) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || proto::hex_digit_value(s[i + 1]) < 0 || proto::hex_digit_value(s[i + 2]) < 0) {
        return "invalid URL escape " + proto::go_quoted(s.substr(i, 3));
      }
      const std::string_view escape = s.substr(i, 3);
      if (mode == Encoding::Host && proto::hex_digit_value(s[i + 1]) < 8 && escape != "%25") {
        return "invalid URL escape " + proto::go_quoted(escape);
      }
      if (mode == Encoding::Zone) {
        const unsigned char v = escaped_byte(s, i);
        if (escape != "%25" && v != ' ' && should_escape(v, Encoding::Host)) {
          return "invalid URL escape " + proto::go_quoted(escape);
        }
      }
      i += 3;
      continue;
    }
    if ((mode == Encoding::Host || mode == Encoding::Zone) && c < 0x80 && should_escape(c, mode)) {
      return "invalid character " + proto::go_quoted(s.substr(i, 1)) + " in host name";
    }
    ++i;
  }
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out->push_back(static_cast<char>(escaped_byte(s, i)));
      i += 2;
    } else {
      out->push_back(s[i]);
    }
  }
  return {};
}

// ":digits" or nothing.
bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port.front() != ':') return false;
  for (char c : port.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

// url.getScheme: the scheme ends at the first ':'; a character no scheme has means no scheme.
std::string get_scheme(std::string_view raw, std::string* scheme, std::string_view* rest) {
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return "missing protocol scheme";
      *scheme = std::string(raw.substr(0, i));
      *rest = raw.substr(i + 1);
      return {};
    }
    break;
  }
  scheme->clear();
  *rest = raw;
  return {};
}

std::string parse_host(std::string_view host, std::string* out) {
  if (host.starts_with('[')) {
    const size_t close = host.rfind(']');
    if (close == std::string_view::npos) return "missing ']' in host";
    const std::string_view colon_port = host.substr(close + 1);
    if (!valid_optional_port(colon_port)) return "invalid port " + proto::go_quoted(colon_port) + " after host";
    // RFC 6874: "%25" starts an IPv6 zone, which may escape more than a host may.
    const size_t zone = host.substr(0, close).find("%25");
    if (zone != std::string_view::npos) {
      std::string a, b, c;
      if (std::string e = unescape(host.substr(0, zone), Encoding::Host, &a); !e.empty()) return e;
      if (std::string e = unescape(host.substr(zone, close - zone), Encoding::Zone, &b); !e.empty()) return e;
      if (std::string e = unescape(host.substr(close), Encoding::Host, &c); !e.empty()) return e;
      *out = a + b + c;
      return {};
    }
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    const std::string_view colon_port = host.substr(colon);
    if (!valid_optional_port(colon_port)) return "invalid port " + proto::go_quoted(colon_port) + " after host";
  }
  return unescape(host, Encoding::Host, out);
}

bool valid_userinfo(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_alnum(c)) continue;
    switch (c) {
      case '-': case '.': case '_': case ':': case '~': case '!': case '$': case '&': case '\'':
      case '(': case ')': case '*': case '+': case ',': case ';': case '=': case '%': case '@':
        continue;
      default:
        return false;
    }
  }
  return true;
}

std::string parse_authority(std::string_view authority, GoUrl* url) {
  const size_t at = authority.rfind('@');
  const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (std::string e = parse_host(host, &url->host); !e.empty()) return e;
  if (at == std::string_view::npos) return {};
  const std::string_view userinfo = authority.substr(0, at);
  if (!valid_userinfo(userinfo)) return "net/url: invalid userinfo";
  url->has_user = true;
  const size_t colon = userinfo.find(':');
  if (std::string e = unescape(userinfo.substr(0, colon), Encoding::UserPassword, &url->username); !e.empty())
    return e;
  if (colon == std::string_view::npos) return {};
  url->has_password = true;
  return unescape(userinfo.substr(colon + 1), Encoding::UserPassword, &url->password);
}

bool has_control_byte(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// url.parse (viaRequest false) on the text before any '#'.
std::string parse_reference(std::string_view raw, GoUrl* url) {
  if (has_control_byte(raw)) return "net/url: invalid control character in URL";
  if (raw == "*") {
    url->path = url->raw_path = "*";
    return {};
  }
  std::string_view rest;
  if (std::string e = get_scheme(raw, &url->scheme, &rest); !e.empty()) return e;
  for (char& c : url->scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const size_t first_question = rest.find('?');
  if (rest.ends_with('?') && first_question == rest.size() - 1) {
    url->force_query = true;
    rest.remove_suffix(1);
  } else if (first_question != std::string_view::npos) {
    url->raw_query = std::string(rest.substr(first_question + 1));
    rest = rest.substr(0, first_question);
  }
  if (!rest.starts_with('/')) {
    if (!url->scheme.empty()) {
      url->opaque = std::string(rest);  // a rootless path: opaque
      return {};
    }
    // A relative reference whose first segment has a colon looks like a malformed scheme.
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) {
      return "first path segment in URL cannot contain colon";
    }
  }
  if (rest.starts_with("//") && (!url->scheme.empty() || !rest.starts_with("///"))) {
    std::string_view authority = rest.substr(2);
    rest = {};
    if (const size_t slash = authority.find('/'); slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    if (std::string e = parse_authority(authority, url); !e.empty()) return e;
  }
  url->raw_path = std::string(rest);
  return unescape(rest, Encoding::Path, &url->path);
}

}  // namespace

std::string GoUrl::hostname() const {
  std::string_view h = host;
  if (const size_t colon = h.rfind(':'); colon != std::string_view::npos && valid_optional_port(h.substr(colon))) {
    h = h.substr(0, colon);
  }
  if (h.starts_with('[') && h.ends_with(']')) h = h.substr(1, h.size() - 2);
  return std::string(h);
}

std::string GoUrl::port() const {
  const size_t colon = host.rfind(':');
  if (colon == std::string::npos || !valid_optional_port(std::string_view(host).substr(colon))) return {};
  return host.substr(colon + 1);
}

std::string parse_go_url(std::string_view text, GoUrl* out) {
  *out = GoUrl{};
  const size_t hash = text.find('#');
  const std::string_view reference = text.substr(0, hash);
  if (std::string e = parse_reference(reference, out); !e.empty()) {
    return "parse " + proto::go_quoted(reference) + ": " + e;
  }
  if (hash == std::string_view::npos) return {};
  const std::string_view fragment = text.substr(hash + 1);
  if (std::string e = unescape(fragment, Encoding::Fragment, &out->fragment); !e.empty()) {
    return "parse " + proto::go_quoted(text) + ": " + e;
  }
  out->raw_fragment = std::string(fragment);
  return {};
}

}  // namespace zats::server::config
