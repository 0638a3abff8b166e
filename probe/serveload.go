package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what Serve holds at once, so its memory stays flat however
// many clients connect: a connection waiting in the queue costs a socket
// and about 2 KB, one being served some 20 KB more, a handshake
// in progress some 40 KB of heap and stack.
type Limits struct {
	// Handshakes is the number of TLS handshakes in progress at once; a
	// connection whose client has spoken waits for one of these slots.
	// Zero means DefaultHandshakes.
	Handshakes int
	// Conns is the number of connections served at once, each by its own
	// goroutine, from the wait for the client's first bytes until its
	// verdict is printed: waiting for those bytes or for a handshake slot,
	// in the handshake, waiting for the request, or waiting to be printed.
	// Zero means DefaultConns; never fewer than Handshakes.
	Conns int
	// Queue is the number of connections accepted and waiting for one of
	// the Conns; beyond it Serve stops accepting and the kernel's listen
	// queue holds the rest. Zero means DefaultQueue.
	Queue int
}

const (
	// DefaultHandshakes keeps every core busy on loopback and covers the
	// round trips of clients some 50 ms away, at 2-3 MB of handshake state.
	DefaultHandshakes = 64
	// DefaultConns bounds the connections served at once (some 40 MB at
	// most, their buffers and the garbage between collections included).
	DefaultConns = 1024
	// DefaultQueue lets a burst of clients wait accepted (about 20 MB at
	// most) rather than in the kernel's listen queue, whose overflow
	// drops SYNs that clients then retry only after 1, 3, 7, 15 s...
	DefaultQueue = 10000
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

func (l Limits) queue() int {
	if l.Queue <= 0 {
		return DefaultQueue
	}
	return l.Queue
}

// acceptedConn is a connection waiting in Serve's queue.
type acceptedConn struct {
	conn net.Conn
	at   time.Time
	// busy: every connection slot was taken when it was queued.
	busy bool
}

// handshakeJob is one connection handed to a handshake worker.
type handshakeJob struct {
	conn net.Conn
	out  *serverOutcome
	done chan *tls.Conn // nil when the handshake failed
}

// serveLimited is Serve's accept loop. Accepted connections wait in a
// bounded queue (when it is full Serve stops accepting, and the kernel's
// listen queue holds the rest); a pool of session goroutines, grown as
// needed up to lim.Conns, takes them one at a time; the handshakes run in
// a fixed pool of workers, whose stacks are the only ones to grow to the
// size the handshake's cryptography needs. Every accepted connection is
// delivered exactly once; it returns when every one has been.
func (s *server) serveLimited(ctx context.Context, lim Limits, deliver func(*serverOutcome)) error {
	work := make(chan *handshakeJob)
	var workers sync.WaitGroup
	for range lim.handshakes() {
		workers.Go(func() {
			for j := range work {
				j.done <- s.handshake(ctx, j.conn, j.out)
			}
		})
	}
	defer func() {
		close(work)
		workers.Wait()
	}()
	queue := make(chan acceptedConn, lim.queue())
	var sessions sync.WaitGroup
	defer func() {
		// Sessions end once the queue is drained; with ctx done each
		// remaining connection meets it at once.
		close(queue)
		sessions.Wait()
	}()
	var idle atomic.Int64 // session goroutines waiting on the queue
	started := 0
	var delay time.Duration
	for {
		conn, err := s.accept(ctx, &delay)
		if conn == nil {
			return err
		}
		busy := false
		if idle.Load() == 0 {
			if started < lim.conns() {
				started++
				sessions.Go(func() {
					for {
						idle.Add(1)
						a, ok := <-queue
						idle.Add(-1)
						if !ok {
							return
						}
						deliver(s.session(ctx, a, work, lim))
					}
				})
			} else {
				busy = true
			}
		}
		// Blocks while the queue is full: the kernel's queue takes over.
		queue <- acceptedConn{conn: conn, at: time.Now(), busy: busy}
	}
}

// session is one connection of Serve, from accept to the verdict.
func (s *server) session(ctx context.Context, a acceptedConn, work chan<- *handshakeJob, lim Limits) *serverOutcome {
	raw := a.conn
	out := s.accepted(raw, a.at)
	defer raw.Close()
	if a.busy {
		out.log.add("waited %s in the queue (all %d connection slots in use)", time.Since(a.at).Round(time.Millisecond), lim.conns())
	}
	conn := s.firstBytes(ctx, raw)
	var tc *tls.Conn
	j := &handshakeJob{conn: conn, out: out, done: make(chan *tls.Conn, 1)}
	if conn.err == nil && enqueue(ctx, work, j, lim.handshakes()) {
		tc = <-j.done
	} else {
		// Nothing to compute: the handshake meets the error of the first
		// read, or the stopped ctx, at once.
		tc = s.handshake(ctx, conn, out)
	}
	if tc != nil {
		s.answer(tc, out)
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

// firstBytes waits, within the timeout counted from now, for the
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
