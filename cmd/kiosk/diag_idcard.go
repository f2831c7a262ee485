package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
)

// idcardDefaults are the port settings `kiosk diag idcard` and the terminal
// use unless told otherwise; the configuration may overwrite them.
var idcardDefaults = struct {
	Port string
	Baud int
}{Port: "/dev/kiosk-idcard", Baud: 115200}

// diagExitNoCard: no card was presented within --wait.
const diagExitNoCard = 3

func init() {
	registerDiag("idcard", "ID card reader: SAM status and ID, read one card with timings", runDiagIDCard)
}

// diagIDCardResult is the --json output.
type diagIDCardResult struct {
	Port              string           `json:"port"`
	Baud              int              `json:"baud"`
	SAMID             string           `json:"sam_id"`
	SAMIDHex          string           `json:"sam_id_hex"`
	CardType          string           `json:"card_type,omitempty"`
	CardFlag          string           `json:"card_flag,omitempty"`
	Name              string           `json:"name,omitempty"`
	NameEN            string           `json:"name_en,omitempty"`
	Gender            string           `json:"gender,omitempty"`
	Nation            string           `json:"nation,omitempty"`
	Nationality       string           `json:"nationality,omitempty"`
	BirthDate         string           `json:"birth_date,omitempty"`
	Address           string           `json:"address,omitempty"`
	IDNumber          string           `json:"id_number,omitempty"`
	Authority         string           `json:"authority,omitempty"`
	ValidFrom         string           `json:"valid_from,omitempty"`
	ValidUntil        string           `json:"valid_until,omitempty"`
	Expired           bool             `json:"expired"`
	AppendedAddresses []string         `json:"appended_addresses"`
	PhotoBytes        int              `json:"photo_bytes"`
	PrivateUse        []string         `json:"private_use_fields,omitempty"`
	Error             string           `json:"error,omitempty"`
	TimingsMS         map[string]int64 `json:"timings_ms"`
}

func runDiagIDCard(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag idcard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", idcardDefaults.Port, "serial device of the ID card reader")
	baud := fs.Int("baud", idcardDefaults.Baud, "line speed")
	wait := fs.Duration("wait", 10*time.Second, "how long to wait for a card")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout (logs go to stderr)")
	reveal := fs.Bool("reveal", false, "show the full ID number, name, birth date and addresses (masked by default)")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 || *wait <= 0 || *port == "" {
		fmt.Fprintln(stderr, "usage: kiosk diag idcard [--port P] [--baud B] [--wait 10s] [--json] [--reveal]")
		return exitUsage
	}
	log := redactedLogger(stderr, slog.LevelInfo, false)
	res := diagIDCardResult{Port: *port, Baud: *baud, TimingsMS: map[string]int64{}, AppendedAddresses: []string{}}
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	finish := func(code int) int {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			enc.Encode(res)
		} else if res.Error != "" {
			fmt.Fprintf(stdout, "失败 failed: %s\n", res.Error)
		}
		return code
	}
	say := func(format string, a ...any) {
		if !*asJSON {
			fmt.Fprintf(stdout, format+"\n", a...)
		}
	}

	t0 := time.Now()
	p, err := serialport.Open(*port, *baud, 100*time.Millisecond)
	res.TimingsMS["open"] = ms(time.Since(t0))
	if err != nil {
		if errors.Is(err, serialport.ErrBadBaud) {
			fmt.Fprintln(stderr, "kiosk diag idcard:", err)
			return exitUsage
		}
		res.Error = portOpenError(err)
		return finish(exitNoAnswer)
	}
	say("端口 port      %s @ %d (opened in %d ms)", *port, *baud, res.TimingsMS["open"])

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := idcard.NewReader(p, idcard.Options{Logger: log, FailuresBeforeDown: 1})
	runDone := make(chan error, 1)
	go func() { runDone <- r.Run(ctx) }()
	defer func() { cancel(); <-runDone }()

	t1 := time.Now()
	deadline := time.NewTimer(*wait)
	defer deadline.Stop()
	ready := false
	for {
		select {
		case <-deadline.C:
			if !ready {
				res.Error = "reader not answering"
				return finish(exitNoAnswer)
			}
			res.TimingsMS["wait"] = ms(time.Since(t1))
			res.Error = fmt.Sprintf("no card within %v", *wait)
			say("没有读到证件 no card within %v", *wait)
			return finish(diagExitNoCard)
		case e, ok := <-r.Events():
			if !ok {
				res.Error = fmt.Sprint(<-runDone)
				return finish(exitNoAnswer)
			}
			switch e.Kind {
			case idcard.ReaderBack:
				ready = true
				st := r.Status()
				res.SAMID, res.SAMIDHex = st.SAMIDText, st.SAMID
				res.TimingsMS["sam"] = ms(time.Since(t1))
				say("SAM 状态 status 正常 ok (%d ms)", res.TimingsMS["sam"])
				say("SAM ID         %s (%s)", st.SAMIDText, st.SAMID)
				say("请放置证件 place a card on the reader (waiting %v)...", *wait)
				t1 = time.Now()
			case idcard.ReaderError:
				res.Error = e.Err.Error()
				if !ready {
					say("读卡器无应答 reader not answering: %v", e.Err)
					return finish(exitNoAnswer)
				}
				say("读卡器故障 reader failed: %v", e.Err)
				return finish(exitNoAnswer)
			case idcard.CardError:
				res.Error = e.Err.Error()
				addTimings(res.TimingsMS, e.Timings)
				say("证件无法读取 card not readable: %v", e.Err)
				return finish(exitFailure)
			case idcard.CardPresent:
				res.TimingsMS["wait"] = ms(time.Since(t1) - e.Timings.Total)
				addTimings(res.TimingsMS, e.Timings)
				fillIdentity(&res, e.Identity, *reveal, e.At)
				if !*asJSON {
					printIdentity(stdout, res)
				}
				return finish(exitOK)
			}
		}
	}
}

func addTimings(m map[string]int64, t idcard.Timings) {
	m["find"], m["select"], m["read"] = t.Find.Milliseconds(), t.Select.Milliseconds(), t.Read.Milliseconds()
	m["appended"], m["card_total"] = t.Appended.Milliseconds(), t.Total.Milliseconds()
}

func fillIdentity(res *diagIDCardResult, id *idcard.Identity, reveal bool, now time.Time) {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	}
	res.CardType = string(id.CardType)
	if id.CardFlag != 0 {
		res.CardFlag = string(rune(id.CardFlag))
	}
	res.Gender = id.Gender.String()
	res.Nation, res.Nationality = id.Nation, id.Nationality
	res.Authority = id.Authority
	// Masked unless --reveal: enough to see that the fields decode (the
	// surname, the birth year, the start of the address), not the person.
	res.Name, res.NameEN = maskRunes(id.Name, 1), maskRunes(id.NameEN, 1)
	res.BirthDate = date(id.BirthDate)
	if len(res.BirthDate) >= 4 {
		res.BirthDate = res.BirthDate[:4]
	}
	res.Address = maskRunes(id.Address, 6)
	res.IDNumber = id.MaskedID()
	if reveal {
		res.Name, res.NameEN = id.Name, id.NameEN
		res.BirthDate = date(id.BirthDate)
		res.Address = id.Address
		res.IDNumber = id.IDNumber
	}
	res.ValidFrom = date(id.ValidFrom)
	res.ValidUntil = date(id.ValidUntil)
	if id.LongTerm {
		res.ValidUntil = "long-term"
	}
	res.Expired = id.Expired(now)
	if id.AppendedAddresses != nil {
		res.AppendedAddresses = make([]string, len(id.AppendedAddresses))
		for i, a := range id.AppendedAddresses {
			res.AppendedAddresses[i] = a
			if !reveal {
				res.AppendedAddresses[i] = maskRunes(a, 6)
			}
		}
	}
	res.PhotoBytes = len(id.Photo)
	res.PrivateUse = id.PrivateUse
}

func printIdentity(w io.Writer, r diagIDCardResult) {
	validity := r.ValidFrom + " – " + r.ValidUntil
	if r.ValidUntil == "long-term" {
		validity = r.ValidFrom + " – 长期 long-term"
	}
	if r.Expired {
		validity += "  已过期 EXPIRED"
	}
	fmt.Fprintf(w, "证件类型 type   %s %s\n", r.CardType, r.CardFlag)
	fmt.Fprintf(w, "姓名 name       %s %s\n", r.Name, r.NameEN)
	fmt.Fprintf(w, "性别 gender     %s\n", r.Gender)
	if r.Nation != "" {
		fmt.Fprintf(w, "民族 nation     %s\n", r.Nation)
	}
	if r.Nationality != "" {
		fmt.Fprintf(w, "国籍 nationality %s\n", r.Nationality)
	}
	fmt.Fprintf(w, "出生 birth      %s\n", r.BirthDate)
	if r.Address != "" {
		fmt.Fprintf(w, "住址 address    %s\n", r.Address)
	}
	for _, a := range r.AppendedAddresses {
		fmt.Fprintf(w, "新住址 appended %s\n", a)
	}
	fmt.Fprintf(w, "号码 number     %s\n", r.IDNumber)
	if r.Authority != "" {
		fmt.Fprintf(w, "签发 authority  %s\n", r.Authority)
	}
	fmt.Fprintf(w, "有效期 validity %s\n", validity)
	fmt.Fprintf(w, "照片 photo      %d bytes WLT\n", r.PhotoBytes)
	if len(r.PrivateUse) > 0 {
		fmt.Fprintf(w, "注意 note       private-use characters in %v: please confirm on screen\n", r.PrivateUse)
	}
	fmt.Fprintf(w, "用时 timings ms wait %d, find %d, select %d, read %d, appended %d, card total %d\n",
		r.TimingsMS["wait"], r.TimingsMS["find"], r.TimingsMS["select"], r.TimingsMS["read"], r.TimingsMS["appended"], r.TimingsMS["card_total"])
}

// maskRunes keeps the first keep characters of s and stars the rest
// ("张*", "上海市浦东新***…").
func maskRunes(s string, keep int) string {
	r := []rune(s)
	if len(r) <= keep {
		return s
	}
	stars := len(r) - keep
	if stars > 3 {
		return string(r[:keep]) + "***…"
	}
	return string(r[:keep]) + strings.Repeat("*", stars)
}
