package oneline

import "strings"

// Of is err's message with every run of white space, newlines included,
// made one space.
func Of(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
