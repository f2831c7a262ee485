// Package e2e holds the end-to-end suite of the outbox: crash safety with a
// real child process killed by SIGKILL, fault injection at the server, and
// refused catalogues. It runs against the development server in process,
// or against the server named by KIOSK_E2E_INTAKE_URL with KIOSK_E2E_TOKEN
// (and KIOSK_E2E_TERMINAL). KIOSK_E2E_FULL=1 runs the full sizes. A slow
// server, or one that asks for pauses, is not a failure: the tests wait
// for progress, and fail when nothing is delivered for
// KIOSK_E2E_STALL_SECONDS (default 60); drains log their throughput.
//
// This file holds what the tests and the crashkid command share.
package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/kiosk"
)

// SelfService returns the catalogue's items a resident may submit at a
// terminal without an agent, and that the test residents (born in 1985)
// may apply for.
func SelfService(cat kiosk.Catalog) []kiosk.Item {
	var out []kiosk.Item
	resident := kiosk.Person{CardType: kiosk.CardResident, BirthDate: "1985-01-01"}
	for _, it := range cat.Items {
		if it.SelfService && it.Kind == kiosk.KindInstant && it.Eligibility.Allows(resident, time.Now()) {
			out = append(out, it)
		}
	}
	return out
}

// IDNumber makes a valid 18-character ID number from a serial.
func IDNumber(n int) string {
	base := fmt.Sprintf("3101151985%07d", n%10_000_000)
	return base + string(kiosk.IDCheckChar(base))
}

// MakeSubmission fills in a valid submission of item for test resident n.
func MakeSubmission(terminal, catalogVersion string, item kiosk.Item, n int) kiosk.Submission {
	fields := map[string]string{}
	for _, f := range item.Fields {
		var v string
		switch f.Type {
		case kiosk.FieldDigits:
			v = "12345"
		case kiosk.FieldPhone:
			v = "13800138000"
		case kiosk.FieldDate:
			v = "2026-01-15"
		case kiosk.FieldChoice:
			v = f.Choices[0]
		case kiosk.FieldIDNumber:
			v = IDNumber(n + 5_000_000)
		default:
			v = "端到端测试"
		}
		if f.MaxLen > 0 && utf8.RuneCountInString(v) > f.MaxLen {
			v = string([]rune(v)[:f.MaxLen])
		}
		fields[f.Key] = v
	}
	return kiosk.Submission{
		ID:             kiosk.NewSubmissionID(),
		TerminalID:     terminal,
		ItemCode:       item.Code,
		CatalogVersion: catalogVersion,
		CreatedAt:      time.Now().Truncate(time.Millisecond),
		Fields:         fields,
		Applicant: kiosk.Person{
			IDNumber: IDNumber(n), Name: "测试居民" + strings.Repeat("甲", n%3+1), CardType: kiosk.CardResident,
			Gender: "男", Nation: "汉", BirthDate: "1985-01-01", Address: "上海市浦东新区世纪大道1号",
		},
	}
}

// SmashPageOf overwrites, in the database file at path, the whole page that
// holds the first occurrence of marker: the damage a bad sector does, for
// the recovery tests.
func SmashPageOf(path, marker string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	at := bytes.Index(b, []byte(marker))
	if at < 0 || len(b) < 100 {
		return fmt.Errorf("e2e: %q not in %s", marker, path)
	}
	ps := int(binary.BigEndian.Uint16(b[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 {
		return fmt.Errorf("e2e: %s: page size %d", path, ps)
	}
	for i := at / ps * ps; i < min(at/ps*ps+ps, len(b)); i++ {
		b[i] = byte(0xA5 ^ i)
	}
	return os.WriteFile(path, b, 0o600)
}
