package record

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/vellumhq/vellum/warc"
)

// RecordWriter stores recorded exchanges. Implementations must be safe for
// concurrent use.
type RecordWriter interface {
	WriteExchange(ex *Exchange) (ExchangeRecords, error)
}

// Exchange is one request and response exactly as they crossed the wire.
type Exchange struct {
	TargetURI string
	Date      time.Time // when the connection was taken for the request
	IP        string
	Request   []byte
	Response  io.ReaderAt
	RespSize  int64
	Digest    *warc.HTTPDigester // fed the response bytes; nil means the writer computes digests
	Truncated string
}

// ExchangeRecords says where an exchange was written.
type ExchangeRecords struct {
	RequestID  string
	ResponseID string
	Response   warc.Entry
	Prior      *Prior // the latest earlier capture of the URL; nil when there was none (or no dedup)
	Revisit    bool   // the response was identical to Prior and written as a revisit record
}

// Prior is the latest earlier capture of a URL, as much of it as a response
// is compared with to be written as a revisit of it.
type Prior struct {
	URL               string
	Timestamp         string // 14 digits, UTC
	Type              string // warc.TypeResponse or warc.TypeRevisit
	RecordID          string
	Status            int
	Digest            string // payload digest
	RefersToURL       string // of a revisit: the capture that holds the payload
	RefersToTimestamp string
}

// PriorFunc finds the latest earlier capture of a URL, for deduplication.
type PriorFunc func(url string) (Prior, bool)

// Indexer indexes the records a Recorder writes: those of an exchange, and
// metadata records with their JSON block. It is told of each write that
// succeeded; its error is the write's.
type Indexer interface {
	AddExchange(entries []warc.Entry) error
	AddMetadata(e warc.Entry, block []byte) error
}

// Recorder is the RecordWriter of a capture: it writes request/response pairs
// and metadata records into rotating WARC files and queues their index rows.
type Recorder struct {
	fw    *warc.FileWriter
	index Indexer // nil: no index
	newID func() string
	prior PriorFunc // nil: no deduplication
	fail  func(error)
}

var _ RecordWriter = (*Recorder)(nil)

// NewRecorder writes into fw and, when ix is not nil, indexes through ix.
func NewRecorder(fw *warc.FileWriter, ix Indexer) *Recorder {
	return &Recorder{fw: fw, index: ix, newID: newRecordID}
}

// Dedup makes the recorder write a response whose payload is identical to
// the latest earlier capture of its URL (same payload digest and status) as
// a revisit record (DESIGN §4): the HTTP header only, with
// WARC-Refers-To-Target-URI and WARC-Refers-To-Date naming the capture that
// holds the payload.
func (r *Recorder) Dedup(prior PriorFunc) { r.prior = prior }

// OnFailure makes the recorder call fail with the error of every write to the
// archive (WARC file or index) that fails, besides returning it: a run stops
// at the first (a full disk) rather than fail each later page the same way.
func (r *Recorder) OnFailure(fail func(error)) { r.fail = fail }

func (r *Recorder) failed(err error) error {
	if err != nil && r.fail != nil {
		r.fail(err)
	}
	return err
}

func newRecordID() string { return "<urn:uuid:" + uuid.NewString() + ">" }

// WriteExchange writes the request and response records of ex, together in
// one file.
func (r *Recorder) WriteExchange(ex *Exchange) (ExchangeRecords, error) {
	reqID, respID := r.newID(), r.newID()
	var reqHdr, respHdr warc.Header
	if ex.IP != "" {
		reqHdr.Add("WARC-IP-Address", ex.IP)
		respHdr.Add("WARC-IP-Address", ex.IP)
	}
	reqHdr.Add("WARC-Concurrent-To", respID)
	if ex.Truncated != "" {
		respHdr.Add("WARC-Truncated", ex.Truncated)
	}
	resp := &warc.Record{
		Type: warc.TypeResponse, ID: respID, TargetURI: ex.TargetURI, Date: ex.Date,
		ContentType: "application/http; msgtype=response", Header: respHdr,
		Block: ex.Response, BlockSize: ex.RespSize,
	}
	orig, found := r.lookup(ex)
	dup := found && orig.Digest == ex.Digest.PayloadDigest() && orig.Status == ex.Digest.Status()
	switch {
	case dup:
		refURI, refTS := orig.URL, orig.Timestamp
		if orig.Type == warc.TypeRevisit && orig.RefersToURL != "" && orig.RefersToTimestamp != "" {
			refURI, refTS = orig.RefersToURL, orig.RefersToTimestamp
		}
		resp.Type = warc.TypeRevisit
		resp.Block, resp.BlockSize = io.NewSectionReader(ex.Response, 0, int64(ex.Digest.HeaderLen())), int64(ex.Digest.HeaderLen())
		respHdr.Add("WARC-Profile", warc.ProfileIdenticalPayloadDigest)
		respHdr.Add("WARC-Refers-To-Target-URI", refURI)
		if t, err := warc.ParseTimestamp14(refTS); err == nil {
			respHdr.Add("WARC-Refers-To-Date", t.UTC().Format(time.RFC3339))
		}
		if orig.Type == warc.TypeResponse && orig.RecordID != "" {
			respHdr.Add("WARC-Refers-To", orig.RecordID)
		}
		respHdr.Add("WARC-Payload-Digest", ex.Digest.PayloadDigest())
		resp.Header = respHdr
	case ex.Digest != nil:
		respHdr.Add("WARC-Block-Digest", ex.Digest.BlockDigest())
		respHdr.Add("WARC-Payload-Digest", ex.Digest.PayloadDigest())
		resp.Header = respHdr
	}
	entries, err := r.fw.Write(
		&warc.Record{
			Type: warc.TypeRequest, ID: reqID, TargetURI: ex.TargetURI, Date: ex.Date,
			ContentType: "application/http; msgtype=request", Header: reqHdr,
			Block: bytes.NewReader(ex.Request), BlockSize: int64(len(ex.Request)),
		},
		resp,
	)
	if err != nil {
		return ExchangeRecords{}, r.failed(fmt.Errorf("write %s: %w", ex.TargetURI, err))
	}
	out := ExchangeRecords{RequestID: reqID, ResponseID: respID}
	if found {
		out.Prior, out.Revisit = &orig, dup
	}
	for _, e := range entries {
		if e.ID == respID {
			out.Response = e
		}
	}
	if r.index == nil {
		return out, nil
	}
	return out, r.failed(r.index.AddExchange(entries))
}

// lookup finds the latest earlier capture of ex's URL. A response that
// carries the same payload with the same status is written as a revisit of
// it; cut-off responses never are, so they are not looked up.
func (r *Recorder) lookup(ex *Exchange) (Prior, bool) {
	if r.prior == nil || ex.Digest == nil || ex.Truncated != "" || ex.Digest.HeaderLen() <= 0 {
		return Prior{}, false
	}
	return r.prior(ex.TargetURI)
}

// WriteMetadata writes the metadata record of a page: its JSON block at
// "urn:pageinfo:<page URL>" (never the page's own URL, which other tools'
// indexes would take for the page), with the page's date, concurrent to the
// page's response record.
func (r *Recorder) WriteMetadata(target string, date time.Time, concurrentTo string, block []byte) (warc.Entry, error) {
	e, err := r.writeOwn(warc.TypeMetadata, warc.PageInfoURI(target), date, concurrentTo, "application/json", block)
	if err != nil || r.index == nil {
		return e, err
	}
	return e, r.failed(r.index.AddMetadata(e, block))
}

// WriteResource writes a resource record that Vellum made of a capture (the
// screenshot of a page in a browser, at "urn:view:<page URL>"), with the
// page's date, concurrent to the page's response record, and indexes it.
func (r *Recorder) WriteResource(target string, date time.Time, concurrentTo, contentType string, block []byte) (warc.Entry, error) {
	e, err := r.writeOwn(warc.TypeResource, target, date, concurrentTo, contentType, block)
	if err != nil || r.index == nil {
		return e, err
	}
	return e, r.failed(r.index.AddExchange([]warc.Entry{e}))
}

// writeOwn writes a record Vellum made of a page, concurrent to the page's
// response record.
func (r *Recorder) writeOwn(typ, target string, date time.Time, concurrentTo, contentType string, block []byte) (warc.Entry, error) {
	var h warc.Header
	if concurrentTo != "" {
		h.Add("WARC-Concurrent-To", concurrentTo)
	}
	entries, err := r.fw.Write(&warc.Record{
		Type: typ, ID: r.newID(), TargetURI: target, Date: date,
		ContentType: contentType, Header: h,
		Block: bytes.NewReader(block), BlockSize: int64(len(block)),
	})
	if err != nil {
		return warc.Entry{}, r.failed(fmt.Errorf("write %s record %s: %w", typ, target, err))
	}
	return entries[0], nil
}
