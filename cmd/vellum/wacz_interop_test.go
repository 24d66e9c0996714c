package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/wacz"
	"github.com/vellumhq/vellum/warc"
)

// TestSignedWACZAndTampering signs an export with a key from keygen, and
// checks that verify names each kind of tampering.
func TestSignedWACZAndTampering(t *testing.T) {
	archive, _, _ := captureFixture(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "vellum.key")
	r := vellum(t, nil, "keygen", "--out", key)
	if r.code != 0 || !strings.Contains(r.stdout, "public key: MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE") {
		t.Fatalf("keygen: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := vellum(t, nil, "keygen", "--out", key); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("keygen over an existing key: %d %s", r.code, r.stderr)
	}
	pub, _, _ := strings.Cut(strings.SplitAfter(r.stdout, "public key: ")[1], "\n")
	signed := filepath.Join(dir, "signed.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", signed, "--sign-key", key); r.code != 0 {
		t.Fatalf("export: %s%s", r.stdout, r.stderr)
	}
	fp := strings.TrimSpace(strings.SplitAfter(r.stdout, "fingerprint: ")[1])
	if r := vellum(t, nil, "verify", signed); r.code != 0 || !strings.Contains(r.stdout, "signature valid, key "+fp) {
		t.Fatalf("verify: %d %s; want the signer's fingerprint %s", r.code, r.stdout, fp)
	}
	// The signer's key, given: as keygen printed it, by fingerprint, or in a file.
	keyFile := filepath.Join(dir, "vellum.pub")
	os.WriteFile(keyFile, []byte("public key: "+pub+"\n"), 0o644)
	for _, want := range []string{pub, fp, keyFile} {
		if r := vellum(t, nil, "verify", "--public-key", want, signed); r.code != 0 {
			t.Errorf("verify --public-key %s: %d %s", want, r.code, r.stdout)
		}
	}
	// Another key's signature is valid, but not the one asked for.
	key2 := filepath.Join(dir, "another.key")
	r2 := vellum(t, nil, "keygen", "--out", key2)
	fp2 := strings.TrimSpace(strings.SplitAfter(r2.stdout, "fingerprint: ")[1])
	bySomeoneElse := filepath.Join(dir, "someone-else.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", bySomeoneElse, "--sign-key", key2); r.code != 0 {
		t.Fatalf("export: %s%s", r.stdout, r.stderr)
	}
	if r := vellum(t, nil, "verify", "--public-key", pub, bySomeoneElse); r.code != 1 ||
		!strings.Contains(r.stdout, "signed by key "+fp2+", not by the --public-key given ("+fp+")") {
		t.Errorf("verify --public-key of another signer: %d %s", r.code, r.stdout)
	}
	if r := vellum(t, nil, "verify", "--public-key", "not-a-key", signed); r.code != 2 || !strings.Contains(r.stderr, `--public-key "not-a-key"`) {
		t.Errorf("verify --public-key not-a-key: %d %s", r.code, r.stderr)
	}
	files := zipEntries(t, signed)
	if !strings.Contains(string(files["datapackage-digest.json"]), `"publicKey": "`+pub+`"`) {
		t.Errorf("the digest does not carry keygen's public key:\n%s", files["datapackage-digest.json"])
	}
	other := filepath.Join(dir, "other.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", other, "--sign-key", key, "--title", "Other"); r.code != 0 {
		t.Fatalf("export: %s%s", r.stdout, r.stderr)
	}
	var warcName string
	for name := range files {
		if strings.HasPrefix(name, "archive/") {
			warcName = name
		}
	}
	pagesLines := strings.SplitAfter(string(files["pages/pages.jsonl"]), "\n")
	digest := string(files["datapackage-digest.json"])
	otherDigest := string(zipEntries(t, other)["datapackage-digest.json"])
	cut := strings.Index(digest, `"signedData"`)
	for _, tc := range []struct {
		name, entry string
		with        func([]byte) []byte
		want        string
	}{
		{"a byte of a WARC", warcName, func(b []byte) []byte { b = append([]byte(nil), b...); b[len(b)/2] ^= 1; return b }, warcName + ": "},
		{"a page removed", "pages/pages.jsonl", func([]byte) []byte { return []byte(pagesLines[0] + strings.Join(pagesLines[2:], "")) }, "pages/pages.jsonl: "},
		{"a signature over another digest", "datapackage-digest.json", func([]byte) []byte { return []byte(digest[:cut] + otherDigest[cut:]) }, "datapackage-digest.json: signedData"},
		{"a signature that names no signer", "datapackage-digest.json", func([]byte) []byte {
			return []byte(regexp.MustCompile(`"publicKey": "[^"]*"`).ReplaceAllString(digest, `"publicKey": ""`))
		}, "datapackage-digest.json: signedData has neither a publicKey nor a domainCert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.wacz")
			replaceInZip(t, signed, bad, tc.entry, tc.with(files[tc.entry]))
			r := vellum(t, nil, "verify", bad)
			if r.code != 1 || !strings.Contains(r.stdout, bad+": "+tc.want) {
				t.Errorf("verify: exit %d, want 1 and a line naming %q:\n%s", r.code, tc.want, r.stdout)
			}
		})
	}
}

// replaceInZip rewrites a zip with Python's zipfile (another tool), the
// named entry's content replaced and every entry stored as it was.
func replaceInZip(t *testing.T, src, dst, entry string, content []byte) {
	t.Helper()
	py := requireTool(t, "python3")
	repl := filepath.Join(t.TempDir(), "content")
	os.WriteFile(repl, content, 0o644)
	script := `import sys, zipfile
src, dst, entry, repl = sys.argv[1:]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
    for info in zi.infolist():
        data = open(repl, "rb").read() if info.filename == entry else zi.read(info)
        zo.writestr(info, data, compress_type=info.compress_type)
`
	if out, err := exec.Command(py, "-c", script, src, dst, entry, repl).CombinedOutput(); err != nil {
		t.Fatalf("python zipfile: %v\n%s", err, out)
	}
}

// TestOtherToolsWACZImportsAndReplays zips other tools' WARCs and a
// pages.jsonl with Python's zipfile, as a WACZ Vellum did not write, and
// imports it: the page replays and has the title pages.jsonl gives it.
func TestOtherToolsWACZImportsAndReplays(t *testing.T) {
	samples := samplesDir(t)
	if samples == "" {
		return
	}
	py := requireTool(t, "python3")
	dir := t.TempDir()
	w := filepath.Join(dir, "theirs.wacz")
	script := `import sys, zipfile, hashlib, json
samples, out = sys.argv[1:]
pages = '{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n' + \
    '{"id": "p1", "url": "http://example.com/", "ts": "2017-03-06T04:02:06Z", "title": "Example from warcio"}\n'
files = {"archive/example.warc.gz": open(samples + "/example.warc.gz", "rb").read(),
         "archive/example-resource.warc.gz": open(samples + "/example-resource.warc.gz", "rb").read(),
         "pages/pages.jsonl": pages.encode()}
res = [{"name": p.split("/")[-1], "path": p, "hash": "sha256:" + hashlib.sha256(b).hexdigest(), "bytes": len(b)} for p, b in files.items()]
pkg = json.dumps({"profile": "data-package", "wacz_version": "1.1.1", "resources": res}).encode()
with zipfile.ZipFile(out, "w") as z:
    for p, b in files.items():
        z.writestr(p, b, compress_type=zipfile.ZIP_STORED)
    z.writestr("datapackage.json", pkg, compress_type=zipfile.ZIP_DEFLATED)
`
	if out, err := exec.Command(py, "-c", script, samples, w).CombinedOutput(); err != nil {
		t.Fatalf("python zipfile: %v\n%s", err, out)
	}
	archive := filepath.Join(dir, "archive")
	r := vellum(t, nil, "import", "--archive", archive, w)
	if r.code != 0 || !strings.Contains(r.stdout, "/example.warc.gz: ") || !strings.Contains(r.stdout, "/pages.warc.gz: 0 captures, 1 pages") {
		t.Fatalf("import: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := vellum(t, nil, "import", "--archive", archive, w); r.code != 0 || strings.Contains(r.stdout, "added") {
		t.Errorf("importing again: %d %s%s", r.code, r.stdout, r.stderr)
	}
	base := replayArchive(t, archive)
	if body := getBody(t, base+"/web/20170306040206id_/http://example.com/"); !strings.Contains(body, "Example Domain") {
		t.Errorf("the imported page does not replay:\n%.300s", body)
	}
	idx, _, err := index.OpenArchive(context.Background(), archive, false)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	key, _ := warc.SURT("http://example.com/")
	pages, err := idx.PagesOf(context.Background(), key)
	if err != nil || len(pages) != 1 || pages[0].Title != "Example from warcio" || pages[0].Timestamp != "20170306040206" {
		t.Errorf("pages of http://example.com/: %+v %v", pages, err)
	}
	// A rebuilt index has the page too: it is in a WARC file now.
	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 || !strings.Contains(r.stdout, "1 pages") {
		t.Errorf("index: %s%s", r.stdout, r.stderr)
	}
	// And Vellum exports it again with its title.
	out := filepath.Join(dir, "again.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", out); r.code != 0 {
		t.Fatalf("export: %s%s", r.stdout, r.stderr)
	}
	if p := string(zipEntries(t, out)[wacz.PagesPath]); !strings.Contains(p, "Example from warcio") {
		t.Errorf("re-exported pages.jsonl:\n%s", p)
	}
}

// TestImportWARCUploadsToS3 imports a WARC file (not a WACZ) with --remote:
// it lands under warcs/imported/, replays, and reaches the store as it is,
// with the CDXJ written beside it (what other --remote nodes read).
func TestImportWARCUploadsToS3(t *testing.T) {
	m := miniotest.Start(t)
	archive, site, ts := captureFixture(t)
	src, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	if len(src) != 1 {
		t.Fatalf("WARC files %v", src)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	const remote = "s3://vellum-test/imported"
	r := vellum(t, m.Env(), "import", "--archive", fresh, "--remote", remote, src[0])
	if r.code != 0 || !strings.Contains(r.stdout, "added warcs/imported/") || !strings.Contains(r.stdout, "uploaded 2 files to "+remote) {
		t.Fatalf("import: %d %s%s", r.code, r.stdout, r.stderr)
	}
	checkRemoteHas(t, remoteStore(t, m, remote), localFiles(t, fresh))
	original, _ := os.ReadFile(src[0])
	for name, b := range localFiles(t, fresh) {
		if strings.HasSuffix(name, ".cdxj") {
			if !bytes.Contains(b, []byte(`"filename":"`+strings.TrimSuffix(name, ".cdxj")+`.warc.gz"`)) {
				t.Errorf("%s is not the CDXJ of the imported file:\n%.300s", name, b)
			}
			continue
		}
		if !bytes.Equal(b, original) || filepath.Base(name) != filepath.Base(src[0]) {
			t.Errorf("%s differs from the imported file, or was renamed", name)
		}
	}
	if again := vellum(t, m.Env(), "import", "--archive", fresh, "--remote", remote, src[0]); again.code != 0 || strings.Contains(again.stdout, "added") {
		t.Errorf("importing again: %d %s%s", again.code, again.stdout, again.stderr)
	}
	if body := getBody(t, replayArchive(t, fresh)+"/web/"+ts+"mp_/"+site.ArticleURL()); !strings.Contains(body, testsite.ArticleText) {
		t.Errorf("the imported WARC does not replay:\n%.300s", body)
	}
	bad := vellum(t, nil, "import", "--archive", fresh, filepath.Join(t.TempDir(), "missing.warc.gz"))
	if bad.code != 2 || !strings.HasPrefix(bad.stderr, "vellum: import: ") || strings.Count(bad.stderr, "\n") != 1 {
		t.Errorf("import of a missing file: %d %q", bad.code, bad.stderr)
	}
}
