package probe

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// TestStartTLSAnswerIsBounded: a server whose plaintext greeting never
// ends (an endless "220-" reply, or one line without a newline) cannot
// make --starttls hold its whole stream in memory until the timeout: the
// negotiation reads a bounded amount and says so.
func TestStartTLSAnswerIsBounded(t *testing.T) {
	for name, chunk := range map[string]string{
		"endless-continuation": "220-" + strings.Repeat("x", 1000) + "\r\n",
		"endless-line":         strings.Repeat("2", 4096),
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := make(chan struct{})
			defer close(done)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				b := []byte(chunk)
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := c.Write(b); err != nil {
						return
					}
				}
			}()
			w := newWorld(t)
			cc := w.clientCfg(&w.client)
			cc.StartTLS = "smtp"
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := Connect(context.Background(), ln.Addr().String(), cc, Options{Timeout: 3 * time.Second})
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if r.Reason != verify.NotTLS || !strings.Contains(r.Summary+r.Detail+strings.Join(r.Notes, " "), "too long") {
				t.Errorf("got %s %s: %s / %s", r.Verdict, r.Reason, r.Summary, r.Detail)
			}
			if len(r.Summary)+len(r.Detail) > 1024 {
				t.Errorf("the verdict quotes %d bytes of the greeting", len(r.Summary)+len(r.Detail))
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v: the negotiation read until the timeout", el)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 32<<20 {
				t.Errorf("allocated %d MiB reading one greeting", grown>>20)
			}
		})
	}
}
