package capture

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// CompilePatterns compiles the patterns of an --include or --exclude flag
// (or a job's include: or exclude: key), named flag in errors, for
// Config.Include and Config.Exclude. They are Go (RE2) regular expressions,
// matched unanchored against a URL as it is fetched. The first bad one is
// an error of one line naming the flag and the pattern; an empty pattern is
// refused, as it would match every URL.
func CompilePatterns(flag string, exprs []string) ([]*regexp.Regexp, error) {
	var res []*regexp.Regexp
	for _, expr := range exprs {
		if expr == "" {
			return nil, fmt.Errorf("%s \"\": empty pattern (it would match every URL)", flag)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %s", flag, expr, patternProblem(err))
		}
		res = append(res, re)
	}
	return res, nil
}

// patternProblem is what is wrong with a pattern, on one line: regexp's
// message quotes the offending part between backquotes as is, newlines
// and all.
func patternProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid regexp: %s: %q", se.Code, se.Expr)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
