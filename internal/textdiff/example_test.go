package textdiff_test

import (
	"fmt"

	"github.com/vellumhq/vellum/internal/textdiff"
)

func ExampleWords() {
	ops := textdiff.Words(
		"The minister resigned on Monday, aides said.",
		"The minister resigned on Tuesday, aides said.",
	)
	for _, op := range ops {
		fmt.Printf("%v %q\n", op.Kind, op.Text)
	}
	fmt.Printf("%+v\n", textdiff.Count(ops))
	fmt.Println(textdiff.HTML(ops))
	// Output:
	// Equal "The minister resigned on "
	// Delete "Monday"
	// Insert "Tuesday"
	// Equal ", aides said."
	// {Inserted:1 Deleted:1 Unchanged:6}
	// The minister resigned on <del>Monday</del><ins>Tuesday</ins>, aides said.
}
