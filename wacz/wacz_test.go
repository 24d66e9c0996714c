package wacz

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/warc"
)

// testWARC writes a gzipped WARC of n HTML responses and returns its bytes
// and entries.
func testWARC(t testing.TB, n int) ([]byte, []warc.Entry) {
	t.Helper()
	var buf bytes.Buffer
	w, err := warc.NewWriter(&buf, true, warc.WithClock(func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	var ents []warc.Entry
	for i := range n {
		body := fmt.Sprintf("<html><title>Page %d</title><p>text %d</p></html>", i, i)
		http := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		es, err := w.Write(&warc.Record{Type: warc.TypeResponse, TargetURI: fmt.Sprintf("http://example.org/p%d", i),
			ContentType: "application/http; msgtype=response", Block: strings.NewReader(http), BlockSize: int64(len(http))})
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, es...)
	}
	return buf.Bytes(), ents
}

// buildWACZ writes a WACZ holding one WARC of n pages.
func buildWACZ(t testing.TB, n int, opts Options) []byte {
	t.Helper()
	data, ents := testWARC(t, n)
	var out bytes.Buffer
	opts.TempDir = t.TempDir()
	w, err := NewWriter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := w.CreateWARC("a.warc.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	for i, e := range ents {
		if err := f.Add(e); err != nil {
			t.Fatal(err)
		}
		if err := w.AddPage(Page{URL: e.TargetURI, TS: e.Date, Title: fmt.Sprintf("Page %d", i), Text: "text"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func verifyBytes(t *testing.T, b []byte) ([]string, Stats) {
	t.Helper()
	var probs []string
	st, err := Verify(bytes.NewReader(b), int64(len(b)), func(p Problem) { probs = append(probs, p.String()) })
	if err != nil {
		probs = append(probs, err.Error())
	}
	return probs, st
}

func TestWrittenWACZVerifies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		compress int64
		index    string
	}{{"cdxj", 0, IndexCDXJ}, {"blocks", -1, IndexGz}} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildWACZ(t, 7000, Options{Title: "T", CompressIndexOver: tc.compress})
			probs, st := verifyBytes(t, b)
			if len(probs) > 0 {
				t.Fatalf("problems: %q", probs)
			}
			if st.Records != 7000 || st.Pages != 7000 {
				t.Fatalf("checked %d records, %d pages; want 7000 each", st.Records, st.Pages)
			}
			zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			names := map[string]uint16{}
			for _, f := range zr.File {
				names[f.Name] = f.Method
			}
			if m, ok := names["archive/a.warc.gz"]; !ok || m != zip.Store {
				t.Fatalf("archive/a.warc.gz missing or compressed: %v", names)
			}
			for _, want := range []string{tc.index, PagesPath, "datapackage.json", "datapackage-digest.json"} {
				if _, ok := names[want]; !ok {
					t.Errorf("no %s in %v", want, names)
				}
			}
		})
	}
}

// tamper returns a copy of the WACZ with one byte of the named stored file
// changed.
func tamper(t *testing.T, b []byte, name string, at int64) []byte {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		if f.Name == name {
			off, _ := f.DataOffset()
			c := bytes.Clone(b)
			c[off+at] ^= 0x20
			return c
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

func TestTamperedWARCFailsVerify(t *testing.T) {
	b := buildWACZ(t, 3, Options{})
	probs, _ := verifyBytes(t, tamper(t, b, "archive/a.warc.gz", 200))
	if len(probs) == 0 || !strings.HasPrefix(probs[0], "archive/a.warc.gz: ") {
		t.Fatalf("problems %q; want a line naming archive/a.warc.gz", probs)
	}
}

// rezip copies a WACZ, replacing the content of the named files.
func rezip(t *testing.T, b []byte, repl map[string][]byte) []byte {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method})
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := repl[f.Name]; ok {
			w.Write(r)
			continue
		}
		rc, _ := f.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return out.Bytes()
}

func readEntry(t *testing.T, b []byte, name string) []byte {
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			defer rc.Close()
			out, _ := io.ReadAll(rc)
			return out
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

func TestRemovedPageFailsVerify(t *testing.T) {
	b := buildWACZ(t, 3, Options{})
	lines := strings.SplitAfter(string(readEntry(t, b, PagesPath)), "\n")
	cut := strings.Join(append(lines[:2:2], lines[3:]...), "")
	probs, _ := verifyBytes(t, rezip(t, b, map[string][]byte{PagesPath: []byte(cut)}))
	if len(probs) != 1 || !strings.HasPrefix(probs[0], PagesPath+": ") || !strings.Contains(probs[0], "datapackage.json") {
		t.Fatalf("problems %q; want one line naming %s", probs, PagesPath)
	}
}

func TestSignature(t *testing.T) {
	key, _, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b := buildWACZ(t, 2, Options{SignKey: key})
	probs, st := verifyBytes(t, b)
	if len(probs) > 0 || !st.Signed {
		t.Fatalf("signed WACZ: problems %q, signed %v", probs, st.Signed)
	}
	// A signature made over another digest, put in this WACZ's digest file.
	other := buildWACZ(t, 3, Options{SignKey: key})
	dg := readEntry(t, b, "datapackage-digest.json")
	odg := readEntry(t, other, "datapackage-digest.json")
	mixed := string(dg[:bytes.Index(dg, []byte(`"signedData"`))]) + string(odg[bytes.Index(odg, []byte(`"signedData"`)):])
	probs, _ = verifyBytes(t, rezip(t, b, map[string][]byte{"datapackage-digest.json": []byte(mixed)}))
	if len(probs) == 0 || !strings.HasPrefix(probs[0], "datapackage-digest.json: signedData signs hash") {
		t.Fatalf("problems %q; want datapackage-digest.json's signature named", probs)
	}
	// The signature of one hash claimed for another.
	var sd = strings.Replace(string(dg), string(dg[bytes.Index(dg, []byte(`"signature": "`))+14:][:20]), "AAAAAAAAAAAAAAAAAAAA", 1)
	probs, _ = verifyBytes(t, rezip(t, b, map[string][]byte{"datapackage-digest.json": []byte(sd)}))
	if len(probs) != 1 || !strings.Contains(probs[0], "signature") {
		t.Fatalf("problems %q; want the bad signature named", probs)
	}
}

// A domain signature (no publicKey, a certificate chain) is named as
// unchecked, not as a problem.
func TestDomainSignatureUnchecked(t *testing.T) {
	key, _, _ := GenerateKey()
	b := buildWACZ(t, 1, Options{SignKey: key})
	var d struct {
		Path       string         `json:"path"`
		Hash       string         `json:"hash"`
		SignedData map[string]any `json:"signedData"`
	}
	json.Unmarshal(readEntry(t, b, "datapackage-digest.json"), &d)
	delete(d.SignedData, "publicKey")
	d.SignedData["domain"], d.SignedData["domainCert"] = "example.org", "-----BEGIN CERTIFICATE-----"
	dg, _ := json.Marshal(d)
	probs, st := verifyBytes(t, rezip(t, b, map[string][]byte{"datapackage-digest.json": []byte(dg)}))
	if len(probs) > 0 || st.Signed || st.Unchecked == "" {
		t.Fatalf("domain signature: problems %q, stats %+v\n%s", probs, st, dg)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	key, pemBytes, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseKey(pemBytes)
	if err != nil || !k2.Equal(key) {
		t.Fatalf("ParseKey: %v", err)
	}
	if _, err := ParseKey([]byte("nope")); err == nil {
		t.Fatal("ParseKey accepted garbage")
	}
}
