package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// serve under load, as a process, with real clients and the smallest
// limits: one handshake at a time, two connections served, four queued
// (the rest wait in the kernel's listen queue). 24 curl clients
// at once all get their answer and serve prints 24 verdicts; an openssl
// s_client that holds its connection idle is answered and closed after the
// wait for a request (--timeout 1s); a client that connects and says
// nothing is dropped as a timeout. Ctrl-C then stops serve cleanly.
func TestServeUnderLoadCLI(t *testing.T) {
	curl := testtool.Require(t, "curl")
	openssl := testtool.Require(t, "openssl")
	dir := seedStore(t)
	bin := filepath.Join(t.TempDir(), "pkibench")
	testtool.Run(t, "", "go", "build", "-o", bin, ".")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--store", dir, "serve", "--server", "invoice-server", "--listen", "127.0.0.1:0",
		"--json", "--max-handshakes", "1", "--max-conns", "2", "--max-queue", "4", "--timeout", "1s")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var addr string
	for addr == "" {
		if ctx.Err() != nil {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		if _, rest, ok := strings.Cut(stderr.String(), "https://"); ok {
			addr, _, _ = strings.Cut(rest, "/")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, port, _ := net.SplitHostPort(addr)
	verdicts := make(chan map[string]any, 64)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			var r map[string]any
			if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
				t.Errorf("not a JSON line: %q", lines.Text())
			}
			verdicts <- r
		}
		close(verdicts)
	}()
	next := func(what string) map[string]any {
		select {
		case r, ok := <-verdicts:
			if !ok {
				t.Fatalf("serve ended before the verdict of %s: %s", what, stderr.String())
			}
			return r
		case <-ctx.Done():
			t.Fatalf("no verdict for %s", what)
		}
		return nil
	}
	ca := filepath.Join(dir, "cas/abc/ca.crt")
	cert, key := filepath.Join(dir, "certs/mail-server/cert.pem"), filepath.Join(dir, "certs/mail-server/key.pem")

	const clients = 24
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			out, err := exec.CommandContext(ctx, curl, "-s", "--max-time", "60", "--cacert", ca, "--cert", cert, "--key", key,
				"https://localhost:"+port+"/").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "pkibench: ACCEPT") {
				t.Errorf("curl: %v %s", err, out)
			}
		})
	}
	wg.Wait()
	for i := range clients {
		if r := next(fmt.Sprintf("curl client %d", i)); r["reason"] != "ok" {
			t.Errorf("curl client: %v (%v)", r["reason"], r["summary"])
		}
	}

	// openssl s_client with nothing to send: answered, then closed.
	sc := exec.CommandContext(ctx, openssl, "s_client", "-connect", "127.0.0.1:"+port, "-servername", "localhost",
		"-CAfile", ca, "-cert", cert, "-key", key, "-ign_eof")
	in, _ := sc.StdinPipe() // held open: s_client sends nothing
	defer in.Close()
	out, _ := sc.CombinedOutput()
	if !strings.Contains(string(out), "pkibench: ACCEPT") {
		t.Errorf("openssl s_client holding its connection was not answered:\n%s", out)
	}
	if r := next("s_client"); r["reason"] != "ok" || !strings.Contains(fmt.Sprint(r["notes"]), "no bytes") {
		t.Errorf("s_client: %v %v", r["reason"], r["notes"])
	}

	// A client that connects and says nothing: dropped after --timeout.
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if r := next("a silent client"); r["reason"] != "timeout" {
		t.Errorf("silent client: %v (%v)", r["reason"], r["summary"])
	}

	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly on SIGINT: %v %s", err, stderr.String())
	}
	for r := range verdicts {
		t.Errorf("verdict after the last client: %v", r)
	}
}

// --max-handshakes, --max-conns and --max-queue take positive numbers.
func TestServeLimitFlags(t *testing.T) {
	dir := seedStore(t)
	for _, flag := range []string{"--max-handshakes", "--max-conns", "--max-queue"} {
		_, errs, code := pb(t, dir, "serve", "--server", "invoice-server", "--listen", "127.0.0.1:0", flag, "0")
		if code != 2 || !strings.Contains(errs, "need a positive number") {
			t.Errorf("%s 0: exit %d, %s", flag, code, errs)
		}
	}
}
