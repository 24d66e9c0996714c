package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/storage"
)

// Run runs the suite; newStore must return an empty store each time.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutThenReadWholeAndRanges", putThenRead},
		{"MissingKeyIsErrNotFound", missingKey},
		{"PutReplaces", putReplaces},
		{"ShortReaderLeavesNoObject", shortReader},
		{"ListByPrefixInKeyOrder", listByPrefix},
		{"DeleteIsIdempotent", deleteIdempotent},
		{"InvalidKeysAreRefused", invalidKeys},
		{"ConcurrentPuts", concurrentPuts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

func put(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func read(t *testing.T, s storage.Store, key string, off, n int64) []byte {
	t.Helper()
	rc, err := s.Open(ctx, key, off, n)
	if err != nil {
		t.Fatalf("Open %s [%d,+%d): %v", key, off, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func putThenRead(t *testing.T, s storage.Store) {
	data := make([]byte, 300<<10)
	rand.Read(data)
	key := "warcs/2026/11/25/run-00000.warc.gz"
	put(t, s, key, data)
	if got := read(t, s, key, 0, -1); !bytes.Equal(got, data) {
		t.Errorf("whole object differs (%d bytes)", len(got))
	}
	for _, r := range [][2]int64{{0, 1}, {1000, 4096}, {int64(len(data)) - 10, 10}, {int64(len(data)) - 10, 100}} {
		want := data[r[0]:min(r[0]+r[1], int64(len(data)))]
		if got := read(t, s, key, r[0], r[1]); !bytes.Equal(got, want) {
			t.Errorf("range %v: got %d bytes, want %d", r, len(got), len(want))
		}
	}
	info, err := s.Stat(ctx, key)
	if err != nil || info.Size != int64(len(data)) || info.Key != key {
		t.Errorf("Stat: %+v %v", info, err)
	}
}

func missingKey(t *testing.T, s storage.Store) {
	if _, err := s.Open(ctx, "warcs/none.warc.gz", 0, -1); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open of a missing key: %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "warcs/none.warc.gz"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a missing key: %v, want ErrNotFound", err)
	}
}

func putReplaces(t *testing.T, s storage.Store) {
	put(t, s, "a/b.cdxj", []byte("first version, longer"))
	put(t, s, "a/b.cdxj", []byte("second"))
	if got := read(t, s, "a/b.cdxj", 0, -1); string(got) != "second" {
		t.Errorf("after two Puts: %q", got)
	}
}

// failingReader returns some bytes, then an error, as a file that cannot be
// read to its end would.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk read error")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func shortReader(t *testing.T, s storage.Store) {
	err := s.Put(ctx, "x/short.warc.gz", &failingReader{n: 1000}, 5000)
	if err == nil {
		t.Fatal("Put of a reader that fails midway succeeded")
	}
	if _, err := s.Stat(ctx, "x/short.warc.gz"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a failed Put left an object behind: %v", err)
	}
	err = s.Put(ctx, "x/short2.warc.gz", strings.NewReader("only 10 b."), 5000)
	if err == nil {
		t.Error("Put with fewer bytes than its size succeeded")
	}
	if _, err := s.Stat(ctx, "x/short2.warc.gz"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a short Put left an object behind: %v", err)
	}
}

func listByPrefix(t *testing.T, s storage.Store) {
	keys := []string{"warcs/2026/11/26/b.cdxj", "warcs/2026/11/25/a.warc.gz", "warcs/2026/11/25/a.cdxj", "runs/r1.json"}
	for _, k := range keys {
		put(t, s, k, []byte(k))
	}
	var got []string
	err := s.List(ctx, "warcs/", func(in storage.Info) error {
		if in.Size != int64(len(in.Key)) {
			t.Errorf("List size of %s: %d", in.Key, in.Size)
		}
		got = append(got, in.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"warcs/2026/11/25/a.cdxj", "warcs/2026/11/25/a.warc.gz", "warcs/2026/11/26/b.cdxj"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("List warcs/: %v, want %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.List(ctx, "", func(storage.Info) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("List did not stop at fn's error: %v after %d", err, n)
	}
}

func deleteIdempotent(t *testing.T, s storage.Store) {
	put(t, s, "d/x", []byte("x"))
	for i := 0; i < 2; i++ {
		if err := s.Delete(ctx, "d/x"); err != nil {
			t.Errorf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := s.Stat(ctx, "d/x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleted key still there: %v", err)
	}
}

func invalidKeys(t *testing.T, s storage.Store) {
	for _, k := range []string{"", "/etc/passwd", "../outside", "a/../../b", "a//b", "a/./b"} {
		if err := s.Put(ctx, k, strings.NewReader("x"), 1); err == nil {
			t.Errorf("Put accepted key %q", k)
		}
		if _, err := s.Open(ctx, k, 0, -1); err == nil {
			t.Errorf("Open accepted key %q", k)
		}
	}
}

func concurrentPuts(t *testing.T, s storage.Store) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i)}, 50<<10)
			if err := s.Put(ctx, fmt.Sprintf("c/%d", i), bytes.NewReader(data), int64(len(data))); err != nil {
				t.Errorf("Put %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		if got := read(t, s, fmt.Sprintf("c/%d", i), 0, -1); len(got) != 50<<10 || got[0] != byte('a'+i) {
			t.Errorf("object %d wrong after concurrent Puts", i)
		}
	}
}
