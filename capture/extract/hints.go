package extract

import "strings"

// ScriptHints are what a page's markup says of scripts building it: an
// engine capturing without a browser uses them to choose the pages to load
// in one (vellum capture --browser=auto).
type ScriptHints struct {
	Scripts  int    // <script> elements that run (not JSON-LD or other data)
	Noscript bool   // a <noscript> element: the page says it wants scripts
	AppRoot  string // an element single-page apps mount into ("#root", "[ng-app]"...), "" when none
}

// appRootIDs are the ids of the elements that common frameworks render into.
var appRootIDs = map[string]bool{"root": true, "app": true, "__next": true, "__nuxt": true, "___gatsby": true, "svelte": true}

// hint reads one element for ScriptHints.
func (h *ScriptHints) hint(e *element) {
	if e.foreign != "" {
		return
	}
	switch e.name {
	case "script":
		if t := strings.ToLower(strings.TrimSpace(e.attrValue("type"))); t == "" || t == "module" || strings.Contains(t, "javascript") || strings.Contains(t, "ecmascript") {
			h.Scripts++
		}
	case "noscript":
		h.Noscript = true
	}
	if h.AppRoot != "" {
		return
	}
	if id := e.attrValue("id"); appRootIDs[id] {
		h.AppRoot = "#" + id
		return
	}
	for _, a := range [...]string{"ng-app", "data-reactroot", "ng-version", "data-server-rendered"} {
		if _, ok := e.attr(a); ok {
			h.AppRoot = "[" + a + "]"
			return
		}
	}
}

// ScriptHints says what the page's markup says of scripts building it.
func (p *Page) ScriptHints() ScriptHints { return p.hints }
