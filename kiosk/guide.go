package kiosk

import (
	"net/url"
	"strings"
	"unicode"
)

// MaxGuideURLLen bounds an item's guide_url (the contract's maxLength): a
// QR code on screen holds a few hundred characters comfortably, and
// nothing longer is a page address.
const MaxGuideURLLen = 2048

// GuideURL returns raw, an item's guide_url from the catalogue, when the
// terminal may show it as a QR code for a resident's phone, and "" when
// not: it must be an absolute https address without user information,
// spaces or control characters, whose host is one of hosts. An entry of
// hosts is a host name ("ywtb.example.gov.cn"), matched without regard to
// case, optionally with a port ("host:8443"); without a port only the
// default https port matches. Everything else (http, javascript:, data:,
// a relative or scheme-relative address, another host) gets no QR code: a
// catalogue must not be able to send residents' phones anywhere.
func GuideURL(raw string, hosts []string) string {
	if raw == "" || len(raw) > MaxGuideURLLen || strings.ContainsFunc(raw, func(r rune) bool {
		return r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	}) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Opaque != "" || u.User != nil || u.Host == "" {
		return ""
	}
	host, port := hostPort(u.Host)
	if host == "" {
		return ""
	}
	for _, h := range hosts {
		hh, hp := hostPort(h)
		if hh != "" && hh == host && hp == port {
			return raw
		}
	}
	return ""
}

// hostPort splits "Host:port" into the lower-case host name (without a
// trailing dot or IPv6 brackets) and the port, "" for the default 443.
func hostPort(s string) (host, port string) {
	u := url.URL{Host: s}
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port = u.Port()
	if port == "443" {
		port = ""
	}
	return host, port
}
