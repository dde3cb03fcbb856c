package pubsub

import (
	"context"
	"errors"
	"fmt"

	ps "cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Local is an in-process Pub/Sub fake (pstest, on a loopback port) with a
// real client connected to it. pstest sends one message per stream every
// 10 ms and keeps every message in memory: use several streams
// (SubscriberConfig.NumGoroutines) and bounded bursts.
type Local struct {
	Server *pstest.Server
	Client *ps.Client
	conn   *grpc.ClientConn
}

// StartLocal starts pstest and connects a client for project to it. opts
// add pstest reactors, such as pstest.WithErrorInjection, for fault tests.
func StartLocal(ctx context.Context, project string, opts ...pstest.ServerReactorOption) (*Local, error) {
	srv := pstest.NewServer(opts...)
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("dial pstest: %w", err)
	}
	c, err := ps.NewClient(ctx, project, option.WithGRPCConn(conn))
	if err != nil {
		_ = conn.Close()
		_ = srv.Close()
		return nil, fmt.Errorf("pubsub.NewClient: %w", err)
	}
	return &Local{Server: srv, Client: c, conn: conn}, nil
}

// Close closes the client, the connection and the server.
func (l *Local) Close() error {
	return errors.Join(l.Client.Close(), l.conn.Close(), l.Server.Close())
}
