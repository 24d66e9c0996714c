package warc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	Root    string // archive root; files go to Root/warcs/YYYY/MM/DD/
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
// Root/warcs/YYYY/MM/DD/<Prefix>-<serial>.warc.gz (the date from Now when each
// file is created). A file is written as "<name>.open" under an exclusive
// flock and starts with a warcinfo record. On rotation and Close it is fsynced,
// its CDXJ index written beside it as "<Prefix>-<serial>.cdxj", and it is
// renamed to its final name. A FileWriter is safe for concurrent use.
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
	hasher              *fileHasher
	w                   *Writer
	cdxj                []string
	records             int
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
	preps := make([]*prepared, len(recs))
	bufs := make([]*bytes.Buffer, len(recs))
	defer fw.putBuffers(bufs)
	var estimate int64
	for i, rec := range recs {
		p, err := fw.enc.prepare(rec, info)
		if err != nil {
			return nil, fmt.Errorf("warc: write %s record: %w", rec.Type, err)
		}
		preps[i] = p
		if p.size+int64(len(p.header)) >= smallRecord {
			estimate += p.size
			continue
		}
		bufs[i] = fw.getBuffer()
		if err := fw.enc.encode(bufs[i], p, true); err != nil {
			return nil, fmt.Errorf("warc: write %s: %w", p.entry.ID, err)
		}
		estimate += int64(bufs[i].Len())
	}
	var done []ClosedFile
	defer func() { fw.notify(done) }()
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil, ErrClosed
	}
	return fw.writeLocked(preps, bufs, estimate, &done)
}

func (fw *FileWriter) writeLocked(preps []*prepared, bufs []*bytes.Buffer, estimate int64, done *[]ClosedFile) ([]Entry, error) {
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
	entries := make([]Entry, 0, len(preps))
	for i, p := range preps {
		if p.autoInfo && p.fields.Get("WARC-Warcinfo-ID") != fw.infoID {
			p.setWarcinfoID(fw.infoID) // the file rotated since p was prepared
			bufs[i] = nil
		}
		var e Entry
		var err error
		if bufs[i] != nil {
			e, err = c.w.writeEncoded(p, bufs[i].Bytes())
		} else {
			e, err = c.w.writePrepared(p)
		}
		if err != nil {
			fw.undo(c, start)
			return nil, err
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		if Indexed(e) {
			if line, err := e.CDXJ(); err == nil {
				c.cdxj = append(c.cdxj, line)
			}
		}
	}
	c.records += len(entries)
	c.hasher.commit(c.w.Offset())
	if c.w.Offset() >= fw.cfg.MaxSize {
		cf, err := fw.finalize()
		if err != nil {
			return entries, err
		}
		*done = append(*done, cf)
	}
	return entries, nil
}

// undo cuts a failed batch off the file so the file stays whole. When even
// that fails, the file is abandoned as ".open", for RepairOpenFiles to trim.
func (fw *FileWriter) undo(c *openFile, start int64) {
	if c.f.Truncate(start) == nil {
		if _, err := c.f.Seek(start, io.SeekStart); err == nil {
			c.w.off = start
			return
		}
	}
	_, _ = c.hasher.finish(start)
	_ = c.f.Close()
	fw.cur, fw.infoID = nil, fw.enc.newID()
}

// create opens the next file and writes its warcinfo record.
func (fw *FileWriter) create() error {
	now := fw.cfg.Now().UTC()
	dir := filepath.Join(fw.cfg.Root, "warcs", now.Format("2006"), now.Format("01"), now.Format("02"))
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
		f, err = os.OpenFile(final+".open", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("warc: create %s: %w", final, err)
		}
		break
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return fmt.Errorf("warc: lock %s: %w", f.Name(), err)
	}
	finalPath := filepath.Join(dir, name)
	rel, err := relSlash(fw.cfg.Root, finalPath)
	if err != nil {
		f.Close()
		return fmt.Errorf("warc: create %s: %w", finalPath, err)
	}
	c := &openFile{f: f, openPath: f.Name(), finalPath: finalPath, rel: rel}
	c.w = newStreamWriter(fw.enc, f, true, writerConfig{filename: rel})
	if _, err := c.w.writeWarcinfo(fw.infoID, now, name, fw.cfg.Warcinfo); err != nil {
		f.Close()
		return err
	}
	c.records = 1
	c.hasher = startHasher(f)
	c.hasher.commit(c.w.Offset())
	fw.cur = c
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

func (fw *FileWriter) putBuffers(bufs []*bytes.Buffer) {
	for _, b := range bufs {
		if b != nil && b.Cap() <= 2*smallRecord {
			fw.bufs.Put(b)
		}
	}
}
