package browser

import (
	"net"
	"sync"
)

// limitListener caps the browser's connections at a time and keeps the
// set of them open, so Close can end every one: net/http forgets a
// connection once a CONNECT hijacks it, and the tunnel it becomes is this
// same connection underneath.
type limitListener struct {
	net.Listener
	sem   chan struct{} // a slot per open connection
	done  chan struct{} // closed by Close: Accept stops waiting for a slot
	close func()

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool // closeConns was called: what is accepted now is closed at once
}

func newLimitListener(l net.Listener, n int) *limitListener {
	ll := &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{}), conns: map[*trackedConn]struct{}{}}
	ll.close = sync.OnceFunc(func() { close(ll.done) })
	return ll
}

// Accept waits for a free slot, then for a connection: the ones beyond the
// cap wait in the kernel's backlog.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	tc := &trackedConn{Conn: c}
	tc.release = sync.OnceFunc(func() {
		l.mu.Lock()
		delete(l.conns, tc)
		l.mu.Unlock()
		<-l.sem
	})
	l.mu.Lock()
	closed := l.closed
	if !closed {
		l.conns[tc] = struct{}{}
	}
	l.mu.Unlock()
	if closed {
		tc.Close()
		return nil, net.ErrClosed
	}
	return tc, nil
}

func (l *limitListener) Close() error {
	l.close()
	return l.Listener.Close()
}

// closeConns closes every open connection and any accepted from now on.
func (l *limitListener) closeConns() {
	l.mu.Lock()
	l.closed = true
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// trackedConn gives its slot back when closed, however often Close is
// called and by whom (net/http, a tunnel, or closeConns).
type trackedConn struct {
	net.Conn
	release func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
