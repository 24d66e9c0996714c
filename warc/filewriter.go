package warc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// smallRecord is the size under which a record is compressed into memory
// outside the file lock, so that goroutines compress in parallel; bigger
// records are streamed into the file under the lock.
const smallRecord = 4 << 20

// FileWriterConfig configures a FileWriter.
type FileWriterConfig struct {
	Root string // archive root; Filenames are relative to it
	// Dir names the folder of a file created at t, relative to Root and
	// slash-separated (Vellum's archive layout gives "warcs/YYYY/MM/DD");
	// nil puts files in Root itself. The caller owns the layout: this
	// package names no folder.
	Dir     func(t time.Time) string
	Prefix  string // file name prefix, e.g. the run ID
	MaxSize int64  // rotate once a file reaches this size (default 1 GiB)
	// GzipLevel is the compression level (0: gzip.DefaultCompression).
	GzipLevel int
	// Warcinfo holds the fields of each file's warcinfo block (software, format,
	// run-id, operator, hostname, robots, ...).
	Warcinfo Header
	// Now and NewID (defaults time.Now and NewRecordID) may be called from
	// several goroutines at once.
	Now   func() time.Time
	NewID func() string
	// OnCreate, when set, is called with the Filename (relative to Root, the
	// final name) of each new file, before any record of it is returned; the
	// file exists only as "<name>.open" until OnClose. It is called under the
	// writer's lock and must not call the FileWriter.
	OnCreate func(filename string)
	// OnClose, when set, is called after a file is final (renamed), outside the
	// writer's lock.
	OnClose func(ClosedFile)
}

// ClosedFile describes a finished WARC file.
type ClosedFile struct {
	Path     string // absolute final path
	Filename string // relative to Root, slash-separated
	Size     int64
	SHA256   string // hex of the whole file
	Records  int    // records in the file, warcinfo included
}

// FileWriter writes records into rotating files
// Root/Dir(t)/<Prefix>-<serial>.warc.gz (t from Now when each file is
// created). A file is written as "<name>.open" under an exclusive
// flock and starts with a warcinfo record. On rotation and Close it is fsynced,
// its CDXJ index written beside it as "<Prefix>-<serial>.cdxj", and it is
// renamed to its final name. A FileWriter is safe for concurrent use.
//
// Writes to a file are buffered (fileBufferSize), and a goroutine per open
// file writes the full buffers, hashes them and writes the CDXJ lines, outside
// the writer's lock. Records reach the file when a buffer fills, on rotation
// and Close, and at the latest about a second (flushAge) after they were
// written. A crash thus loses at most the records of the last second or so,
// which Repair treats like any cut-off end of a file. When writing to a file
// fails, the records still buffered for it are lost with it, though their
// Write succeeded: the file is abandoned as ".open" (for RepairOpenFiles), and
// a later Write, or Close, returns the error.
//
// The CDXJ lines of the open file wait unsorted in "<Prefix>-<serial>.cdxj.open"
// beside it, and are sorted when it is finished with bounded memory (in memory
// up to cdxjSortMem bytes of lines, by merging sorted runs beyond), so a
// FileWriter's memory does not grow with the size of its files.
type FileWriter struct {
	cfg FileWriterConfig
	enc *encoder

	mu     sync.Mutex
	cur    *openFile
	serial int
	infoID string // ID of the warcinfo record of the current or next file
	closed bool
	bufs   sync.Pool // *bytes.Buffer
}

type openFile struct {
	f                   *os.File
	openPath, finalPath string
	rel                 string
	out                 *fileOutput
	w                   *Writer
	cdxj                *cdxjSpool // filled by out's goroutine
	records             int
	flushTimer          *time.Timer // flushes out when its oldest bytes are flushAge old
	timerSet            bool
}

// NewFileWriter returns a FileWriter; its first file is created by the first Write.
func NewFileWriter(cfg FileWriterConfig) (*FileWriter, error) {
	if cfg.Root == "" || cfg.Prefix == "" {
		return nil, errors.New("warc: new file writer: Root and Prefix are required")
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = 1 << 30
	}
	if cfg.GzipLevel == 0 {
		cfg.GzipLevel = gzip.DefaultCompression
	}
	if cfg.GzipLevel < gzip.HuffmanOnly || cfg.GzipLevel > gzip.BestCompression {
		return nil, fmt.Errorf("warc: new file writer: bad gzip level %d", cfg.GzipLevel)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	enc := newEncoder(cfg.GzipLevel, cfg.Now, cfg.NewID)
	return &FileWriter{cfg: cfg, enc: enc, infoID: enc.newID()}, nil
}

// Write writes the records contiguously into one file, in order, and returns
// their entries. It fills WARC-Record-ID, WARC-Date, Content-Length,
// Content-Type, WARC-Warcinfo-ID, WARC-Block-Digest (all records) and
// WARC-Payload-Digest (responses: over the de-chunked HTTP entity when the block
// is application/http, else the block; resources: the block; revisits: only
// when given) unless given in Record.Header.
func (fw *FileWriter) Write(recs ...*Record) ([]Entry, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	fw.mu.Lock()
	closed, info := fw.closed, fw.infoID
	fw.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	b := batch{preps: make([]*prepared, len(recs)), sizes: make([]int, len(recs)), buf: fw.getBuffer()}
	defer fw.putBuffer(b.buf)
	var estimate int64
	for i, rec := range recs {
		p, err := fw.enc.prepare(rec, info)
		if err != nil {
			return nil, fmt.Errorf("warc: write %s record: %w", rec.Type, err)
		}
		b.preps[i], b.sizes[i] = p, -1
		if p.size+int64(len(p.header)) >= smallRecord {
			estimate += p.size
			continue
		}
		n := b.buf.Len()
		if err := fw.enc.encode(b.buf, p, true); err != nil {
			return nil, fmt.Errorf("warc: write %s: %w", p.entry.ID, err)
		}
		b.sizes[i] = b.buf.Len() - n
	}
	estimate += int64(b.buf.Len())
	var done []ClosedFile
	defer func() { fw.notify(done) }()
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil, ErrClosed
	}
	return fw.writeLocked(&b, estimate, &done)
}

// batch holds the records of one Write call, the small ones compressed back
// to back in one buffer so that they reach the file in one write.
type batch struct {
	preps []*prepared
	buf   *bytes.Buffer
	sizes []int // size of each record's member in buf; -1: streamed under the lock
}

func (fw *FileWriter) writeLocked(b *batch, estimate int64, done *[]ClosedFile) ([]Entry, error) {
	if c := fw.cur; c != nil && c.out.failed.Load() { // an earlier batch failed to reach the file
		err := c.out.wait()
		fw.abandon(c)
		return nil, fmt.Errorf("warc: write %s: %w", c.openPath, err)
	}
	if c := fw.cur; c != nil && c.records > 1 && c.w.Offset()+estimate > fw.cfg.MaxSize {
		cf, err := fw.finalize()
		if err != nil {
			return nil, err
		}
		*done = append(*done, cf)
	}
	if fw.cur == nil {
		if err := fw.create(); err != nil {
			return nil, err
		}
	}
	c := fw.cur
	start := c.w.Offset()
	for _, p := range b.preps {
		if p.autoInfo && p.fields.Get("WARC-Warcinfo-ID") != fw.infoID {
			// The file rotated since the batch was prepared: the encoded
			// records name the old warcinfo, so stream them all anew.
			for i, p := range b.preps {
				p.setWarcinfoID(fw.infoID)
				b.sizes[i] = -1
			}
			break
		}
	}
	entries := make([]Entry, 0, len(b.preps))
	data := b.buf.Bytes()
	for i := 0; i < len(b.preps); {
		var es []Entry
		var err error
		if b.sizes[i] < 0 {
			var e Entry
			e, err = c.w.writePrepared(b.preps[i])
			es = []Entry{e}
			i++
		} else { // a run of records encoded back to back
			j, n := i, 0
			for ; j < len(b.preps) && b.sizes[j] >= 0; j++ {
				n += b.sizes[j]
			}
			es, err = c.w.writeRun(b.preps[i:j], b.sizes[i:j], data[:n])
			data = data[n:]
			i = j
		}
		if err != nil {
			fw.undo(c, start)
			return nil, err
		}
		entries = append(entries, es...)
	}
	c.out.indexEntries(entries)
	c.records += len(entries)
	fw.committed(c)
	if c.w.Offset() >= fw.cfg.MaxSize {
		cf, err := fw.finalize()
		if err != nil {
			return entries, err
		}
		*done = append(*done, cf)
	}
	return entries, nil
}

// committed marks the end of a whole Write to c: the bytes it left in the
// buffer go to the file within flushAge.
func (fw *FileWriter) committed(c *openFile) {
	if !c.timerSet && c.out.buffered() > 0 {
		c.flushTimer.Reset(flushAge - time.Since(c.out.since))
		c.timerSet = true
	}
}

// flushStale hands the buffered records of c to the file once the oldest of
// them is flushAge old. A failure to write them is kept by c.out; the next
// Write reports it.
func (fw *FileWriter) flushStale(c *openFile) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.cur != c {
		return
	}
	c.timerSet = false
	if c.out.buffered() == 0 {
		return
	}
	if wait := flushAge - time.Since(c.out.since); wait > 0 {
		c.flushTimer.Reset(wait)
		c.timerSet = true
		return
	}
	c.out.flush()
}

// undo cuts a failed batch off the file so the file stays whole. When even
// that fails, the file is abandoned.
func (fw *FileWriter) undo(c *openFile, start int64) {
	if c.out.cut(start) == nil {
		c.w.off = start
		return
	}
	fw.abandon(c)
}

// abandon leaves the current file as ".open", for RepairOpenFiles to trim;
// a file that nothing reached (its warcinfo was still buffered) is removed,
// so that no empty WARC file is left behind.
func (fw *FileWriter) abandon(c *openFile) {
	c.flushTimer.Stop()
	c.out.stop()
	c.cdxj.discard()
	c.removeIfEmpty()
	_ = c.f.Close()
	fw.cur, fw.infoID = nil, fw.enc.newID()
}

// removeIfEmpty removes the file of c when none of its bytes reached it.
func (c *openFile) removeIfEmpty() {
	if fi, err := c.f.Stat(); err == nil && fi.Size() == 0 {
		_ = os.Remove(c.openPath)
	}
}

// Sync hands every record written so far to the operating system (no
// fsync): once it returns, a crash of the process — not of the machine —
// keeps them. A resumable crawl calls it before it records URLs as done.
func (fw *FileWriter) Sync() error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.cur == nil {
		return nil
	}
	return fw.cur.out.sync()
}

// create opens the next file and writes its warcinfo record.
func (fw *FileWriter) create() error {
	now := fw.cfg.Now().UTC()
	dir := fw.cfg.Root
	if fw.cfg.Dir != nil {
		dir = filepath.Join(dir, filepath.FromSlash(fw.cfg.Dir(now)))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("warc: create file: %w", err)
	}
	var f *os.File
	var name string
	for {
		name = fmt.Sprintf("%s-%05d.warc.gz", fw.cfg.Prefix, fw.serial)
		fw.serial++
		final := filepath.Join(dir, name)
		if _, err := os.Lstat(final); err == nil {
			continue
		}
		var err error
		if f, err = createLocked(final + ".open"); errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("warc: create %s: %w", final, err)
		}
		break
	}
	finalPath := filepath.Join(dir, name)
	rel, err := relSlash(fw.cfg.Root, finalPath)
	if err != nil {
		f.Close()
		return fmt.Errorf("warc: create %s: %w", finalPath, err)
	}
	spool, err := newCDXJSpool(cdxjPath(finalPath))
	if err != nil {
		f.Close()
		return err
	}
	if fw.cfg.OnCreate != nil {
		fw.cfg.OnCreate(rel)
	}
	c := &openFile{f: f, openPath: finalPath + ".open", finalPath: finalPath, rel: rel, out: newFileOutput(f, spool), cdxj: spool}
	c.w = newStreamWriter(fw.enc, c.out, true, writerConfig{filename: rel})
	if _, err := c.w.writeWarcinfo(fw.infoID, now, name, fw.cfg.Warcinfo); err != nil {
		c.out.stop()
		spool.discard()
		f.Close()
		return err
	}
	c.records = 1
	c.flushTimer = time.AfterFunc(time.Hour, func() { fw.flushStale(c) })
	c.flushTimer.Stop()
	fw.cur = c
	fw.committed(c)
	return nil
}

// Close finishes the current file. Later writes fail with ErrClosed.
func (fw *FileWriter) Close() error {
	fw.mu.Lock()
	if fw.closed {
		fw.mu.Unlock()
		return nil
	}
	fw.closed = true
	var done []ClosedFile
	var err error
	if fw.cur != nil {
		var cf ClosedFile
		if cf, err = fw.finalize(); err == nil {
			done = append(done, cf)
		}
	}
	fw.mu.Unlock()
	fw.notify(done)
	return err
}

func (fw *FileWriter) notify(done []ClosedFile) {
	if fw.cfg.OnClose == nil {
		return
	}
	for _, cf := range done {
		fw.cfg.OnClose(cf)
	}
}

func (fw *FileWriter) getBuffer() *bytes.Buffer {
	if b, ok := fw.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (fw *FileWriter) putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 4*smallRecord {
		fw.bufs.Put(b)
	}
}

// createLocked creates the file at path (os.ErrExist when there is one)
// already locked: it is made under another name, locked, then linked at
// path, so that a repair (of this process or another) never finds it
// unlocked and takes it for a crash's.
func createLocked(path string) (*os.File, error) {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("lock: %w", err)
	}
	err = os.Link(tmp, path)
	os.Remove(tmp)
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
