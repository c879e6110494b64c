package configs

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// StaffEntry is a member of staff as AddStaff writes it into the staff section.
type StaffEntry struct {
	Login        string
	Name         string // left out when empty
	Position     string // left out when empty
	Role         string // operator, manager or admin
	Window       int    // home window; 0 leaves the key out
	PasswordHash string // bcrypt
}

// SetPasswordHash returns data with the password_hash of the member of staff
// with this login set to hash. A missing or empty password_hash is filled in,
// and a plain `password` key, which the loader refuses, is replaced by it.
//
// Like AddStaff, it changes only the text it must: comments, blank lines, key
// order and quoting elsewhere stay byte for byte. The result is checked with
// Parse; a *ValidationError has an empty File for the caller to name.
func SetPasswordHash(data []byte, login, hash string) ([]byte, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	staff := staffSequence(doc)
	i := findLogin(staff, login)
	if i < 0 {
		return nil, fmt.Errorf("configs: в staff нет сотрудника с логином «%s» (no member of staff has the login %q)", login, login)
	}
	item := staff.Content[i]
	if item.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("configs: запись сотрудника %s задана ссылкой YAML (alias), измените её вручную (the entry of %s is a YAML alias: edit it by hand)", login, login)
	}

	e := newEditor(data)
	hashNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: hash, Style: yaml.DoubleQuotedStyle}
	quoted := encodeNode(hashNode)
	hashAt, plainAt := keyIndex(item, "password_hash"), keyIndex(item, "password")
	switch {
	case hashAt >= 0:
		e.replaceValue(item.Content[hashAt+1], quoted)
		item.Content[hashAt+1] = hashNode // a new node: an anchored old one may be shared
		if plainAt >= 0 {
			e.deleteLine(item, plainAt)
			item.Content = slices.Delete(item.Content, plainAt, plainAt+2)
		}
	case plainAt >= 0:
		// `password: secret` becomes `password_hash: "..."` on the same line.
		e.replaceValue(item.Content[plainAt], "password_hash")
		e.replaceValue(item.Content[plainAt+1], quoted)
		item.Content[plainAt] = strNode("password_hash")
		item.Content[plainAt+1] = hashNode
	default:
		e.appendLines(item, []string{"password_hash: " + quoted})
		item.Content = append(item.Content, strNode("password_hash"), hashNode)
	}
	return e.finish(doc)
}

// AddStaff returns data with a appended to the staff section, written in the
// style of the entries above it. A login already in staff is an error; so is
// anything the loader refuses in the result (an unknown role or window…),
// reported as a *ValidationError with its line and an empty File.
func AddStaff(data []byte, a StaffEntry) ([]byte, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	staff := staffSequence(doc)
	if i := findLogin(staff, a.Login); i >= 0 {
		return nil, fmt.Errorf("configs: логин «%s» уже есть в staff (строка %d) (the login %q is already in staff, line %d)",
			a.Login, staff.Content[i].Line, a.Login, staff.Content[i].Line)
	}

	entry := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, value *yaml.Node) { entry.Content = append(entry.Content, strNode(key), value) }
	add("login", strNode(a.Login))
	if a.Name != "" {
		add("name", strNode(a.Name))
	}
	if a.Position != "" {
		add("position", strNode(a.Position))
	}
	add("role", strNode(a.Role))
	if a.Window != 0 {
		add("window", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(a.Window)})
	}
	add("password_hash", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: a.PasswordHash, Style: yaml.DoubleQuotedStyle})

	e := newEditor(data)
	if staff != nil && staff.Style&yaml.FlowStyle == 0 && len(staff.Content) > 0 {
		e.appendItem(staff, strings.Split(encodeNode(entry), "\n"))
		staff.Content = append(staff.Content, entry)
	} else {
		e.failed = true // no entry to copy the layout from: the whole file is re-encoded
		if staff != nil {
			staff.Content = append(staff.Content, entry)
		} else {
			root := doc.Content[0]
			staff = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{entry}}
			if i := keyIndex(root, "staff"); i >= 0 {
				root.Content[i+1] = staff // an empty or broken section
			} else {
				root.Content = append(root.Content, strNode("staff"), staff)
			}
		}
	}
	return e.finish(doc)
}

// parseDocument parses data into a node tree whose root is a mapping; a file
// that is not one is refused with Parse's own message.
func parseDocument(data []byte) (*yaml.Node, error) {
	// Re-encoding the first document would drop a second one unread.
	if p, extra := ExtraDocument(data); extra {
		return nil, &ValidationError{Problems: []Problem{p}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode ||
		len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		if _, perr := Parse("", data); perr != nil {
			return nil, perr
		}
		return nil, fmt.Errorf("configs: файл конфигурации не удалось разобрать (cannot parse the config file): %v", err)
	}
	return &doc, nil
}

// staffSequence returns the staff section, or nil when it is missing or not a list.
func staffSequence(doc *yaml.Node) *yaml.Node {
	root := doc.Content[0]
	i := keyIndex(root, "staff")
	if i < 0 || root.Content[i+1].Kind != yaml.SequenceNode {
		return nil
	}
	return root.Content[i+1]
}

// findLogin returns the index of the staff entry with login, or -1.
func findLogin(staff *yaml.Node, login string) int {
	if staff == nil {
		return -1
	}
	for i, item := range staff.Content {
		for item.Kind == yaml.AliasNode {
			item = item.Alias
		}
		if j := keyIndex(item, "login"); j >= 0 && item.Content[j+1].Kind == yaml.ScalarNode && item.Content[j+1].Value == login {
			return i
		}
	}
	return -1
}

// keyIndex returns the index in m.Content of the first key named key, or -1.
func keyIndex(m *yaml.Node, key string) int {
	if m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return i
		}
	}
	return -1
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// editor changes a config's text in place. Re-encoding the whole node tree
// would keep the comments but lose the blank lines between sections and the
// alignment of line comments, so an edit is made as splices of the original
// text at the places the nodes point to. The edited node tree stays the
// reference: finish re-encodes it only when a splice could not be placed
// (an unusual layout) or did not give the same content.
type editor struct {
	data    []byte
	starts  []int  // byte offset where each line begins; line n is starts[n-1]
	eol     string // the file's line ending, kept in added lines
	splices []splice
	failed  bool
}

type splice struct {
	start, end int // bytes of data replaced
	text       string
}

func newEditor(data []byte) *editor {
	e := &editor{data: data, starts: []int{0}, eol: "\n"}
	for i, b := range data {
		if b == '\n' {
			e.starts = append(e.starts, i+1)
		}
	}
	if bytes.Contains(data, []byte("\r\n")) {
		e.eol = "\r\n"
	}
	return e
}

// encodeNode encodes a new node, without the trailing line break.
func encodeNode(n *yaml.Node) string {
	out, err := yaml.Marshal(n)
	if err != nil {
		panic("configs: encode a new node: " + err.Error()) // only strings and ints are encoded here
	}
	return strings.TrimSuffix(string(out), "\n")
}

// lineEnd is the offset where line's content ends, before its line break.
func (e *editor) lineEnd(line int) int {
	end := len(e.data)
	if line < len(e.starts) {
		end = e.starts[line] - 1
	}
	if end > e.starts[line-1] && e.data[end-1] == '\r' {
		end--
	}
	return end
}

// offset converts yaml.v3's 1-based line and column, counted in characters,
// to a byte offset; ok is false when the place is not in the text.
func (e *editor) offset(line, column int) (int, bool) {
	if line < 1 || line > len(e.starts) || column < 1 {
		return 0, false
	}
	off, end := e.starts[line-1], e.lineEnd(line)
	for range column - 1 {
		if off >= end {
			return 0, false
		}
		_, size := utf8.DecodeRune(e.data[off:end])
		off += size
	}
	return off, true
}

// scalarEnd returns the offset just past the text of the scalar n, which
// starts at start, when that text is on one line.
func (e *editor) scalarEnd(n *yaml.Node, start int) (int, bool) {
	line := e.data[start:e.lineEnd(n.Line)]
	switch n.Style &^ yaml.FlowStyle {
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '"':
				return start + i + 1, true
			}
		}
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(line); i++ {
			if line[i] == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				return start + i + 1, true
			}
		}
	case 0:
		// A plain scalar on one line is written exactly as its value.
		if bytes.HasPrefix(line, []byte(n.Value)) {
			return start + len(n.Value), true
		}
	}
	return 0, false
}

// replaceValue replaces the text of the scalar n with text.
func (e *editor) replaceValue(n *yaml.Node, text string) {
	// A tag or an anchor comes first and moves the node's column onto itself;
	// literal and folded scalars span lines. Such values are rare enough to re-encode.
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		e.failed = true
		return
	}
	start, ok := e.offset(n.Line, n.Column)
	if !ok {
		e.failed = true
		return
	}
	if n.Value == "" && n.Style&^yaml.FlowStyle == 0 {
		// `key:` with nothing after it: yaml.v3 places the null just past the colon.
		e.splices = append(e.splices, splice{start, start, " " + text})
		return
	}
	end, ok := e.scalarEnd(n, start)
	if !ok {
		e.failed = true
		return
	}
	e.splices = append(e.splices, splice{start, end, text})
}

// deleteLine removes the line of the key at m.Content[i] and its value,
// when they have a line of their own.
func (e *editor) deleteLine(m *yaml.Node, i int) {
	k, v := m.Content[i], m.Content[i+1]
	start, ok := e.offset(k.Line, k.Column)
	if !ok || m.Style&yaml.FlowStyle != 0 || k.Line == m.Line || v.Line != k.Line ||
		len(bytes.TrimLeft(e.data[e.starts[k.Line-1]:start], " ")) != 0 || e.lastLine(v, k.Column-1) != k.Line {
		e.failed = true
		return
	}
	end := len(e.data)
	if k.Line < len(e.starts) {
		end = e.starts[k.Line]
	}
	e.splices = append(e.splices, splice{e.starts[k.Line-1], end, ""})
}

// lastLine returns the last line of n's text: the last line a node of it
// starts on, extended over the lines that continue it, which are indented
// deeper than indent columns (a scalar or flow collection spanning lines).
func (e *editor) lastLine(n *yaml.Node, indent int) int {
	last := n.Line
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		last = max(last, n.Line)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	for last < len(e.starts) {
		next := string(e.data[e.starts[last]:e.lineEnd(last+1)])
		content := strings.TrimLeft(next, " ")
		if content == "" || content[0] == '#' || len(next)-len(content) <= indent {
			break
		}
		last++
	}
	return last
}

// appendLines adds lines at the end of the block mapping m, at its indentation.
func (e *editor) appendLines(m *yaml.Node, lines []string) {
	if m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		e.failed = true
		return
	}
	indent := strings.Repeat(" ", m.Column-1)
	last := e.lastLine(m, m.Column-1)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(e.eol + indent + l)
	}
	end := e.lineEnd(last)
	e.splices = append(e.splices, splice{end, end, b.String()})
}

// itemPrefix matches what comes before a block sequence item on its first line: "  - ".
var itemPrefix = regexp.MustCompile(`^ *- +$`)

// appendItem adds an item after the last one of the block sequence seq,
// written as lines with the same "- " prefix as that item.
func (e *editor) appendItem(seq *yaml.Node, lines []string) {
	lastItem := seq.Content[len(seq.Content)-1]
	start, ok := e.offset(lastItem.Line, lastItem.Column)
	if !ok {
		e.failed = true
		return
	}
	prefix := string(e.data[e.starts[lastItem.Line-1]:start])
	if !itemPrefix.MatchString(prefix) {
		e.failed = true
		return
	}
	dash := strings.IndexByte(prefix, '-')
	last := e.lastLine(lastItem, dash)
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(e.eol)
		if i == 0 {
			b.WriteString(prefix)
		} else if l != "" {
			b.WriteString(strings.Repeat(" ", len(prefix)))
		}
		b.WriteString(l)
	}
	end := e.lineEnd(last)
	e.splices = append(e.splices, splice{end, end, b.String()})
}

// finish applies the splices and checks that the text now holds what the
// edited tree doc does; failing that, it encodes doc whole. Either way the
// result must pass Parse. The lines of its problems are given in the original
// text, which is the file the user has: a problem in new text is put on the
// line the text was added at; after a whole re-encoding lines are unknown.
func (e *editor) finish(doc *yaml.Node) ([]byte, error) {
	out, spliced := e.apply()
	if !spliced || !sameContent(doc, out) {
		spliced = false
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return nil, fmt.Errorf("configs: encode the edited config: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("configs: encode the edited config: %w", err)
		}
		out = b.Bytes()
	}
	if _, err := Parse("", out); err != nil {
		if ve, ok := err.(*ValidationError); ok {
			outStarts := newEditor(out).starts
			for i, p := range ve.Problems {
				switch {
				case p.Line == 0:
				case !spliced:
					ve.Problems[i].Line, ve.Problems[i].Column = 0, 0
				default:
					line, moved := e.originalLine(outStarts[min(p.Line, len(outStarts))-1])
					ve.Problems[i].Line = line
					if moved {
						ve.Problems[i].Column = 0
					}
				}
			}
		}
		return nil, err
	}
	return out, nil
}

// originalLine returns the line of the original text that the spliced text's
// byte offset o comes from; in new text, the line the text was added at, and
// moved is true.
func (e *editor) originalLine(o int) (line int, moved bool) {
	shift := 0 // how much longer the spliced text is so far
	for _, sp := range e.splices {
		start := sp.start + shift
		if o < start {
			break
		}
		if o < start+len(sp.text) {
			return e.lineAt(sp.start), true
		}
		shift += len(sp.text) - (sp.end - sp.start)
	}
	return e.lineAt(o - shift), false
}

// lineAt returns the line holding the byte at offset off.
func (e *editor) lineAt(off int) int {
	i, found := slices.BinarySearch(e.starts, off)
	if found {
		return i + 1
	}
	return i
}

// apply sorts the splices and returns data with them made, or false when
// there are none to trust: one could not be placed, or two overlap.
func (e *editor) apply() ([]byte, bool) {
	if e.failed {
		return nil, false
	}
	slices.SortFunc(e.splices, func(a, b splice) int { return a.start - b.start })
	var out []byte
	at := 0
	for _, sp := range e.splices {
		if sp.start < at {
			return nil, false
		}
		out = append(out, e.data[at:sp.start]...)
		out = append(out, sp.text...)
		at = sp.end
	}
	return append(out, e.data[at:]...), true
}

// sameContent reports whether the YAML text out decodes to the same values as doc.
func sameContent(doc *yaml.Node, out []byte) bool {
	var want, got any
	if err := doc.Decode(&want); err != nil {
		return false
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		return false
	}
	return reflect.DeepEqual(want, got)
}
