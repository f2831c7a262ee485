// Package config reads the terminal's TOML configuration: documented
// defaults, strict decoding (unknown keys are errors) and validation whose
// errors name the field and the problem.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration of one terminal. The TOML keys are the
// snake_case names in the struct tags; Default documents every default.
type Config struct {
	Terminal    Terminal    `toml:"terminal"`
	API         API         `toml:"api"`
	IDCard      IDCard      `toml:"idcard"`
	Printer     Printer     `toml:"printer"`
	Timeouts    Timeouts    `toml:"timeouts"`
	Maintenance Maintenance `toml:"maintenance"`
	Sync        Sync        `toml:"sync"`
	Log         Log         `toml:"log"`
	CallStaff   CallStaff   `toml:"call_staff"`
	Display     Display     `toml:"display"`
	Voice       Voice       `toml:"voice"`

	// CredentialsDir is systemd's $CREDENTIALS_DIRECTORY when Load ran
	// under a unit with credentials: the sealing key, the API token and the
	// PIN hash found there (CredSealKey ...) take the place of the plain
	// settings. Never read from the file.
	CredentialsDir string `toml:"-"`

	pinFromCredential bool
}

// Terminal identifies the terminal and where it keeps its data.
type Terminal struct {
	ID         string `toml:"id"`          // terminal id known to the central API
	CenterName string `toml:"center_name"` // shown on the home screen and receipts
	CenterEN   string `toml:"center_name_en"`
	DataDir    string `toml:"data_dir"` // SQLite database, key file, logs
}

// API is the central intake API.
type API struct {
	BaseURL   string   `toml:"base_url"`
	Token     string   `toml:"token"`
	TokenFile string   `toml:"token_file"` // read the token from this file instead
	CAFile    string   `toml:"ca_file"`    // extra CA for the API's certificate; system roots otherwise
	Timeout   Duration `toml:"timeout"`
}

// IDCard is the ID card reader (SAM module).
type IDCard struct {
	Port         string   `toml:"port"`
	Baud         int      `toml:"baud"`
	PollInterval Duration `toml:"poll_interval"`
	Required     bool     `toml:"required"`
}

// Printer is the receipt printer and its profile.
type Printer struct {
	Port           string `toml:"port"`
	Baud           int    `toml:"baud"`
	PaperWidthDots int    `toml:"paper_width_dots"` // 384 (58 mm) or 576 (80 mm)
	Charset        string `toml:"charset"`          // GB2312, GBK or GB18030
	NativeQR       bool   `toml:"native_qr"`
	Cutter         bool   `toml:"cutter"`
	BufferBytes    int    `toml:"buffer_bytes"` // printer's receive buffer, for pacing
	Required       bool   `toml:"required"`
}

// Timeouts of a resident's visit.
type Timeouts struct {
	Idle      Duration `toml:"idle"`       // without touch, before the warning
	IdleElder Duration `toml:"idle_elder"` // the same in elder mode
	Warning   Duration `toml:"warning"`    // the warning's countdown, at least 20 s
}

// Maintenance is staff access.
type Maintenance struct {
	PINHash string `toml:"pin_hash"` // argon2id hash in PHC string format, with minlen=6 (kiosk diag pin-hash)
	// StaffCards are the keyed hashes ("hmac-sha256:...", kiosk diag
	// staff-card-hash) of the ID numbers of staff cards that, with the
	// PIN, open maintenance. The key derives from the sealing key.
	StaffCards []string `toml:"staff_cards"`
}

// Sync is the outbox, catalogue and heartbeat schedule.
type Sync struct {
	KeyFile        string   `toml:"key_file"` // AES-256 key sealing personal data at rest; created 0600 if missing
	RetentionDays  int      `toml:"retention_days"`
	Heartbeat      Duration `toml:"heartbeat"`
	CatalogRefresh Duration `toml:"catalog_refresh"`
	MaxInFlight    int      `toml:"max_in_flight"`
}

// Log is where structured logs go.
type Log struct {
	File      string `toml:"file"` // empty: JSON to stderr
	MaxSizeMB int    `toml:"max_size_mb"`
	Level     string `toml:"level"` // debug, info, warn, error
}

// CallStaff is the optional local hook "呼叫工作人员" rings besides the
// call to the centre's system (POST /v1/assistance). Neither is set by
// default: without a hook only the centre is called, and the screen says
// help is coming only when the centre or the hook confirmed.
type CallStaff struct {
	HookURL string `toml:"hook_url"` // local HTTP endpoint to POST to; a 2xx confirms
	Command string `toml:"command"`  // and/or a command to run (e.g. a buzzer); exit 0 confirms
}

// Display is the screen.
type Display struct {
	FullScreen bool   `toml:"full_screen"`
	Language   string `toml:"language"` // zh or en at the start of each visit
	// GuideHosts are the hosts, besides the central API's own, whose pages
	// may become a QR code: an item's guide_url on the item page, a case's
	// track_url (and a status_url) on the screen and the receipt; a
	// track_url elsewhere is logged and the QR code carries the case
	// number. A host name, or host:port for a port other than 443.
	GuideHosts []string `toml:"guide_hosts"`
}

// Duration is a time.Duration written as a Go duration string ("60s").
type Duration struct{ time.Duration }

// UnmarshalText parses "90s", "2m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"60s\": %q", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// DefaultDataDir is where a packaged terminal keeps its data.
const DefaultDataDir = "/var/lib/kiosk"

// SearchPaths are the files Load looks for, in order, when no file is named.
var SearchPaths = []string{"/etc/kiosk/kiosk.toml", "kiosk.toml"}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Terminal: Terminal{
			ID:         "PD-DEV-0001",
			CenterName: "浦东新区社区事务受理服务中心",
			CenterEN:   "Pudong Community Affairs Service Center",
			DataDir:    DefaultDataDir,
		},
		API: API{
			BaseURL: "http://127.0.0.1:8750",
			Timeout: Duration{10 * time.Second},
		},
		IDCard: IDCard{
			Port:         "/dev/kiosk-idcard",
			Baud:         115200,
			PollInterval: Duration{200 * time.Millisecond},
			Required:     true,
		},
		Printer: Printer{
			Port:           "/dev/kiosk-printer",
			Baud:           9600,
			PaperWidthDots: 576,
			Charset:        "GB18030",
			NativeQR:       true,
			Cutter:         true,
			BufferBytes:    4096,
			Required:       false,
		},
		Timeouts: Timeouts{
			Idle:      Duration{60 * time.Second},
			IdleElder: Duration{120 * time.Second},
			Warning:   Duration{20 * time.Second},
		},
		Maintenance: Maintenance{StaffCards: []string{}},
		Sync: Sync{
			RetentionDays:  30,
			Heartbeat:      Duration{time.Minute},
			CatalogRefresh: Duration{time.Hour},
			MaxInFlight:    4,
		},
		Log:     Log{MaxSizeMB: 10, Level: "info"},
		Display: Display{FullScreen: true, Language: "zh", GuideHosts: []string{}},
		Voice:   defaultVoice(),
	}
}

// FieldError is one problem with one field.
type FieldError struct {
	Field   string // dotted TOML key, e.g. "printer.baud"
	Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// Errors is every problem found in a configuration.
type Errors []FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "config: " + strings.Join(parts, "; ")
}

// ErrNotFound is returned by Load when no file was named and none of
// SearchPaths exists; the returned Config is then the defaults.
var ErrNotFound = errors.New("config: no configuration file found")

// Load reads the named file, or the first of SearchPaths that exists when
// name is empty. It returns the config, the file it read ("" for defaults)
// and an error. With no file found it returns the defaults and ErrNotFound
// wrapped with the paths it tried.
func Load(name string) (Config, string, error) {
	if name == "" {
		for _, p := range SearchPaths {
			if _, err := os.Stat(p); err == nil {
				name = p
				break
			}
		}
		if name == "" {
			return Default(), "", fmt.Errorf("%w (looked for %s); using defaults", ErrNotFound, strings.Join(SearchPaths, ", "))
		}
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return Config{}, name, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return c, name, fmt.Errorf("%s: %w", name, err)
	}
	c.CredentialsDir = credentialsDir()
	if err := c.applyCredentials(); err != nil {
		return c, name, fmt.Errorf("%s: %w", name, err)
	}
	if c.API.Token != "" {
		if p := readableByOthers(name); p != "" {
			return c, name, fmt.Errorf("%s: %w", name, Errors{{Field: "api.token", Problem: p + " (or move the token to api.token_file)"}})
		}
	}
	return c, name, nil
}

// Parse decodes TOML over the defaults and validates the result.
func Parse(b []byte) (Config, error) {
	c := Default()
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return c, fmt.Errorf("config: line %d: %s: %s", pe.Position.Line, pe.LastKey, pe.Message)
			}
			return c, fmt.Errorf("config: line %d: %s", pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("config: %w", err)
	}
	var es Errors
	for _, k := range md.Undecoded() {
		es = append(es, FieldError{Field: k.String(), Problem: "unknown key"})
	}
	es = append(es, c.validate()...)
	if len(es) > 0 {
		return c, es
	}
	return c, nil
}

// MaintenanceUpgrades reports what an older terminal's configuration still
// needs for staff access since PINs need 6 digits and staff cards are kept
// as keyed hashes: a pin_hash without the minlen marker, a staff card that
// is a plain number. check-config counts them as problems; the terminal
// starts all the same (a resident's service does not wait for staff), logs
// them, and until they are fixed opens maintenance with no PIN under 6
// digits and with no staff card listed in plain.
func (c Config) MaintenanceUpgrades() error {
	var es Errors
	bad := func(field, format string, args ...any) {
		es = append(es, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if h := c.Maintenance.PINHash; strings.HasPrefix(h, "$argon2id$") && pinHashMinLen(h) < MinPINDigits {
		// A hash does not reveal its PIN's length: what tells is the
		// minlen marker kiosk diag pin-hash writes since PINs need 6
		// digits. A hash without it may be of a 4-digit PIN, which the
		// terminal no longer accepts at the keypad.
		bad("maintenance.pin_hash", "was made for a PIN of fewer than %d digits or by an older kiosk (no \"minlen=%d\" in it), and a PIN under %d digits no longer opens maintenance: choose a PIN of %d to 12 digits and put the output of `kiosk diag pin-hash` here", MinPINDigits, MinPINDigits, MinPINDigits, MinPINDigits)
	}
	for i, s := range c.Maintenance.StaffCards {
		if !staffCardHash(s) {
			problem := "must be a keyed hash (hmac-sha256:<64 hex digits>) as `kiosk diag staff-card-hash` prints it"
			if len(s) == 18 || len(s) == 15 {
				problem = "is a plain ID number; " + problem
			}
			bad(fmt.Sprintf("maintenance.staff_cards[%d]", i), "%s", problem)
		}
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// Validate checks a configuration built in code.
func (c Config) Validate() error {
	if es := c.validate(); len(es) > 0 {
		return es
	}
	return nil
}

func (c Config) validate() Errors {
	var es Errors
	bad := func(field, format string, args ...any) {
		es = append(es, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Terminal.ID) == "" {
		bad("terminal.id", "must not be empty")
	} else if strings.ContainsAny(c.Terminal.ID, "/ \t") {
		bad("terminal.id", "must not contain spaces or '/': %q", c.Terminal.ID)
	}
	if strings.TrimSpace(c.Terminal.CenterName) == "" {
		bad("terminal.center_name", "must not be empty")
	}
	if c.Terminal.DataDir == "" {
		bad("terminal.data_dir", "must not be empty")
	} else if !filepath.IsAbs(c.Terminal.DataDir) {
		bad("terminal.data_dir", "must be an absolute path, got %q", c.Terminal.DataDir)
	}
	if u, err := url.Parse(c.API.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("api.base_url", "must be an http or https URL, got %q", c.API.BaseURL)
	} else if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		// The token and residents' data would cross the network in clear.
		bad("api.base_url", "must be https for a host other than this machine (http only to 127.0.0.1, ::1 or localhost), got %q", c.API.BaseURL)
	}
	if c.API.Token != "" && c.API.TokenFile != "" {
		bad("api.token_file", "set either api.token or api.token_file, not both")
	}
	if c.API.TokenFile != "" {
		if p := readableByOthers(c.API.TokenFile); p != "" {
			bad("api.token_file", "%s", p)
		}
	}
	if p := readableByOthers(c.KeyFilePath()); p != "" {
		field := "sync.key_file"
		if c.Sync.KeyFile == "" {
			field = "sync.key_file (default " + c.KeyFilePath() + ")"
		}
		bad(field, "%s", p)
	}
	if c.API.Timeout.Duration <= 0 || c.API.Timeout.Duration > 5*time.Minute {
		bad("api.timeout", "must be between 0 and 5m, got %s", c.API.Timeout)
	}
	if c.API.CAFile != "" {
		if _, err := os.Stat(c.API.CAFile); err != nil {
			bad("api.ca_file", "cannot read %q: %v", c.API.CAFile, errors.Unwrap(err))
		}
	}
	okBaud := map[int]bool{2400: true, 4800: true, 9600: true, 19200: true, 38400: true, 57600: true, 115200: true}
	if c.IDCard.Port == "" {
		bad("idcard.port", "must not be empty")
	}
	if !okBaud[c.IDCard.Baud] {
		bad("idcard.baud", "must be one of 2400, 4800, 9600, 19200, 38400, 57600, 115200, got %d", c.IDCard.Baud)
	}
	if p := c.IDCard.PollInterval.Duration; p < 20*time.Millisecond || p > 2*time.Second {
		bad("idcard.poll_interval", "must be between 20ms and 2s, got %s", c.IDCard.PollInterval)
	}
	if c.Printer.Port == "" {
		bad("printer.port", "must not be empty")
	}
	if !okBaud[c.Printer.Baud] {
		bad("printer.baud", "must be one of 2400, 4800, 9600, 19200, 38400, 57600, 115200, got %d", c.Printer.Baud)
	}
	if c.Printer.PaperWidthDots != 384 && c.Printer.PaperWidthDots != 576 {
		bad("printer.paper_width_dots", "must be 384 (58 mm paper) or 576 (80 mm paper), got %d", c.Printer.PaperWidthDots)
	}
	switch strings.ToUpper(c.Printer.Charset) {
	case "GB2312", "GBK", "GB18030":
	default:
		bad("printer.charset", "must be GB2312, GBK or GB18030, got %q", c.Printer.Charset)
	}
	if c.Printer.BufferBytes < 64 || c.Printer.BufferBytes > 1<<20 {
		bad("printer.buffer_bytes", "must be between 64 and 1048576, got %d", c.Printer.BufferBytes)
	}
	if c.Timeouts.Idle.Duration < 10*time.Second {
		bad("timeouts.idle", "must be at least 10s, got %s", c.Timeouts.Idle)
	}
	if c.Timeouts.IdleElder.Duration < c.Timeouts.Idle.Duration {
		bad("timeouts.idle_elder", "must not be shorter than timeouts.idle (%s), got %s", c.Timeouts.Idle, c.Timeouts.IdleElder)
	}
	if c.Timeouts.Warning.Duration < 20*time.Second {
		bad("timeouts.warning", "must be at least 20s so a resident can respond, got %s", c.Timeouts.Warning)
	}
	if h := c.Maintenance.PINHash; h != "" && !strings.HasPrefix(h, "$argon2id$") {
		bad("maintenance.pin_hash", "must be an argon2id hash ($argon2id$...), not a plain PIN")
	}
	if c.Sync.RetentionDays < 1 || c.Sync.RetentionDays > 3650 {
		bad("sync.retention_days", "must be between 1 and 3650, got %d", c.Sync.RetentionDays)
	}
	if c.Sync.Heartbeat.Duration < 5*time.Second {
		bad("sync.heartbeat", "must be at least 5s, got %s", c.Sync.Heartbeat)
	}
	if c.Sync.CatalogRefresh.Duration < time.Minute {
		bad("sync.catalog_refresh", "must be at least 1m, got %s", c.Sync.CatalogRefresh)
	}
	if c.Sync.MaxInFlight < 1 || c.Sync.MaxInFlight > 64 {
		bad("sync.max_in_flight", "must be between 1 and 64, got %d", c.Sync.MaxInFlight)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.MaxSizeMB < 1 {
		bad("log.max_size_mb", "must be at least 1, got %d", c.Log.MaxSizeMB)
	}
	switch c.Display.Language {
	case "zh", "en":
	default:
		bad("display.language", "must be zh or en, got %q", c.Display.Language)
	}
	for i, h := range c.Display.GuideHosts {
		if !validHost(h) {
			bad(fmt.Sprintf("display.guide_hosts[%d]", i), "must be a host name, or host:port, without scheme or path, got %q", h)
		}
	}
	c.Voice.validate(bad)
	return es
}

// loopbackHost reports whether host is this machine: localhost,
// 127.0.0.0/8 or ::1.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readableByOthers says what is wrong when the secret file at path may be
// read or written by users other than its owner and group; "" when it is
// fine or does not exist (a missing key file is created 0600; a missing
// token file is reported when read).
func readableByOthers(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if m := st.Mode().Perm(); m&0o007 != 0 {
		return fmt.Sprintf("%s holds a secret but is readable by others (mode %04o): chmod o-rwx %s", path, m, path)
	}
	return ""
}

// MinPINDigits is the shortest maintenance PIN (kiosk/maint checks it too).
const MinPINDigits = 6

// pinHashMinLen is the minlen parameter of an argon2id PHC string, 0 when
// it has none.
func pinHashMinLen(h string) int {
	parts := strings.Split(h, "$")
	if len(parts) != 6 {
		return 0
	}
	for _, kv := range strings.Split(parts[3], ",") {
		if v, ok := strings.CutPrefix(kv, "minlen="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// staffCardHash reports whether s is "hmac-sha256:" and 64 hex digits.
func staffCardHash(s string) bool {
	h, ok := strings.CutPrefix(strings.ToLower(s), "hmac-sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	return strings.Trim(h, "0123456789abcdef") == ""
}

// validHost reports whether s is a bare host name or address with an
// optional port: what display.guide_hosts holds.
func validHost(s string) bool {
	if s == "" || strings.HasSuffix(s, ":") || strings.ContainsAny(s, "/\\@?#% \t") {
		return false
	}
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host != s || u.Hostname() == "" {
		return false
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		return err == nil && n > 0 && n < 65536
	}
	return true
}

// GuideHosts are the hosts an item's guide_url may lead to: the central
// API's own host and display.guide_hosts.
func (c Config) GuideHosts() []string {
	var hosts []string
	if u, err := url.Parse(c.API.BaseURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
		if u.Scheme == "https" && u.Port() != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return append(hosts, c.Display.GuideHosts...)
}

// KeyFilePath is the sealing key's path: sync.key_file, or "seal.key" in the
// data directory.
func (c Config) KeyFilePath() string {
	if c.Sync.KeyFile != "" {
		return c.Sync.KeyFile
	}
	return filepath.Join(c.Terminal.DataDir, "seal.key")
}

// DatabasePath is the SQLite file in the data directory.
func (c Config) DatabasePath() string { return filepath.Join(c.Terminal.DataDir, "kiosk.db") }

// APIToken returns the token of the credential CredAPIToken when there is
// one, else api.token, or the trimmed content of api.token_file.
func (c Config) APIToken() (string, error) {
	if tok, ok, err := c.credentialText(CredAPIToken); err != nil || ok {
		return tok, err
	}
	if c.API.TokenFile == "" {
		return c.API.Token, nil
	}
	b, err := os.ReadFile(c.API.TokenFile)
	if err != nil {
		return "", fmt.Errorf("config: api.token_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
