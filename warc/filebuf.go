package warc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// fileBufferSize is the size of each of the two write buffers of an open file:
// a write system call carries many small records.
const fileBufferSize = 256 << 10

// flushAge is how long written records may wait in a file's buffer before the
// FileWriter's timer hands them to the file; tests lower it.
var flushAge = time.Second

// fileOutput is the output of an open WARC file. Writes fill a buffer; a full
// buffer goes to a goroutine of the file's own, which writes it to the file,
// adds it to the file's SHA-256 and adds the CDXJ lines of the records written
// before it to the index spool, while the next buffer fills. The write system
// calls, the hashing and the CDXJ lines are thus off the writer's lock, and the
// file is hashed from the bytes written, never read back. A failed write to
// the file is sticky: the bytes not yet written are lost and the file must be
// abandoned. fileOutput is not safe for concurrent use; the FileWriter's lock
// guards it.
type fileOutput struct {
	f       *os.File
	buf     []byte    // being filled
	entries []Entry   // of the records written, to index
	sent    int64     // bytes handed to the goroutine: the file offset of buf[0]
	since   time.Time // when the oldest byte of buf was written

	todo    chan outputJob
	free    chan []byte // written buffers, back
	pending sync.WaitGroup
	done    chan struct{} // closed when the goroutine ends
	failed  atomic.Bool
	// The goroutine's until pending.Wait:
	err   error     // the first write error
	sum   hash.Hash // of the bytes written
	index *cdxjSpool
}

type outputJob struct {
	data    []byte
	entries []Entry
}

func newFileOutput(f *os.File, index *cdxjSpool) *fileOutput {
	o := &fileOutput{f: f, buf: make([]byte, 0, fileBufferSize), sum: sha256.New(), index: index,
		todo: make(chan outputJob, 1), free: make(chan []byte, 2), done: make(chan struct{})}
	o.free <- make([]byte, 0, fileBufferSize)
	go o.run()
	return o
}

func (o *fileOutput) run() {
	defer close(o.done)
	for j := range o.todo {
		if !o.failed.Load() {
			if _, err := o.f.Write(j.data); err != nil {
				o.err = err
				o.failed.Store(true)
			} else {
				o.sum.Write(j.data)
			}
			for _, e := range j.entries {
				o.index.add(e)
			}
		}
		if j.data != nil {
			o.free <- j.data[:0]
		}
		o.pending.Done()
	}
}

// maxQueuedEntries bounds the entries waiting for the goroutine to index them
// (a buffer can hold thousands of tiny records).
const maxQueuedEntries = 128

// indexEntries queues the CDXJ lines of es, for the goroutine.
func (o *fileOutput) indexEntries(es []Entry) {
	for _, e := range es {
		if InCDXJ(e) {
			o.entries = append(o.entries, e)
		}
	}
	if len(o.entries) >= maxQueuedEntries { // their order in the spool does not matter
		o.pending.Add(1)
		o.todo <- outputJob{entries: o.entries}
		o.entries = nil
	}
}

// Write buffers p. It fails only after a write to the file failed.
func (o *fileOutput) Write(p []byte) (int, error) {
	if o.failed.Load() {
		return 0, o.wait()
	}
	n := len(p)
	for len(p) > 0 {
		if len(o.buf) == cap(o.buf) {
			o.flush()
		}
		if len(o.buf) == 0 {
			o.since = time.Now()
		}
		k := min(len(p), cap(o.buf)-len(o.buf))
		o.buf = append(o.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// size returns the bytes written, buffered ones included.
func (o *fileOutput) size() int64 { return o.sent + int64(len(o.buf)) }

// buffered returns how many bytes wait in the buffer being filled.
func (o *fileOutput) buffered() int { return len(o.buf) }

// flush hands the buffer and the entries to index to the goroutine, without
// waiting for the write.
func (o *fileOutput) flush() {
	if len(o.buf) == 0 && len(o.entries) == 0 {
		return
	}
	o.pending.Add(1)
	o.todo <- outputJob{o.buf, o.entries}
	o.sent += int64(len(o.buf))
	o.buf, o.entries = <-o.free, nil
}

// wait waits until every byte handed to the goroutine is written, and returns
// the write error, if any.
func (o *fileOutput) wait() error {
	o.pending.Wait()
	return o.err
}

// sync writes every byte to the file (without fsync).
func (o *fileOutput) sync() error {
	o.flush()
	return o.wait()
}

// cut drops every byte from offset off on, from the buffer or the file, so
// that the next byte written lands at off.
func (o *fileOutput) cut(off int64) error {
	if off > o.size() {
		return errors.New("cut beyond the end")
	}
	if off >= o.sent {
		o.buf = o.buf[:off-o.sent]
		return nil
	}
	o.buf = o.buf[:0]
	if err := o.wait(); err != nil {
		return err
	}
	o.sent = off
	if err := o.f.Truncate(off); err != nil {
		return o.fail(err)
	}
	if _, err := o.f.Seek(off, io.SeekStart); err != nil {
		return o.fail(err)
	}
	// The goroutine hashed what was cut off: hash the file anew. This is rare:
	// only a failing record written past a full buffer gets here.
	o.sum.Reset()
	if _, err := io.Copy(o.sum, io.NewSectionReader(o.f, 0, off)); err != nil {
		return o.fail(err)
	}
	return nil
}

func (o *fileOutput) fail(err error) error {
	o.err = err
	o.failed.Store(true)
	return err
}

// finish writes every byte to the file, stops the goroutine and returns the
// hex SHA-256 of the file.
func (o *fileOutput) finish() (string, error) {
	err := o.sync()
	o.stop()
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(o.sum.Sum(nil)), nil
}

// stop stops the goroutine once it has written what it was handed. The bytes
// still in the buffer are dropped.
func (o *fileOutput) stop() {
	select {
	case <-o.done:
		return
	default:
	}
	close(o.todo)
	<-o.done
}
