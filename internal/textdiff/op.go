package textdiff

// Kind says whether an [Op]'s text is in both texts, only the new one or only
// the old one.
type Kind int

const (
	Equal  Kind = iota // in both texts
	Insert             // only in the new text
	Delete             // only in the old text
)

// String returns "Equal", "Insert" or "Delete".
func (k Kind) String() string {
	switch k {
	case Equal:
		return "Equal"
	case Insert:
		return "Insert"
	case Delete:
		return "Delete"
	}
	return "Kind(?)"
}

// An Op is one step of a diff. Text is a run of whole tokens, including the
// whitespace between them, and is a substring of the old text (Equal, Delete)
// or of the new one (Insert). Concatenating the Equal and Delete texts in order
// gives back the old text exactly; concatenating the Equal and Insert texts
// gives back the new text.
type Op struct {
	Kind Kind
	Text string
}

// Stats counts the words of a diff. A word is what the tokenizer calls one:
// a run of letters and digits (with internal apostrophes and hyphens), or a
// single Han, Hiragana or Katakana character. Whitespace and punctuation are
// not counted.
type Stats struct {
	Inserted  int // words only in the new text
	Deleted   int // words only in the old text
	Unchanged int // words in both
}

// Count returns the number of words inserted, deleted and left unchanged by
// ops.
func Count(ops []Op) Stats {
	var s Stats
	for _, op := range ops {
		n := countWords(op.Text)
		switch op.Kind {
		case Equal:
			s.Unchanged += n
		case Insert:
			s.Inserted += n
		case Delete:
			s.Deleted += n
		}
	}
	return s
}
