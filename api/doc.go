// Package api is Vellum's JSON API under /api/, documented by the OpenAPI
// document it serves at /api/openapi.json: captures asked for by other
// systems (POST /api/captures, then GET /api/captures/{id} until done),
// full-text search, the run history and the jobs of `vellum serve --jobs`.
//
// Its seam: New is given a Config holding the API tokens (Tokens, kept as
// SHA-256 hashes and compared in constant time; without them every write
// endpoint answers 404), the node's capture queue (*serve.Captures is
// one), the index's search and run history through small interfaces, and
// the jobs. It returns the http.Handler that cmd/vellum's serve mounts at
// /api/ on the UI origin, never on the content origin.
//
//	tokens, err := api.NewTokens(api.SplitTokens(os.Getenv("VELLUM_API_TOKENS")))
//	h := api.New(api.Config{Tokens: tokens, Captures: node.Captures(), Search: idx, Runs: idx})
//
// It imports serve (the queue's types) and index (the search and run
// types), not the capture engine.
package api
