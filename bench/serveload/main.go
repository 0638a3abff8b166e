// Command serveload drives `pkibench serve` with real TLS clients for
// bench/compare.sh: -n handshakes from -c clients at once, each (as curl)
// sending a request and reading the answer, or with -hold keeping its
// connection idle after the handshake until the server closes it. It
// prints one line: handshakes completed, failed, and handshakes per second
// (completed over the time until the last handshake completed).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8443", "HOST:PORT of the server")
	n := flag.Int("n", 1000, "handshakes in all")
	c := flag.Int("c", 1, "clients at once")
	hold := flag.Bool("hold", false, "keep each connection idle after the handshake until the server closes it")
	certFile := flag.String("cert", "", "client certificate (PEM)")
	keyFile := flag.String("key", "", "client key (PEM)")
	caFile := flag.String("ca", "", "CA certificate the server's chains to (PEM)")
	name := flag.String("name", "localhost", "server name to ask for and check")
	timeout := flag.Duration("timeout", time.Minute, "bound on each connection")
	flag.Parse()
	if *n < 1 || *c < 1 {
		return errors.New("-n and -c need a positive number")
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("-ca %s: no PEM certificate", *caFile)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: *name}
	if *certFile != "" {
		kp, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("-cert/-key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	var ok, failed atomic.Int64
	var last atomic.Int64 // nanoseconds from start to the latest handshake done
	var firstErr sync.Once
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range min(*c, *n) {
		wg.Go(func() {
			for range jobs {
				if err := one(*addr, cfg, *hold, *timeout, func() { last.Store(int64(time.Since(start))) }); err != nil {
					failed.Add(1)
					firstErr.Do(func() { fmt.Fprintln(os.Stderr, "serveload: first failure:", err) })
					continue
				}
				ok.Add(1)
			}
		})
	}
	for range *n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	secs := time.Duration(last.Load()).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(ok.Load()) / secs
	}
	fmt.Printf("handshakes=%d failed=%d seconds=%.2f handshakes_per_s=%.0f\n", ok.Load(), failed.Load(), secs, rate)
	return nil
}

// one is one client: handshake, then a request and its answer, or (hold)
// nothing until the server closes the connection.
func one(addr string, cfg *tls.Config, hold bool, timeout time.Duration, handshook func()) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: timeout}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	handshook()
	conn.SetDeadline(time.Now().Add(timeout))
	if !hold {
		if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); err != nil {
			return err
		}
	}
	_, err = io.Copy(io.Discard, conn)
	return err
}
