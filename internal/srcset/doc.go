// Package srcset is Vellum's one parser of srcset attribute values (img, source, link
// imagesrcset): it reports where each image candidate's URL stands, and whether browsers would
// use the candidate.
//
// Seam: Scan is given a srcset value (character references decoded) as a string or bytes and
// returns Candidates, offsets into it. Extraction (capture/extract) fetches the valid candidates'
// URLs; rewriting (replay/rewrite) replaces every candidate's URL. It imports nothing of Vellum's.
package srcset
