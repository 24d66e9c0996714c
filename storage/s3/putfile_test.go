package s3

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/storage"
)

// randomBytes returns n bytes from a seeded generator (fast, reproducible).
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	_, _ = r.Read(b)
	return b
}

// writeFile writes data to a temporary file and returns its path and SHA-256.
func writeFile(t *testing.T, data []byte) (path, sha256hex string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return path, hex.EncodeToString(sum[:])
}

// readAll reads a whole object back.
func readAll(t *testing.T, s *Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(ctx, key, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// incomplete lists the unfinished multipart uploads of key. (MinIO lists
// uploads only by exact object name, not by prefix.)
func incomplete(t *testing.T, s *Store, key string) []string {
	t.Helper()
	res, err := s.core.ListMultipartUploads(ctx, s.cfg.Bucket, s.cfg.key(key), "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range res.Uploads {
		ids = append(ids, u.Key+" "+u.UploadID)
	}
	return ids
}

func TestPutFileVerifies(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "putfile", "p")) // 5 MiB parts
	for _, tc := range []struct {
		name string
		size int
	}{{"Empty", 0}, {"SinglePart", 300 << 10}, {"ExactlyOnePart", MinPartSize}, {"Multipart", 20 << 20}, {"MultipartShortLast", 11<<20 + 7}} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(tc.size, uint64(tc.size))
			path, sum := writeFile(t, data)
			key := "warcs/" + tc.name + ".warc.gz"
			if err := s.PutFile(ctx, key, path, int64(len(data)), sum); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, s, key); !bytes.Equal(got, data) {
				t.Fatalf("stored object (%d bytes) differs from the file (%d bytes)", len(got), len(data))
			}
			oi, err := s.client.StatObject(ctx, s.cfg.Bucket, s.cfg.key(key), minio.StatObjectOptions{Checksum: true})
			if err != nil {
				t.Fatal(err)
			}
			// One PUT: the object's SHA-256 is the file's. Parts: the
			// composite CRC32C of as many parts.
			stored := oi.ChecksumSHA256
			wantParts := 0
			if tc.size > MinPartSize {
				wantParts = (tc.size + MinPartSize - 1) / MinPartSize
				stored = oi.ChecksumCRC32C
			} else if want, _ := hex.DecodeString(sum); stored != b64(want) {
				t.Errorf("stored SHA-256 %q, the file's is %q", stored, b64(want))
			}
			t.Logf("%d bytes: stored checksum %s (%s)", tc.size, stored, oi.ChecksumMode)
			if _, parts := splitPartCount(stored); parts != wantParts {
				t.Errorf("stored checksum %q, want one of %d parts", stored, wantParts)
			}
			if ids := incomplete(t, s, key); len(ids) > 0 {
				t.Errorf("unfinished uploads left: %v", ids)
			}
		})
	}
}

// TestPutFileWrongSHA256 passes a digest the file does not have: the
// server refuses the single PUT, the local pass catches the multipart one,
// and neither leaves an object or an unfinished upload.
func TestPutFileWrongSHA256(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "wrongsum", ""))
	for _, size := range []int{1000, 12 << 20} {
		path, _ := writeFile(t, randomBytes(size, 1))
		other := sha256.Sum256([]byte("something else"))
		const key = "k"
		err := s.PutFile(ctx, key, path, int64(size), hex.EncodeToString(other[:]))
		t.Logf("%d bytes: %v", size, err)
		if !errors.Is(err, ErrVerify) {
			t.Errorf("%d bytes: %v, want ErrVerify", size, err)
		}
		if _, err := s.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%d bytes: an object is left: %v", size, err)
		}
		if ids := incomplete(t, s, key); len(ids) > 0 {
			t.Errorf("%d bytes: unfinished uploads left: %v", size, ids)
		}
	}
}

// TestVerifyFallbacks covers responses without a checksum: StatObject's
// checksum decides then, and when the store reports none either, the
// object is read back and hashed. A mismatch deletes the object.
func TestVerifyFallbacks(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "fallbacks", ""))
	data := randomBytes(100<<10, 2)
	sum := sha256.Sum256(data)
	other := sha256.Sum256([]byte("x"))
	path, sumHex := writeFile(t, data)

	// With a stored checksum (as PutFile leaves it): StatObject decides.
	if err := s.PutFile(ctx, "stat", path, int64(len(data)), sumHex); err != nil {
		t.Fatal(err)
	}
	if err := s.verify(ctx, "stat", "stat", int64(len(data)), expected{whole: sum[:]}, ""); err != nil {
		t.Errorf("stat of a good object: %v", err)
	}
	err := s.verify(ctx, "stat", "stat", int64(len(data)), expected{whole: other[:]}, "")
	t.Logf("stat mismatch: %v", err)
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "stored SHA-256") {
		t.Errorf("stat mismatch: %v, want ErrVerify from the stored checksum", err)
	}
	if _, err := s.Stat(ctx, "stat"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the mismatching object was not deleted: %v", err)
	}

	// A plain upload stores no checksum: the object is read back.
	if _, err := s.client.PutObject(ctx, "fallbacks", "plain", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableContentSha256: true}); err != nil {
		t.Fatal(err)
	}
	oi, err := s.client.StatObject(ctx, "fallbacks", "plain", minio.StatObjectOptions{Checksum: true})
	if err != nil || oi.ChecksumSHA256 != "" {
		t.Fatalf("want an object without a SHA-256: %q %v", oi.ChecksumSHA256, err)
	}
	if err := s.verify(ctx, "plain", "plain", int64(len(data)), expected{whole: sum[:]}, ""); err != nil {
		t.Errorf("read-back of a good object: %v", err)
	}
	err = s.verify(ctx, "plain", "plain", int64(len(data)), expected{whole: other[:]}, "")
	t.Logf("read-back mismatch: %v", err)
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "read back") {
		t.Errorf("read-back mismatch: %v, want ErrVerify from the read-back", err)
	}
	if _, err := s.Stat(ctx, "plain"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the mismatching object was not deleted: %v", err)
	}
}

func TestCompareChecksum(t *testing.T) {
	whole, comp := []byte("whole"), []byte("comp")
	single, multi := expected{whole: whole}, expected{whole: whole, composite: comp, parts: 3}
	tests := []struct {
		got      string
		exp      expected
		ok, good bool
	}{
		{"", single, false, false},
		{b64(whole), single, true, true},
		{b64(comp), single, true, false},
		{b64(comp) + "-3", multi, true, true},
		{b64(whole) + "-3", multi, true, false},
		{b64(comp) + "-4", multi, false, false}, // split differently: read back
		{b64(whole), multi, false, false},       // a full-object checksum of a multipart upload
		{b64(whole) + "-1", single, false, false},
	}
	for _, tc := range tests {
		problem, ok := compareChecksum(tc.got, tc.exp)
		if ok != tc.ok || (ok && (problem == "") != tc.good) {
			t.Errorf("%q parts %d: problem %q ok %v", tc.got, tc.exp.parts, problem, ok)
		}
	}
}

func TestPutFileBadArguments(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "badargs", ""))
	path, sum := writeFile(t, []byte("twelve bytes"))
	for name, err := range map[string]error{
		"size":    s.PutFile(ctx, "k", path, 13, sum),
		"sha256":  s.PutFile(ctx, "k", path, 12, "abc"),
		"missing": s.PutFile(ctx, "k", path+".none", 12, sum),
		"key":     s.PutFile(ctx, "../k", path, 12, sum),
	} {
		if err == nil || errors.Is(err, ErrVerify) {
			t.Errorf("%s: %v, want a plain error", name, err)
		}
	}
	if _, err := s.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("an object is left: %v", err)
	}
}

// TestPutFileStoreKilledMidUpload kills MinIO while a 200 MiB file goes
// up in 5 MiB parts: PutFile fails, no object appears, and the next
// PutFile of the key (what `vellum upload` does) aborts the unfinished
// upload the dead server kept and uploads the file whole.
func TestPutFileStoreKilledMidUpload(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "outage", "p"))
	data := randomBytes(200<<20, 3)
	path, sum := writeFile(t, data)
	const key = "warcs/big.warc.gz"
	errc := make(chan error, 1)
	go func() { errc <- s.PutFile(ctx, key, path, int64(len(data)), sum) }()

	waitParts(t, s, key, 3) // then pull the plug
	m.Stop(t)
	stopped := time.Now()
	select {
	case err := <-errc:
		t.Logf("PutFile failed %v after the kill: %v", time.Since(stopped).Round(time.Millisecond), err)
		if err == nil {
			t.Fatal("PutFile succeeded with the store down")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("PutFile still running 60 s after the store died")
	}

	m.Restart(t)
	if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after the failed upload, Stat = %v, want ErrNotFound", err)
	}
	t.Logf("unfinished uploads after the restart: %v", incomplete(t, s, key))

	if err := s.PutFile(ctx, key, path, int64(len(data)), sum); err != nil {
		t.Fatalf("retry after the restart: %v", err)
	}
	if ids := incomplete(t, s, key); len(ids) > 0 {
		t.Errorf("unfinished uploads still there after the retry: %v", ids)
	}
	if got := readAll(t, s, key); !bytes.Equal(got, data) {
		t.Errorf("the object differs from the file")
	}
}

// TestPutFileSurvivesShortOutage restarts MinIO in the middle of a
// multipart upload: the parts that fail are retried (their bodies are
// seekable sections of the file) and the upload completes, verified.
func TestPutFileSurvivesShortOutage(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "blip", ""))
	data := randomBytes(100<<20, 4)
	path, sum := writeFile(t, data)
	const key = "warcs/blip.warc.gz"
	errc := make(chan error, 1)
	go func() { errc <- s.PutFile(ctx, key, path, int64(len(data)), sum) }()
	waitParts(t, s, key, 3)
	m.Restart(t) // kills it, starts it again
	if err := <-errc; err != nil {
		t.Fatalf("PutFile across a restart: %v", err)
	}
	if got := readAll(t, s, key); !bytes.Equal(got, data) {
		t.Errorf("the object differs from the file")
	}
	if ids := incomplete(t, s, key); len(ids) > 0 {
		t.Errorf("unfinished uploads left: %v", ids)
	}
}

// waitParts waits until MinIO holds n parts of key's unfinished upload.
func waitParts(t *testing.T, s *Store, key string, n int) {
	t.Helper()
	start := time.Now()
	for deadline := start.Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the upload never got going")
		}
		if got := storedParts(t, s, key); got >= n {
			t.Logf("%d parts stored after %v", got, time.Since(start).Round(time.Millisecond))
			return
		}
	}
}

// storedParts counts the parts MinIO holds for key's unfinished upload.
func storedParts(t *testing.T, s *Store, key string) int {
	res, err := s.core.ListMultipartUploads(ctx, s.cfg.Bucket, s.cfg.key(key), "", "", "", 10)
	if err != nil || len(res.Uploads) == 0 {
		return 0
	}
	parts, err := s.core.ListObjectParts(ctx, s.cfg.Bucket, s.cfg.key(key), res.Uploads[0].UploadID, 0, 1000)
	if err != nil {
		return 0
	}
	return len(parts.ObjectParts)
}
