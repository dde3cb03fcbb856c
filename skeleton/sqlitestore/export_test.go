package sqlitestore

import (
	"context"
	"fmt"
	"strings"

	flightevents "${{ values.goModule }}"
)

// HoldWriteLock starts a write transaction on s and returns the function
// that ends it.
func HoldWriteLock(ctx context.Context, s *Store) (func(), error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM events WHERE event_id = 'none'"); err != nil {
		tx.Rollback()
		return nil, err
	}
	return func() { tx.Rollback() }, nil
}

// Columns returns "name TYPE[ NOT NULL]" for each column of the events table.
func Columns(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, type, \"notnull\" FROM pragma_table_info('events') ORDER BY cid")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ string
		var notNull bool
		if err := rows.Scan(&name, &typ, &notNull); err != nil {
			return nil, err
		}
		col := name + " " + typ
		if notNull {
			col += " NOT NULL"
		}
		out = append(out, col)
	}
	return out, rows.Err()
}

// ExplainList returns the query plan of ListEvents for f, one step a line.
func ExplainList(ctx context.Context, s *Store, f flightevents.EventFilter) (string, error) {
	query, args := ListQuery(f)
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			return "", err
		}
		plan = append(plan, fmt.Sprint(detail))
	}
	return strings.Join(plan, "\n"), rows.Err()
}
