// Package local is the storage.Store of a directory on local disk: the
// archive directory itself, so a key is a path relative to it. Writes go
// to a temporary file that is synced and renamed into place, so a failed
// Put leaves no partial object.
//
// Seam: given a directory, New returns a Store for replay (the local layer
// of storage.Layered), for capture's read-back of a resumed run and for
// tests; it also is a storage.FilePutter. It runs storage/storetest.
package local
