package warc

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// WARC-Type values.
const (
	TypeWarcinfo = "warcinfo"
	TypeRequest  = "request"
	TypeResponse = "response"
	TypeRevisit  = "revisit"
	TypeResource = "resource"
	TypeMetadata = "metadata"
)

// ProfileIdenticalPayloadDigest is the WARC-Profile of a revisit record whose
// payload is identical to the one it refers to.
const ProfileIdenticalPayloadDigest = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

// Record is one record to write.
type Record struct {
	Type      string
	TargetURI string    // written without angle brackets
	Date      time.Time // zero: the writer's clock; written in UTC, second precision
	ID        string    // "": a new "<urn:uuid:...>"
	// ContentType is the Content-Type of the block ("" omits the field), e.g.
	// "application/http; msgtype=response".
	ContentType string
	// Header holds further fields, written after the standard ones in order
	// (WARC-IP-Address, WARC-Concurrent-To, WARC-Truncated, WARC-Refers-To-*,
	// WARC-Profile, ...). A WARC-Block-Digest or WARC-Payload-Digest given here
	// is written as given, never recomputed; a Content-Length here is ignored.
	Header Header
	// Block is the record's content (nil: empty). The writer may read it twice:
	// once for the digests, once for the output.
	Block     io.ReaderAt
	BlockSize int64
}

// NewRecordID returns a new random record ID, "<urn:uuid:...>" (UUID version 4).
func NewRecordID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("<urn:uuid:%x-%x-%x-%x-%x>", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
