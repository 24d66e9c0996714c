package index

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Batcher collects rows from many goroutines and writes them in batches, so a
// crawl writing thousands of records a second costs a few transactions a
// second. Rows reach the database within FlushInterval; Close writes the rest.
//
// The rows of a WARC file being written (FileOpened) name it by the name it
// will have, but until FileClosed it exists only as "<name>.open", and may
// never exist under its name (a full disk, a crash: Repair then makes it
// final and indexes it anew). Such rows are therefore held apart, in tables
// no lookup reads, and move in with the batch after FileClosed: the index
// never points into a file that does not exist.
type Batcher struct {
	w        BatchWriter
	interval time.Duration
	max      int

	mu      sync.Mutex
	caps    []Capture
	pages   []Page
	writing map[string]bool // files being written
	closed  []string        // files made final since the last batch
	err     error           // first write error; later Adds return it

	kick chan struct{}
	done chan struct{}
	stop chan struct{}
	once sync.Once
}

// FlushInterval is how long rows wait in a Batcher at most.
const FlushInterval = 250 * time.Millisecond

// NewBatcher starts a batcher writing to idx. Close it to flush and stop.
func (x *Index) NewBatcher() *Batcher { return NewBatcherTo(x) }

// BatchWriter writes the batches of a Batcher: *Index, and the PostgreSQL
// index (index/postgres).
type BatchWriter interface {
	// WriteBatch writes one batch in one transaction: the rows of final
	// files, settling their attempts; the rows of files being written,
	// held apart where no lookup reads them; and for each file made final
	// since the last batch, its held rows moved in.
	WriteBatch(ctx context.Context, b Batch) error
}

// Batch is one batch of a Batcher.
type Batch struct {
	Captures     []Capture // of final files
	Pages        []Page
	HeldCaptures []Capture // of files being written
	HeldPages    []Page
	Closed       []string // files made final since the last batch
}

// NewBatcherTo starts a batcher writing to w. Close it to flush and stop.
func NewBatcherTo(w BatchWriter) *Batcher {
	b := &Batcher{
		w:        w,
		interval: FlushInterval,
		max:      1000,
		writing:  map[string]bool{},
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		stop:     make(chan struct{}),
	}
	go b.loop()
	return b
}

// Add queues rows. It returns the error of an earlier failed write, if any.
func (b *Batcher) Add(caps []Capture, pages []Page) error {
	b.mu.Lock()
	b.caps = append(b.caps, caps...)
	b.pages = append(b.pages, pages...)
	full := len(b.caps)+len(b.pages) >= b.max
	err := b.err
	b.mu.Unlock()
	if full {
		b.wake()
	}
	return err
}

// FileOpened says that the WARC file name (relative to the archive, as rows
// name it) is being written: its rows are held apart until FileClosed. It is
// meant for warc.FileWriterConfig.OnCreate, so it is called before any row of
// the file is added.
func (b *Batcher) FileOpened(name string) {
	b.mu.Lock()
	b.writing[name] = true
	b.mu.Unlock()
}

// FileClosed says that the file name now exists under that name (it is meant
// for warc.FileWriterConfig.OnClose, called after the rename): its rows move
// in with the next batch, and rows of it added later go straight in.
func (b *Batcher) FileClosed(name string) {
	b.mu.Lock()
	if b.writing[name] {
		delete(b.writing, name)
		b.closed = append(b.closed, name)
	}
	b.mu.Unlock()
	b.wake()
}

func (b *Batcher) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Close writes what is queued, stops the batcher and returns the first write
// error. Rows of files never closed stay held apart: Repair indexes such a
// file anew, and Rebuild drops them once the file is gone.
func (b *Batcher) Close() error {
	b.once.Do(func() { close(b.stop) })
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *Batcher) loop() {
	defer close(b.done)
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			b.flush()
			return
		case <-t.C:
		case <-b.kick:
		}
		b.flush()
	}
}

// rows are the capture and page rows of one batch.
type rows struct {
	caps  []Capture
	pages []Page
}

func (b *Batcher) flush() {
	b.mu.Lock()
	var final, held rows
	for _, c := range b.caps {
		if b.writing[c.Filename] {
			held.caps = append(held.caps, c)
		} else {
			final.caps = append(final.caps, c)
		}
	}
	for _, p := range b.pages {
		if b.writing[p.Filename] {
			held.pages = append(held.pages, p)
		} else {
			final.pages = append(final.pages, p)
		}
	}
	closed := b.closed
	b.caps, b.pages, b.closed = nil, nil, nil
	b.mu.Unlock()
	if len(final.caps)+len(final.pages)+len(held.caps)+len(held.pages)+len(closed) == 0 {
		return
	}
	// A batch is written even when the crawl's context is cancelled: the
	// records are already in the WARC, and the index must say so.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := b.w.WriteBatch(ctx, Batch{Captures: final.caps, Pages: final.pages, HeldCaptures: held.caps,
		HeldPages: held.pages, Closed: closed})
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		// The batch goes back to the queue, to be tried again with the next
		// (a busy or briefly full disk): a closed file's rows must not stay
		// held apart for good. Its writer stops at the first failure (the
		// error Add returns), so little more comes; a queue that still grows
		// past retainMax rows is dropped, and `vellum index` restores it.
		if len(b.caps)+len(b.pages)+len(final.caps)+len(final.pages)+len(held.caps)+len(held.pages) <= retainMax {
			b.caps = append(append(final.caps, held.caps...), b.caps...)
			b.pages = append(append(final.pages, held.pages...), b.pages...)
			b.closed = append(closed, b.closed...)
		}
		b.mu.Unlock()
	}
}

// WriteBatch writes one batch of a Batcher in one transaction.
func (x *Index) WriteBatch(ctx context.Context, b Batch) error {
	return x.inTx(ctx, func(tx *sql.Tx) error {
		if err := insert(ctx, tx, b.Captures, b.Pages); err != nil {
			return err
		}
		if err := insertInto(ctx, tx, "open_", b.HeldCaptures, b.HeldPages); err != nil {
			return err
		}
		for _, name := range b.Closed {
			if err := moveIn(ctx, tx, name); err != nil {
				return err
			}
		}
		return nil
	})
}

// retainMax bounds the rows a failing Batcher keeps to try again.
const retainMax = 100_000

// moveIn moves the rows held apart for a file, now final, to the tables
// lookups read, and settles which attempts of their URLs are final.
func moveIn(ctx context.Context, tx *sql.Tx, name string) error {
	for _, table := range []string{"captures", "pages"} {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO `+table+` SELECT * FROM open_`+table+` WHERE filename = ?`, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM open_`+table+` WHERE filename = ?`, name); err != nil {
			return err
		}
	}
	return settleFile(ctx, tx, name)
}

// dropOrphanedOpenRows drops the rows held apart for files under root that
// are no longer being written as "<name>.open" (a writer that failed or
// crashed, whose file Repair made final or removed).
func dropOrphanedOpenRows(ctx context.Context, tx *sql.Tx, root string) error {
	rs, err := tx.QueryContext(ctx, `SELECT filename FROM open_captures UNION SELECT filename FROM open_pages`)
	if err != nil {
		return err
	}
	var gone []string
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			rs.Close()
			return err
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)) + ".open"); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, name)
		}
	}
	if err := errors.Join(rs.Err(), rs.Close()); err != nil {
		return err
	}
	for _, name := range gone {
		for _, table := range []string{"open_captures", "open_pages"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE filename = ?`, name); err != nil {
				return err
			}
		}
	}
	return nil
}
