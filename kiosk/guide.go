package kiosk

import (
	"net"
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

// TrackURL returns raw, a page address the central system sent for a case
// (its track_url, a ticket's or booking's status_url), when the terminal
// may put it in a QR code on the screen or an official receipt, and ""
// when not. The rules are GuideURL's: https, no user information, a host
// of hosts (the central API's own host and the configured ones); besides,
// for development, http on a loopback host of hosts at any port (the
// intake simulator beside the terminal). A caller that gets "" puts the
// case number in the QR code instead and logs the refusal: a server's
// answer must not be able to send residents' phones anywhere.
func TrackURL(raw string, hosts []string) string {
	if u := GuideURL(raw, hosts); u != "" {
		return u
	}
	if raw == "" || len(raw) > MaxGuideURLLen || strings.ContainsFunc(raw, func(r rune) bool {
		return r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	}) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Opaque != "" || u.User != nil || u.Host == "" {
		return ""
	}
	host, _ := hostPort(u.Host)
	if !loopback(host) {
		return ""
	}
	for _, h := range hosts {
		if hh, _ := hostPort(h); hh == host {
			return raw
		}
	}
	return ""
}

// loopback reports whether host (lower-case, without brackets) is this
// machine: localhost, 127.0.0.0/8 or ::1.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
