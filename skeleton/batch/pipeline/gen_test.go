package pipeline_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
)

// corpus is generated input with the answers a correct load must give.
type corpus struct {
	Dir    string
	Files  []string             // in lexical order
	Unique []flightevents.Event // the valid unique events, by event id
	// Dead lists every malformed record as "file:line".
	Dead    []string
	Records int
}

// malformedKinds are the kinds of broken records the corpus holds; each
// returns a JSONL line and a CSV row (nil when the kind is JSON-only).
var malformedKinds = []func(i int) (string, []string){
	func(i int) (string, []string) { // truncated JSON / short CSV row
		return fmt.Sprintf(`{"event_id":"bad-%d","flight_id":"IB3`, i), []string{fmt.Sprintf("bad-%d", i), "IB3456"}
	},
	func(i int) (string, []string) { // a status outside the closed set
		return fmt.Sprintf(`{"event_id":"bad-%d","flight_id":"IB3456","status":"teleported","timestamp":"2026-03-01T08:00:00Z"}`, i),
			[]string{fmt.Sprintf("bad-%d", i), "IB3456", "teleported", "2026-03-01T08:00:00Z"}
	},
	func(i int) (string, []string) { // not an IATA flight designator
		return fmt.Sprintf(`{"event_id":"bad-%d","flight_id":"flight 9","status":"landed","timestamp":"2026-03-01T08:00:00Z"}`, i),
			[]string{fmt.Sprintf("bad-%d", i), "flight 9", "landed", "2026-03-01T08:00:00Z"}
	},
	func(i int) (string, []string) { // a timestamp that is not RFC 3339
		return fmt.Sprintf(`{"event_id":"bad-%d","flight_id":"VY12","status":"landed","timestamp":"01/03/2026 08:00"}`, i),
			[]string{fmt.Sprintf("bad-%d", i), "VY12", "landed", "01/03/2026 08:00"}
	},
	func(i int) (string, []string) { // an unknown field / a missing status
		return fmt.Sprintf(`{"event_id":"bad-%d","flight_id":"VY12","status":"landed","timestamp":"2026-03-01T08:00:00Z","gate":"A1"}`, i),
			[]string{fmt.Sprintf("bad-%d", i), "VY12", "", "2026-03-01T08:00:00Z"}
	},
	func(i int) (string, []string) { // an event id with forbidden characters
		return fmt.Sprintf(`{"event_id":"bad %d!","flight_id":"VY12","status":"landed","timestamp":"2026-03-01T08:00:00Z"}`, i),
			[]string{fmt.Sprintf("bad %d!", i), "VY12", "landed", "2026-03-01T08:00:00Z"}
	},
}

// genCorpus writes nFiles files (the last quarter CSV, the rest JSONL)
// holding records in all: 2 % malformed of several kinds, 5 % repeats of
// an event written to another file, the rest unique valid events (a third
// of them without event_id, which DecodeEvent derives).
func genCorpus(t testing.TB, nFiles, records int) corpus {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(20, uint64(records)))
	statuses := flightevents.Statuses
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := corpus{Dir: dir, Records: records}
	type rec struct {
		ev      flightevents.Event
		derived bool
		bad     int // 1 + index into malformedKinds when malformed
	}
	perFile := make([][]rec, nFiles)
	var uniques []rec
	fileOf := make([]int, 0, records)
	nBad := records * 2 / 100
	nDup := records * 5 / 100
	nUnique := records - nBad - nDup
	for i := range nUnique {
		ev := flightevents.Event{
			FlightID:  fmt.Sprintf("%s%d", []string{"IB", "VY", "UX", "LH"}[i%4], 1+rng.IntN(9999)),
			Status:    statuses[rng.IntN(len(statuses))],
			Timestamp: base.Add(time.Duration(rng.Int64N(int64(300 * 24 * time.Hour)))).Truncate(time.Microsecond),
		}
		r := rec{ev: ev}
		if i%3 == 0 {
			r.derived = true
			r.ev.EventID = flightevents.DeriveEventID(ev.FlightID, ev.Status, ev.Timestamp)
		} else {
			r.ev.EventID = fmt.Sprintf("ev-%07d", i)
		}
		f := rng.IntN(nFiles)
		perFile[f] = append(perFile[f], r)
		uniques = append(uniques, r)
		fileOf = append(fileOf, f)
	}
	for range nDup { // a copy of an event of another file
		k := rng.IntN(len(uniques))
		f := (fileOf[k] + 1 + rng.IntN(nFiles-1)) % nFiles
		perFile[f] = append(perFile[f], uniques[k])
	}
	for i := range nBad {
		f := rng.IntN(nFiles)
		perFile[f] = append(perFile[f], rec{bad: 1 + i%len(malformedKinds)})
	}
	for f := range perFile {
		rng.Shuffle(len(perFile[f]), func(i, j int) { perFile[f][i], perFile[f][j] = perFile[f][j], perFile[f][i] })
		isCSV := f >= nFiles-nFiles/4
		name := filepath.Join(dir, fmt.Sprintf("events-%02d.jsonl", f))
		if isCSV {
			name = filepath.Join(dir, fmt.Sprintf("events-%02d.csv", f))
		}
		fh, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(fh)
		cw := csv.NewWriter(w)
		line := 0
		if isCSV {
			_ = cw.Write([]string{"event_id", "flight_id", "status", "timestamp"})
			line++
		}
		for i, r := range perFile[f] {
			line++
			id := r.ev.EventID
			if r.derived {
				id = ""
			}
			switch {
			case r.bad > 0 && isCSV:
				_, row := malformedKinds[r.bad-1](i)
				_ = cw.Write(row)
				c.Dead = append(c.Dead, fmt.Sprintf("%s:%d", name, line))
			case r.bad > 0:
				l, _ := malformedKinds[r.bad-1](i)
				fmt.Fprintln(w, l)
				c.Dead = append(c.Dead, fmt.Sprintf("%s:%d", name, line))
			case isCSV:
				_ = cw.Write([]string{id, r.ev.FlightID, string(r.ev.Status), r.ev.Timestamp.Format(time.RFC3339Nano)})
			default:
				b := r.ev.Encode()
				if r.derived {
					b = []byte(strings.Replace(string(b), `"event_id":"`+r.ev.EventID+`",`, "", 1))
				}
				w.Write(b)
				w.WriteByte('\n')
			}
			cw.Flush()
		}
		if err := cw.Error(); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
		c.Files = append(c.Files, name)
	}
	slices.Sort(c.Files)
	slices.Sort(c.Dead)
	for _, r := range uniques {
		c.Unique = append(c.Unique, r.ev)
	}
	slices.SortFunc(c.Unique, func(a, b flightevents.Event) int { return strings.Compare(a.EventID, b.EventID) })
	return c
}
