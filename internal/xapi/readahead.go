package xapi

import (
	"bufio"
	"context"
	"net"
	"time"
)

// readAheadSize is how much of a connection's input one read may take.
const readAheadSize = 256 << 10

// readAheadConn reads its connection through a large buffer. TLS asks the
// connection for one record at a time (16 KB), so a log page of 15 MB is
// about a thousand reads from the socket; through the buffer, each read
// takes whatever the socket holds, up to 256 KB, and a page costs a
// tenth of the system calls.
type readAheadConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *readAheadConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// dialReadAhead dials as net/http's default transport does (30 s to
// connect, keep-alives every 30 s) and reads through a readAheadConn.
func dialReadAhead() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &readAheadConn{Conn: c, r: bufio.NewReaderSize(c, readAheadSize)}, nil
	}
}
