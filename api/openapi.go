package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDoc is the API's OpenAPI 3.1 document. Its paths name the full
// /api/ paths; TestOpenAPIListsEveryRoute holds it and routes together.
//
//go:embed openapi.json
var openAPIDoc []byte

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		h.serverError(w, r, err)
		return
	}
	if h.cfg.BaseURL != "" {
		doc["servers"] = []map[string]string{{"url": h.cfg.BaseURL}}
	}
	w.Header().Set("Access-Control-Allow-Origin", "*") // a document, for API explorers on other origins
	writeJSON(w, http.StatusOK, doc)
}
