package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Frontier item kinds.
const (
	KindPage      = 0
	KindRequisite = 1
)

// FrontierItem is a URL a run has claimed: queued, in flight or done.
type FrontierItem struct {
	URL     string
	Kind    int
	Depth   int
	Seed    int // index of the seed it is (pages), -1 otherwise
	Scope   string
	Referer string
	Done    bool
	Change  string // what a finished page was found to be; "" when it was listed as no page
}

// Frontier returns a run's claimed URLs in the order they were claimed.
func (x *Index) Frontier(ctx context.Context, runID string) ([]FrontierItem, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT url, kind, depth, seed, scope, referer, done, change FROM frontier
		WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query frontier: %w", err)
	}
	defer rows.Close()
	var out []FrontierItem
	for rows.Next() {
		var f FrontierItem
		if err := rows.Scan(&f.URL, &f.Kind, &f.Depth, &f.Seed, &f.Scope, &f.Referer, &f.Done, &f.Change); err != nil {
			return nil, fmt.Errorf("index: read frontier: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FinishFrontier ends a finished run's frontier: the page changes it
// recorded move to the changes table and the rest is deleted (a run that
// ended is not resumed; its visited set is the captures of its files).
func (x *Index) FinishFrontier(ctx context.Context, runID string) error {
	err := x.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO changes (run_id, url, change, ts, prev_ts)
			SELECT run_id, `+changeURL+`, change, ts, prev_ts FROM frontier WHERE run_id = ? AND change != ''`, runID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM frontier WHERE run_id = ?`, runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("index: finish frontier of %s: %w", runID, err)
	}
	return nil
}

// FrontierChanges returns the page changes a run has recorded so far in its
// frontier (the run is still going, or was interrupted).
func (x *Index) FrontierChanges(ctx context.Context, runID string) ([]Change, error) {
	return x.changes(ctx, `SELECT run_id, `+changeURL+` AS u, change, ts, prev_ts FROM frontier
		WHERE run_id = ? AND change != '' ORDER BY u`, runID)
}

// changeURL is the page a frontier row's change is about: the URL its
// redirects led to, when they did.
const changeURL = `CASE WHEN page_url != '' THEN page_url ELSE url END`

// FrontierWriter writes a run's frontier in batches from many goroutines:
// claimed URLs and finished ones, in the order they were reported, so that
// whatever prefix of them reached the database before a crash is consistent
// (a URL is marked done only after the URLs it led to were claimed).
type FrontierWriter struct {
	to    FrontierBatchWriter
	runID string

	ops     chan frontierOp
	done    chan struct{}
	err     error
	seq     int64
	barrier atomic.Pointer[func() error]
}

type frontierOp struct {
	item   FrontierItem
	done   bool // mark item.URL done rather than claim it
	change *Change
}

// NewFrontierWriter starts writing the frontier of runID; seq continues the
// claim order of a resumed run. Close it to write the rest.
func (x *Index) NewFrontierWriter(runID string, seq int64) *FrontierWriter {
	return NewFrontierWriterTo(x, runID, seq)
}

// FrontierBatchWriter writes the batches of a FrontierWriter: *Index, and
// the PostgreSQL index (index/postgres).
type FrontierBatchWriter interface {
	// WriteFrontier writes one batch of a run's frontier in one
	// transaction, in order: claims (a URL claimed already is left as it
	// is) and URLs done, with what a page was found to be.
	WriteFrontier(ctx context.Context, runID string, ops []FrontierOp) error
}

// FrontierOp is one entry of a frontier batch.
type FrontierOp struct {
	Item   FrontierItem // the URL claimed, or done (URL only)
	Seq    int64        // a claim's place in the run's claim order
	Done   bool         // mark Item.URL done rather than claim it
	Change Change       // for Done: what the page was found to be ("" when no page)
}

// NewFrontierWriterTo starts writing the frontier of runID to to; seq
// continues the claim order of a resumed run. Close it to write the rest.
func NewFrontierWriterTo(to FrontierBatchWriter, runID string, seq int64) *FrontierWriter {
	w := &FrontierWriter{to: to, runID: runID, ops: make(chan frontierOp, 4096), done: make(chan struct{}), seq: seq}
	go w.loop()
	return w
}

// SetBarrier sets a function called before a batch that marks URLs done is
// written: the crawl's WARC writer hands its buffered records to the file
// there, so that a URL recorded as done has its records on disk.
func (w *FrontierWriter) SetBarrier(f func() error) { w.barrier.Store(&f) }

// Claim records a URL the run will fetch.
func (w *FrontierWriter) Claim(it FrontierItem) { w.ops <- frontierOp{item: it} }

// Done records a URL the run has finished with, and for a page what it
// found changed (nil for requisites and pages that were not archived).
func (w *FrontierWriter) Done(url string, ch *Change) {
	w.ops <- frontierOp{item: FrontierItem{URL: url}, done: true, change: ch}
}

// Close writes what is queued and returns the first write error.
func (w *FrontierWriter) Close() error {
	close(w.ops)
	<-w.done
	return w.err
}

func (w *FrontierWriter) loop() {
	defer close(w.done)
	var batch []frontierOp
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	write := func() {
		// After a failed batch nothing more is written: the database keeps a
		// consistent prefix (a URL done only after the URLs it led to were
		// claimed), which is what a resumed run relies on.
		if len(batch) > 0 && w.err == nil {
			w.err = w.write(batch)
		}
		batch = batch[:0]
	}
	for {
		select {
		case op, ok := <-w.ops:
			if !ok {
				write()
				return
			}
			batch = append(batch, op)
			if len(batch) >= 2000 {
				write()
			}
		case <-t.C:
			write()
		}
	}
}

func (w *FrontierWriter) write(batch []frontierOp) error {
	if b := w.barrier.Load(); b != nil {
		for _, op := range batch {
			if op.done {
				if err := (*b)(); err != nil {
					return err
				}
				break
			}
		}
	}
	ops := make([]FrontierOp, len(batch))
	for i, op := range batch {
		ops[i] = FrontierOp{Item: op.item, Done: op.done}
		if op.done {
			if op.change != nil {
				ops[i].Change = *op.change
			}
		} else {
			w.seq++
			ops[i].Seq = w.seq
		}
	}
	// Written even when the run's context is cancelled: the frontier must
	// match what the WARCs hold.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return w.to.WriteFrontier(ctx, w.runID, ops)
}

// WriteFrontier writes one batch of a FrontierWriter in one transaction.
func (x *Index) WriteFrontier(ctx context.Context, runID string, ops []FrontierOp) error {
	return x.inTx(ctx, func(tx *sql.Tx) error {
		claim, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO frontier (run_id, url, kind, depth, seed, scope, referer, done, seq)
			VALUES (?,?,?,?,?,?,?,0,?)`)
		if err != nil {
			return err
		}
		defer claim.Close()
		done, err := tx.PrepareContext(ctx, `UPDATE frontier SET done = 1, change = ?, page_url = ?, ts = ?, prev_ts = ? WHERE run_id = ? AND url = ?`)
		if err != nil {
			return err
		}
		defer done.Close()
		for _, op := range ops {
			it, c := op.Item, op.Change
			if op.Done {
				_, err = done.ExecContext(ctx, c.Change, c.URL, c.TS, c.PrevTS, runID, it.URL)
			} else {
				_, err = claim.ExecContext(ctx, runID, it.URL, it.Kind, it.Depth, it.Seed, it.Scope, it.Referer, op.Seq)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// FrontierSize returns how many URLs a run has claimed: the seq to continue
// from when it is resumed.
func (x *Index) FrontierSize(ctx context.Context, runID string) (int64, error) {
	var n sql.NullInt64
	err := x.db.QueryRowContext(ctx, `SELECT max(seq) FROM frontier WHERE run_id = ?`, runID).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("index: frontier of %s: %w", runID, err)
	}
	return n.Int64, nil
}
