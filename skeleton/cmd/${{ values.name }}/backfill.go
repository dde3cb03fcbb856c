package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/backfill"
	"${{ values.goModule }}/config"
)

// backfill loads a file of events into the configured store.
func (c *cli) backfill(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	file := fs.String("file", "", `JSONL or CSV file of events ("-" = stdin)`)
	format := fs.String("format", "", "input format: jsonl or csv (default: from the file extension)")
	batch := fs.Int("batch", backfill.DefaultBatchSize, fmt.Sprintf("events per store write (1-%d)", backfill.MaxBatchSize))
	allowInvalid := fs.Bool("allow-invalid", false, "exit 0 even when some records are invalid (they are still reported)")
	output := fs.String("output", "text", "report format: text or json")
	if err := c.parse(fs, args, "backfill --file PATH [--format jsonl|csv] [--batch N] [--allow-invalid]"); err != nil {
		return helpOK(err)
	}
	if *file == "" {
		return badInput("backfill: --file is required")
	}
	if *output != "text" && *output != "json" {
		return badInput("backfill: --output must be text or json, got %q", *output)
	}
	if *format == "" {
		*format = backfill.FormatFromPath(*file)
	}
	if *format != backfill.JSONL && *format != backfill.CSV {
		return badInput("backfill: cannot tell the format of %q: pass --format jsonl or --format csv", *file)
	}
	if *batch < 1 || *batch > backfill.MaxBatchSize {
		return badInput("backfill: --batch must be from 1 to %d, got %d", backfill.MaxBatchSize, *batch)
	}
	var in io.Reader = c.stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return badInput("backfill: %w", err)
		}
		defer f.Close()
		in = f
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	log := c.logger(cfg)
	res, runErr := backfill.Run(ctx, in, store, backfill.Options{Format: *format, BatchSize: *batch, Progress: func(r backfill.Result) {
		if r.Batches%20 == 0 {
			log.Info("backfill progress", "records", r.Records, "written", r.Written, "duplicates", r.Duplicates, "invalid", r.InvalidCount)
		}
	}})
	if *output == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil && runErr == nil {
			runErr = fmt.Errorf("write report: %w", err)
		}
	} else {
		for _, inv := range res.Invalid {
			fmt.Fprintf(c.stdout, "%s:%d: %s: %s\n", *file, inv.Line, inv.Reason, inv.Error)
		}
		if res.InvalidCount > len(res.Invalid) {
			fmt.Fprintf(c.stdout, "… and %d more invalid records\n", res.InvalidCount-len(res.Invalid))
		}
		fmt.Fprintf(c.stdout, "records=%d valid=%d written=%d duplicates=%d invalid=%d batches=%d\n",
			res.Records, res.Valid, res.Written, res.Duplicates, res.InvalidCount, res.Batches)
	}
	if runErr != nil {
		if flightevents.ErrorCode(runErr) == flightevents.EUNAVAILABLE {
			return remote(fmt.Errorf("%w (re-run the backfill: writes are idempotent)", runErr))
		}
		return &ExitCodeError{Code: ExitFailure, Err: runErr}
	}
	if res.InvalidCount > 0 && !*allowInvalid {
		return &ExitCodeError{Code: ExitFailure, Err: fmt.Errorf("backfill: %d invalid records (listed above); fix them or pass --allow-invalid", res.InvalidCount)}
	}
	return nil
}
