package handwriting

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRecognizeEachStroke recognises a 10-stroke character (高) as the
// pad does: once after each stroke, with the strokes so far. ms/call is one
// recognition (goal: under 20 ms on the terminal).
func BenchmarkRecognizeEachStroke(b *testing.B) {
	r := sharedModel(b)
	strokes := fixtures(b)["高"]
	if len(strokes) != 10 {
		b.Fatalf("高 has %d strokes in its fixture, want 10", len(strokes))
	}
	if err := r.Load(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	calls := 0
	for b.Loop() {
		for n := 1; n <= len(strokes); n++ {
			if _, err := r.Recognize(strokes[:n], 10); err != nil {
				b.Fatal(err)
			}
			calls++
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(calls), "ms/call")
}

// BenchmarkFirstLoad is the first use of the model: the check of the file,
// Zinnia's mapping and the first recognition. It reports the time and the
// resident memory the loaded model adds.
func BenchmarkFirstLoad(b *testing.B) {
	if _, err := os.Stat(DefaultModel); errors.Is(err, os.ErrNotExist) {
		b.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", DefaultModel)
	}
	one := fixtures(b)["十"]
	var took time.Duration
	var added int64
	for b.Loop() {
		r := New("")
		before := rssKiB(b)
		start := time.Now()
		if _, err := r.Recognize(one, 10); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		added += rssKiB(b) - before
		r.Close()
	}
	b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/load")
	b.ReportMetric(float64(added)/1024/float64(b.N), "MiB-rss-added")
}

// rssKiB is the process's resident set (VmRSS) in KiB.
func rssKiB(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
