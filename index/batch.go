package index

import (
	"context"
	"sync"
	"time"
)

// Batcher collects rows from many goroutines and writes them in batches, so a
// crawl writing thousands of records a second costs a few transactions a
// second. Rows reach the database within FlushInterval; Close writes the rest.
type Batcher struct {
	idx      *Index
	interval time.Duration
	max      int

	mu    sync.Mutex
	caps  []Capture
	pages []Page
	err   error // first write error; later Adds return it

	kick chan struct{}
	done chan struct{}
	stop chan struct{}
	once sync.Once
}

// FlushInterval is how long rows wait in a Batcher at most.
const FlushInterval = 250 * time.Millisecond

// NewBatcher starts a batcher writing to idx. Close it to flush and stop.
func (x *Index) NewBatcher() *Batcher {
	b := &Batcher{
		idx:      x,
		interval: FlushInterval,
		max:      1000,
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
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return err
}

// Close writes what is queued, stops the batcher and returns the first write
// error.
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

func (b *Batcher) flush() {
	b.mu.Lock()
	caps, pages := b.caps, b.pages
	b.caps, b.pages = nil, nil
	b.mu.Unlock()
	if len(caps) == 0 && len(pages) == 0 {
		return
	}
	// A batch is written even when the crawl's context is cancelled: the
	// records are already in the WARC, and the index must say so.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.idx.Add(ctx, caps, pages); err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
}
