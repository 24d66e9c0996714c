// Package storetest is the conformance suite every storage.Store backend
// and wrapper must pass (local, s3 on MinIO, Layered, Lazy): the contract
// of the Store interface written as tests.
//
// Seam: a backend's test calls Run with a constructor of empty stores;
// Run reports through the *testing.T it is given.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storage.Store { return local.New(t.TempDir()) })
//	}
package storetest
