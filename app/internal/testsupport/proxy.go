package testsupport

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy on loopback in front of a real server. Cut simulates
// a network partition: the proxy keeps accepting connections and reading
// bytes but forwards nothing, so clients see silence (timeouts), not a
// refused or reset connection. Restore heals the partition and the held
// bytes flow again, as TCP retransmission would deliver them.
//
// Stop and Start simulate a stopped server instead: connections are
// refused (and open ones reset) until Start listens again on the same port.
//
// It lets a test make PostgreSQL or Redis "unreachable" for one client
// without touching the server that other tests share.
type Proxy struct {
	addr   string
	target string

	mu      sync.Mutex
	ln      net.Listener
	stopped bool
	open    chan struct{} // closed while traffic flows
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// NewProxy listens on 127.0.0.1:0 and forwards to target; it is closed at
// test cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{ln: ln, addr: ln.Addr().String(), target: target, open: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	close(p.open)
	p.wg.Add(1)
	go p.accept(ln)
	t.Cleanup(p.Close)
	return p
}

// NewStoppedProxy reserves a loopback port for target without listening on
// it yet: connections are refused until Start, like a server that is down.
func NewStoppedProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := NewProxy(t, target)
	p.Stop()
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// Stop closes the listener (new connections are refused) and every open
// connection, as a stopped server would. Idempotent.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.stopped || p.closed {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

// Start listens again on the proxy's address after Stop.
func (p *Proxy) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped || p.closed {
		return nil
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln, p.stopped = ln, false
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

// Cut stops forwarding (idempotent).
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
		p.open = make(chan struct{})
	default: // already cut
	}
}

// Restore resumes forwarding (idempotent).
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
	default:
		close(p.open)
	}
}

func (p *Proxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.Restore() // release goroutines waiting at the gate
	p.wg.Wait()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	_ = c.Close()
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			return
		}
		p.wg.Add(1)
		go p.handle(client)
	}
}

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	done := make(chan struct{})
	// Hold the connection during a cut before even dialing: a new
	// connection to a partitioned server never completes its handshake.
	select {
	case <-p.gate():
	case <-done:
	}
	server, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(context.Background(), "tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer stop(); p.pipe(server, client, done) }()
	go func() { defer wg.Done(); defer stop(); p.pipe(client, server, done) }()
	<-done
	// Closing both ends unblocks the other direction's Read.
	_ = client.Close()
	_ = server.Close()
	wg.Wait()
}

// pipe copies src to dst, holding each chunk while the proxy is cut.
func (p *Proxy) pipe(dst, src net.Conn, done <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-p.gate():
			case <-done:
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
