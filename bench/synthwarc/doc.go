// Command synthwarc writes an archive of real, gzipped WARC files of about
// a given size, for benchmarks that need gigabytes of WARCs and no crawl
// (bench/wacz.sh):
//
//	go run ./bench/synthwarc -archive DIR -size 2G [-file-size 1G] [-seed 1]
//
// Each page is an HTML response (compressible text) with its request and a
// metadata record (title and text, as a capture writes them), and a few
// images (incompressible bytes) with their requests, in Vellum's layout
// (warcs/YYYY/MM/DD/<run-id>-<serial>.warc.gz with a CDXJ file beside each).
// Index them with `vellum index --archive DIR`.
package main
