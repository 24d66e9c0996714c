// Package wacz writes, reads and verifies WACZ 1.1.1 files (Web Archive
// Collection Zipped, the Webrecorder format ReplayWeb.page reads): a zip of
// the WARC files (archive/, stored uncompressed so a reader can fetch one
// record by its range), their CDXJ index (indexes/), the list of pages
// (pages/pages.jsonl) and a manifest with the size and SHA-256 of every file
// (datapackage.json), itself hashed, and optionally signed, in
// datapackage-digest.json.
//
// Writing streams: Writer takes each WARC as it is copied, hashing it on the
// way, and spools CDXJ lines and pages to temporary files, so memory stays
// bounded whatever the size of the export. Export selects an archive's
// captures through the index and copies whole WARC files, or only the
// records that match, byte for byte.
//
//	w, err := wacz.NewWriter(out, wacz.Options{Title: "Borderland", TempDir: dir})
//	f, err := w.CreateWARC("a.warc.gz") // copy the file into f, f.Add(entry) per record
//	err = f.Close()
//	err = w.AddPage(wacz.Page{URL: u, TS: t, Title: title, Text: text})
//	err = w.Close() // index, pages, datapackage.json, datapackage-digest.json
//
// Reading: Open lists a WACZ's WARC files and pages; ImportWACZ and
// ImportWARC copy WARC files into an archive (warcs/imported/<hash>/, as
// internal/layout names it) and index them; Verify checks the zip, every
// hash, the index against the records, the pages against the index and the
// signature, reporting each problem by the file it concerns. Sign, GenerateKey
// and ParseKey make and read the anonymous ECDSA P-256 signature of the WACZ
// signing specification.
//
// Seam: it imports warc, index and internal/layout, never capture or replay;
// it is given an archive folder and the index through small interfaces of its
// own (Source for export, Target for import), and returns stats structs.
// cmd/vellum's export, import, keygen and verify commands use it.
package wacz
