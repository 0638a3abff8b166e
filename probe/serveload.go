package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"
)

// Limits bound what Serve holds at once, so its memory stays flat however
// many clients connect: a connection costs a few kilobytes while it waits,
// a handshake in progress some 40 KB of heap and stack.
type Limits struct {
	// Handshakes is the number of TLS handshakes in progress at once; a
	// connection whose client has spoken waits for one of these slots.
	// Zero means DefaultHandshakes.
	Handshakes int
	// Conns is the number of connections open at once, from accept until
	// its verdict is printed: waiting for the client's first bytes or for
	// a handshake slot, in the handshake, waiting for the request, or
	// waiting to be printed. Beyond it Serve stops accepting and the
	// kernel's listen queue holds the rest. Zero means DefaultConns.
	Conns int
}

const (
	// DefaultHandshakes keeps every core busy on loopback and covers the
	// round trips of clients some 50 ms away, at 2-3 MB of handshake state.
	DefaultHandshakes = 64
	// DefaultConns bounds the connections open at once (about 10 MB).
	DefaultConns = 1024
)

func (l Limits) handshakes() int {
	if l.Handshakes <= 0 {
		return DefaultHandshakes
	}
	return l.Handshakes
}

func (l Limits) conns() int {
	if l.Conns <= 0 {
		return DefaultConns
	}
	return max(l.Conns, l.handshakes())
}

// handshakeJob is one connection handed to a handshake worker.
type handshakeJob struct {
	conn net.Conn
	out  *serverOutcome
	done chan handshakeDone
}

type handshakeDone struct {
	tc       *tls.Conn // nil when the handshake failed
	deadline time.Time
}

// serveLimited is Serve's accept loop: one connection slot taken before
// each accept (so a flood waits in the kernel's queue, not in memory),
// one goroutine per open connection, and the handshakes run by a fixed
// pool of workers, whose stacks are the only ones to grow to the size the
// handshake's cryptography needs. Every accepted connection is delivered
// exactly once; it returns when every connection has been delivered.
func (s *server) serveLimited(ctx context.Context, lim Limits, deliver func(*serverOutcome)) error {
	work := make(chan *handshakeJob)
	var workers sync.WaitGroup
	for range lim.handshakes() {
		workers.Go(func() {
			for j := range work {
				tc, deadline := s.handshake(ctx, j.conn, j.out)
				j.done <- handshakeDone{tc, deadline}
			}
		})
	}
	defer func() {
		close(work)
		workers.Wait()
	}()
	slots := make(chan struct{}, lim.conns())
	var sessions sync.WaitGroup
	defer sessions.Wait()
	var delay time.Duration
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		conn, err := s.accept(ctx, &delay)
		if conn == nil {
			<-slots
			return err
		}
		sessions.Go(func() {
			defer func() { <-slots }()
			deliver(s.session(ctx, conn, work, lim.handshakes()))
		})
	}
}

// session is one connection of Serve, from accept to the verdict.
func (s *server) session(ctx context.Context, raw net.Conn, work chan<- *handshakeJob, slots int) *serverOutcome {
	out := s.accepted(raw)
	defer raw.Close()
	conn := s.firstBytes(ctx, raw)
	var hs handshakeDone
	j := &handshakeJob{conn: conn, out: out, done: make(chan handshakeDone, 1)}
	if conn.err == nil && enqueue(ctx, work, j, slots) {
		hs = <-j.done
	} else {
		// Nothing to compute: the handshake meets the error of the first
		// read, or the stopped ctx, at once.
		hs.tc, hs.deadline = s.handshake(ctx, conn, out)
	}
	if hs.tc != nil {
		s.answer(hs.tc, out, hs.deadline)
	}
	return out
}

// enqueue hands j to a handshake worker, waiting for one when all are
// busy (the timeline says how long); false when ctx ended first.
func enqueue(ctx context.Context, work chan<- *handshakeJob, j *handshakeJob, slots int) bool {
	select {
	case work <- j:
		return true
	default:
	}
	waited := time.Now()
	select {
	case work <- j:
		j.out.log.add("waited %s for a handshake slot (all %d in use)", time.Since(waited).Round(time.Millisecond), slots)
		return true
	case <-ctx.Done():
		return false
	}
}

// firstBytes waits, within the timeout counted from the accept, for the
// client to send its first byte, so a client that connects and says
// nothing (a port check, a client stuck before its ClientHello) costs a
// waiting goroutine and never one of the handshake slots. The byte, or the
// error the wait met, is handed to the handshake by the returned conn.
func (s *server) firstBytes(ctx context.Context, raw net.Conn) *firstByteConn {
	c := &firstByteConn{Conn: raw}
	raw.SetReadDeadline(time.Now().Add(s.opts.timeout()))
	stop := context.AfterFunc(ctx, func() { raw.SetReadDeadline(time.Unix(1, 0)) })
	c.n, c.err = raw.Read(c.b[:])
	stop()
	if c.err != nil && ctx.Err() != nil {
		c.err = fmt.Errorf("server stopping: %w", ctx.Err())
	}
	return c
}

// firstByteConn gives back the byte firstBytes read before reading on, or
// the error it met.
type firstByteConn struct {
	net.Conn
	b   [1]byte
	n   int
	err error
}

func (c *firstByteConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.n > 0 && len(p) > 0 {
		p[0], c.n = c.b[0], 0
		return 1, nil
	}
	return c.Conn.Read(p)
}
