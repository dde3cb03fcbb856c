// Command ${{ values.name }} is the flight-events service in one binary:
// the HTTP API (serve), the Pub/Sub subscriber (subscribe), the traffic
// simulator (publish), everything in one process on embedded fakes (local)
// and the OpenAPI document (openapi). Run "${{ values.name }} help".
//
// main only traps signals and maps errors to exit codes; the work is in run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "${{ values.name }}:", err)
		var ec *ExitCodeError
		if errors.As(err, &ec) {
			os.Exit(ec.Code)
		}
		os.Exit(1)
	}
}
