package cluster

import (
	"context"
	"net"
	"time"
)

// waitTCP waits until something accepts connections on addr.
func waitTCP(ctx context.Context, addr string) error {
	return poll(ctx, 100*time.Millisecond, func() (bool, error) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false, nil
		}
		conn.Close()
		return true, nil
	})
}
