package jobs

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// go-yaml (v1.19.2) panics on some input instead of returning an error: a
// tag on a value decoded into a list (`seeds: !tag`) dereferences a nil
// iterator. Tags are refused before decoding (firstTag); parseYAML and
// decodeYAML turn any panic left in the library into an error, so a jobs
// file is refused with a line, never with a crash.

// go-yaml's parser takes memory quadratic in the nesting depth (1.6 GB for
// 32,000 `[`, 24 GB for 200,000 before it was stopped), while a jobs file
// nests five levels at most. So the depth is measured on the tokens first,
// which the lexer finds in linear time and memory: flow collections by
// their brackets, block ones by the column of their `-` or `?` and of the
// first token of each line, which grows with every level.
const (
	maxFlowDepth   = 64
	maxBlockColumn = 256
)

// tooDeep returns the line of the first token nested deeper than a jobs
// file can need, or 0.
func tooDeep(data []byte) (line int) {
	defer func() {
		if recover() != nil {
			line = 0 // the parser will say what is wrong
		}
	}()
	flow, lastLine := 0, 0
	for _, tk := range lexer.Tokenize(string(data)) {
		p := tk.Position
		if tk.Type == token.CommentType {
			continue
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow--
		}
		first := p.Line != lastLine
		lastLine = p.Line
		block := tk.Type == token.SequenceEntryType || tk.Type == token.MappingKeyType || first
		if flow > maxFlowDepth || (flow <= 0 && block && p.Column > maxBlockColumn) {
			return p.Line
		}
	}
	return 0
}

// parseYAML parses data into go-yaml's syntax tree; duplicate keys are
// refused.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer recoverYAML(&err)
	return parser.ParseBytes(data, 0)
}

// decodeYAML decodes node into v, strictly (unknown fields are errors).
// Duplicate keys were refused by the parser: here they can only come from
// merge keys (<<), whose values explicit keys override.
func decodeYAML(node ast.Node, v any) (err error) {
	defer recoverYAML(&err)
	return yaml.NodeToValue(node, v, yaml.Strict(), yaml.AllowDuplicateMapKey())
}

// recoverYAML sets *err when the YAML library panicked.
func recoverYAML(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("YAML library failed on this file (%v)", r)
	}
}

// firstTag returns the first tagged node under n (`!x`, `!!str`), or nil.
// No field of a jobs file needs a tag, and go-yaml mishandles some.
func firstTag(n ast.Node) *ast.TagNode {
	var w tagFinder
	if n != nil {
		ast.Walk(&w, n)
	}
	return w.found
}

type tagFinder struct{ found *ast.TagNode }

func (w *tagFinder) Visit(n ast.Node) ast.Visitor {
	if n == nil || w.found != nil {
		return nil
	}
	if t, ok := n.(*ast.TagNode); ok {
		w.found = t
		return nil
	}
	return w
}

// lineError formats a jobs file problem as "FILE:LINE: job "NAME": reason",
// leaving out the job part when name is "". It wraps the errors that args wrap.
func lineError(file string, line int, name, format string, args ...any) error {
	reason := fmt.Errorf(format, args...)
	if name != "" {
		return fmt.Errorf("%s:%d: job %q: %w", file, line, name, reason)
	}
	return fmt.Errorf("%s:%d: %w", file, line, reason)
}

// yamlError turns a go-yaml error into one line with its line number,
// without the source excerpt and colours go-yaml adds, naming the job
// among entries where it happened.
func yamlError(file string, entries []ast.Node, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return fmt.Errorf("%s: %s", file, oneLine(err.Error()))
	}
	tk := ye.GetToken()
	name := jobAt(entries, tk.Position.Line)
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(err, &te) {
		got := fmt.Sprintf("%q", tk.Value)
		if k := te.SrcType.Kind(); k == reflect.Slice || k == reflect.Map {
			got = kindName(te.SrcType)
		}
		msg = fmt.Sprintf("want %s, not %s", kindName(te.DstType), got)
	}
	return lineError(file, tk.Position.Line, name, "%s", oneLine(msg))
}

// jobAt names the job among entries whose entry is the last to start at or
// before line; "" when that entry has no name that is a string.
func jobAt(entries []ast.Node, line int) string {
	var name string
	for _, n := range entries {
		if nodeLine(n) > line {
			break
		}
		name = ""
		if kv, ok := keyNodes(n)["name"]; ok {
			_ = decodeYAML(kv.Value, &name) // a name that is not a string labels nothing
		}
	}
	return name
}

// patternsOf returns the patterns of an include: or exclude: value as
// decoded: none for null, one for a string, or a list of strings. YAML
// would turn an unquoted 1.50 into 1.5 or 0x10 into 16, so a pattern that
// is not a string is refused with a word to quote it; bad is the index of
// the offending item of a list, or -1.
func patternsOf(v any) (exprs []string, bad int, err error) {
	switch v := v.(type) {
	case nil:
		return nil, -1, nil
	case string:
		return []string{v}, -1, nil
	case []any:
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, i, notAPattern(e)
			}
			exprs = append(exprs, s)
		}
		return exprs, -1, nil
	}
	return nil, -1, notAPattern(v)
}

// notAPattern says why v, decoded from YAML, is no pattern.
func notAPattern(v any) error {
	switch v.(type) {
	case []any:
		return errors.New("want a pattern or a list of patterns, not a list of lists")
	case map[string]any:
		return errors.New("want a pattern or a list of patterns, not a mapping")
	case nil:
		return errors.New("want a pattern, not an empty item")
	}
	return errors.New("a pattern must be a string: put it in quotes")
}

// kindName says what a value of type t looks like in YAML.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }

// keyNodes indexes the key/value pairs of a mapping node by key.
func keyNodes(n ast.Node) map[string]*ast.MappingValueNode {
	var pairs []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	case *ast.AnchorNode:
		return keyNodes(m.Value)
	}
	keys := make(map[string]*ast.MappingValueNode, len(pairs))
	for _, kv := range pairs {
		keys[kv.Key.GetToken().Value] = kv
	}
	return keys
}

// items returns the entries of a sequence node, nil for anything else.
func items(n ast.Node) []ast.Node {
	if a, ok := n.(*ast.AnchorNode); ok {
		n = a.Value
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		return seq.Values
	}
	return nil
}

// nodeLine is the line where n starts.
func nodeLine(n ast.Node) int {
	if tk := n.GetToken(); tk != nil {
		return tk.Position.Line
	}
	return 1
}
