package capture

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/vellumhq/vellum/index"
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
}

// Recorder is the RecordWriter of a capture: it writes request/response pairs
// and metadata records into rotating WARC files and queues their index rows.
type Recorder struct {
	fw    *warc.FileWriter
	index *index.Batcher // nil: no index
	newID func() string
}

var _ RecordWriter = (*Recorder)(nil)

// NewRecorder writes into fw and, when b is not nil, indexes through b.
func NewRecorder(fw *warc.FileWriter, b *index.Batcher) *Recorder {
	return &Recorder{fw: fw, index: b, newID: newRecordID}
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
	if ex.Digest != nil {
		respHdr.Add("WARC-Block-Digest", ex.Digest.BlockDigest())
		respHdr.Add("WARC-Payload-Digest", ex.Digest.PayloadDigest())
	}
	entries, err := r.fw.Write(
		&warc.Record{
			Type: warc.TypeRequest, ID: reqID, TargetURI: ex.TargetURI, Date: ex.Date,
			ContentType: "application/http; msgtype=request", Header: reqHdr,
			Block: bytes.NewReader(ex.Request), BlockSize: int64(len(ex.Request)),
		},
		&warc.Record{
			Type: warc.TypeResponse, ID: respID, TargetURI: ex.TargetURI, Date: ex.Date,
			ContentType: "application/http; msgtype=response", Header: respHdr,
			Block: ex.Response, BlockSize: ex.RespSize,
		},
	)
	if err != nil {
		return ExchangeRecords{}, fmt.Errorf("write %s: %w", ex.TargetURI, err)
	}
	out := ExchangeRecords{RequestID: reqID, ResponseID: respID}
	for _, e := range entries {
		if e.ID == respID {
			out.Response = e
		}
	}
	return out, r.addToIndex(entries, nil)
}

// WriteMetadata writes the metadata record of a page: its JSON block, the
// page's URL and date, concurrent to the page's response record.
func (r *Recorder) WriteMetadata(target string, date time.Time, concurrentTo string, block []byte) (warc.Entry, error) {
	var h warc.Header
	if concurrentTo != "" {
		h.Add("WARC-Concurrent-To", concurrentTo)
	}
	entries, err := r.fw.Write(&warc.Record{
		Type: warc.TypeMetadata, ID: r.newID(), TargetURI: target, Date: date,
		ContentType: "application/json", Header: h,
		Block: bytes.NewReader(block), BlockSize: int64(len(block)),
	})
	if err != nil {
		return warc.Entry{}, fmt.Errorf("write metadata of %s: %w", target, err)
	}
	var pages []index.Page
	if p, err := index.PageOf(entries[0], block); err == nil {
		pages = append(pages, p)
	}
	return entries[0], r.addToIndex(nil, pages)
}

func (r *Recorder) addToIndex(entries []warc.Entry, pages []index.Page) error {
	if r.index == nil {
		return nil
	}
	var caps []index.Capture
	for _, e := range entries {
		if !warc.Indexed(e) {
			continue
		}
		if c, err := index.CaptureOf(e); err == nil {
			caps = append(caps, c)
		}
	}
	return r.index.Add(caps, pages)
}
