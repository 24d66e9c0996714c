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
// Reading: Open lists a WACZ's WARC files and pages for import; Verify checks
// the zip, every hash, the index against the records, the pages against the
// index and the signature, reporting each problem by the file it concerns.
//
// Seam: it imports warc and index (Export reads the archive's captures and
// pages through a small interface of its own), never capture or replay.
// cmd/vellum's export, import and verify commands use it.
package wacz
