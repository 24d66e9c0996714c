package warc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"sync/atomic"
)

// fileHasher computes the SHA-256 of a file being written, reading back (from
// the page cache) what the writer has committed, in a goroutine of its own. The
// writer's lock is thus not held while hashing, and a single writer's hashing
// runs on another core. Bytes are committed only after a whole Write succeeded,
// so a batch cut off after a failure is never hashed. The goroutine ends in
// finish.
type fileHasher struct {
	f         *os.File
	sum       hash.Hash
	committed atomic.Int64
	hashed    int64 // owned by the goroutine until done is closed
	kicked    int64 // committed size at the last kick; writer side
	kick      chan struct{}
	done      chan struct{}
	err       error
}

func startHasher(f *os.File) *fileHasher {
	h := &fileHasher{f: f, sum: sha256.New(), kick: make(chan struct{}, 1), done: make(chan struct{})}
	go h.run()
	return h
}

// hashBatch is how much committed data wakes the hashing goroutine: waking it
// for every small write would cost more than the hashing.
const hashBatch = 1 << 20

// commit makes the first n bytes of the file ready to hash.
func (h *fileHasher) commit(n int64) {
	h.committed.Store(n)
	if n-h.kicked < hashBatch {
		return
	}
	h.kicked = n
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// finish hashes the first size bytes, stops the goroutine and returns the hex sum.
func (h *fileHasher) finish(size int64) (string, error) {
	h.committed.Store(size)
	close(h.kick)
	<-h.done
	if h.err != nil {
		return "", h.err
	}
	if h.hashed != size {
		return "", fmt.Errorf("hashed %d of %d bytes", h.hashed, size)
	}
	return hex.EncodeToString(h.sum.Sum(nil)), nil
}

func (h *fileHasher) run() {
	defer close(h.done)
	buf := make([]byte, 256<<10)
	for {
		_, open := <-h.kick
		for target := h.committed.Load(); h.hashed < target && h.err == nil; {
			n, err := h.f.ReadAt(buf[:min(int64(len(buf)), target-h.hashed)], h.hashed)
			h.sum.Write(buf[:n])
			h.hashed += int64(n)
			if err != nil && h.hashed < target {
				h.err = fmt.Errorf("hash: %w", err)
			}
		}
		if !open {
			return
		}
	}
}
