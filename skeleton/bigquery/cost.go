package bigquery

import (
	"context"
	"log/slog"
	"time"

	flightevents "${{ values.goModule }}"
)

// DefaultPricePerTiB is BigQuery's on-demand query (analysis) list price
// in US dollars per TiB (2^40 bytes) processed, in the US multi-region.
// Prices differ by region and contract: set yours in the configuration.
const DefaultPricePerTiB = 6.25

// Units of on-demand billing: bytes are rounded up to whole MiB per
// query, with a minimum of MinBilledBytesPerTable for every table the
// query references.
const (
	MiB                    = 1 << 20
	TiB                    = 1 << 40
	MinBilledBytesPerTable = 10 * MiB
)

// DefaultDryRunTimeout bounds the dry run made next to each query.
const DefaultDryRunTimeout = 5 * time.Second

// Pricing estimates the on-demand cost of a query from the bytes a dry run
// says it processes. It is an estimate: clustering can make the real query
// read less than the dry run (which does not account for block pruning),
// and capacity (slot) pricing bills differently altogether.
type Pricing struct {
	// PricePerTiB is the price in US dollars per TiB processed
	// (DefaultPricePerTiB when zero).
	PricePerTiB float64
}

// BilledBytes returns the bytes an on-demand query that processes
// processed bytes over tables tables is billed: rounded up to a whole MiB
// and at least MinBilledBytesPerTable per table. A query that processes
// nothing (every partition pruned) is taken to bill nothing.
func BilledBytes(processed int64, tables int) int64 {
	if processed <= 0 {
		return 0
	}
	billed := (processed + MiB - 1) / MiB * MiB
	return max(billed, int64(max(tables, 1))*MinBilledBytesPerTable)
}

// Dollars returns the cost of billed bytes at p's price.
func (p Pricing) Dollars(billed int64) float64 {
	price := p.PricePerTiB
	if price <= 0 {
		price = DefaultPricePerTiB
	}
	return float64(billed) / TiB * price
}

// QueryCost is the estimate for one ListEvents query.
type QueryCost struct {
	ProcessedBytes int64   // totalBytesProcessed of the dry run
	BilledBytes    int64   // see BilledBytes
	Dollars        float64 // BilledBytes at the configured price
}

// Estimate returns the cost of a query over one table processing
// processed bytes.
func (p Pricing) Estimate(processed int64) QueryCost {
	billed := BilledBytes(processed, 1)
	return QueryCost{ProcessedBytes: processed, BilledBytes: billed, Dollars: p.Dollars(billed)}
}

// CostRecorder receives every estimate (err set when the dry run failed).
// *metrics.Metrics implements it.
type CostRecorder interface {
	DryRun(processedBytes, billedBytes int64, dollars float64, err error)
}

// CostReportConfig shapes WithCostReport. Zero values take defaults.
type CostReportConfig struct {
	Pricing Pricing
	// Logger gets one INFO line per estimate, logged with the request's
	// context (so with its trace); slog.Default when nil.
	Logger *slog.Logger
	// Recorder exports the estimates (nil: none).
	Recorder CostRecorder
}

// CostReportingStore is a Store whose reads also report their estimated
// cost; see WithCostReport.
type CostReportingStore struct {
	*Store
	cfg CostReportConfig
}

var _ flightevents.EventStore = (*CostReportingStore)(nil)

// WithCostReport returns s with a ListEvents that logs and records the
// totalBytesProcessed, billed bytes and dollars of the dry run of every
// read: the dry run the maximum-bytes-billed guard makes before the query
// (Config.MaxBytesBilled), or, without a cap, one made alongside the query.
// Put it under the /datos cache, so that only uncached reads (the ones
// BigQuery bills) are estimated. The dry run is free; a failed one never
// fails a read, and it bounds the wait for it by Config.DryRunTimeout.
func WithCostReport(s *Store, cfg CostReportConfig) *CostReportingStore {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &CostReportingStore{Store: s, cfg: cfg}
}

// ListEvents reads as Store.ListEvents does and reports the dry run.
func (s *CostReportingStore) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	return s.listEvents(ctx, f, s.report)
}

func (s *CostReportingStore) report(ctx context.Context, f flightevents.EventFilter, processed int64, err error) {
	if err != nil {
		if s.cfg.Recorder != nil {
			s.cfg.Recorder.DryRun(0, 0, 0, err)
		}
		s.cfg.Logger.WarnContext(ctx, "bigquery dry run failed; query cost unknown", "filter", f.String(), "error", err.Error())
		return
	}
	c := s.cfg.Pricing.Estimate(processed)
	limit := s.Store.cfg.MaxBytesBilled
	refused := limit > 0 && c.BilledBytes > limit
	if s.cfg.Recorder != nil {
		if refused { // the query does not run: it bills nothing
			s.cfg.Recorder.DryRun(c.ProcessedBytes, 0, 0, nil)
		} else {
			s.cfg.Recorder.DryRun(c.ProcessedBytes, c.BilledBytes, c.Dollars, nil)
		}
	}
	attrs := []any{
		"filter", f.String(),
		"total_bytes_processed", c.ProcessedBytes,
		"bytes_billed", c.BilledBytes,
		"estimated_cost_usd", c.Dollars,
	}
	if limit > 0 {
		attrs = append(attrs, "maximum_bytes_billed", limit, "refused", refused)
	}
	s.cfg.Logger.InfoContext(ctx, "bigquery query estimate", attrs...)
}
