package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds how many nodes one file may expand to: aliases can make a
// small file huge ("billion laughs"), and a config never needs that many.
const maxNodes = 100_000

// maxProblems bounds the report: past it, the rest is noise from one mistake.
const maxProblems = 100

// position is where a value starts in the file.
type position struct{ line, column int }

// decoder turns a yaml.Node tree into the schema structs, strictly: unknown
// and repeated keys and values of the wrong type become problems with their
// line. yaml.v3's own decoding stops at the first unknown key and says
// neither the field path nor anything in Russian, so we walk the tree ourselves.
type decoder struct {
	problems []Problem
	pos      map[string]position // field path → where its value is
	bad      map[string]bool     // paths whose value could not be decoded
	nodes    int
}

func newDecoder() *decoder {
	return &decoder{pos: map[string]position{}, bad: map[string]bool{}}
}

// at returns the position of path or, when path is absent from the file
// (a missing field), of its nearest ancestor that is present.
func (d *decoder) at(path string) position {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return position{}
		}
		path = parentPath(path)
	}
}

// parentPath strips the last segment: "a[1].b" → "a[1]" → "a" → "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// problemf records a problem at path; ru and en are formats sharing args.
func (d *decoder) problemf(path, ru, en string, args ...any) {
	d.problemAtf(d.at(path), path, ru, en, args...)
}

// problemAtf records a problem about path at an explicit place.
func (d *decoder) problemAtf(p position, path, ru, en string, args ...any) {
	switch {
	case len(d.problems) > maxProblems:
		return
	case len(d.problems) == maxProblems:
		d.problems = append(d.problems, Problem{
			Message:   fmt.Sprintf("слишком много ошибок, показаны первые %d", maxProblems),
			MessageEN: fmt.Sprintf("too many problems, showing the first %d", maxProblems),
		})
		return
	}
	d.problems = append(d.problems, Problem{
		Line:      p.line,
		Column:    p.column,
		Path:      path,
		Message:   fmt.Sprintf(ru, args...),
		MessageEN: fmt.Sprintf(en, args...),
	})
}

// typeProblem records a value of the wrong kind and marks the path as bad, so
// that later checks do not also report it as missing.
func (d *decoder) typeProblem(path, ru, en string, args ...any) {
	d.bad[path] = true
	d.problemf(path, ru, en, args...)
}

// present reports whether path was given in the file with a usable value.
func (d *decoder) present(path string) bool {
	_, ok := d.pos[path]
	return ok && !d.bad[path]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

var durationType = reflect.TypeFor[time.Duration]()

// decode fills v from n. Supported: structs (yaml tags name the keys),
// slices, pointers (nil when the value is absent or null), strings, ints,
// bools and time.Duration written as Go duration strings ("15m").
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.nodes++
	if d.nodes == maxNodes {
		d.problemf("", "файл слишком велик или раскрывается в слишком много значений", "the file is too large or expands to too many values")
	}
	if d.nodes >= maxNodes {
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, ok := d.pos[path]; !ok { // a mapping value is already placed at its key
		d.pos[path] = position{n.Line, n.Column}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // absent: the zero value, or a default applied later
	}

	if v.Type() == durationType {
		d.decodeDuration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.typeProblem(path, "ожидается список, а не %[1]s", "expected a list, got %[2]s", describeRU(n), describeEN(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), index(path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.typeProblem(path, "ожидается строка, а не %[1]s", "expected a string, got %[2]s", describeRU(n), describeEN(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.typeProblem(path, "ожидается целое число, а не %[1]s", "expected an integer, got %[2]s", describeRU(n), describeEN(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.typeProblem(path, "ожидается true или false, а не %[1]s", "expected true or false, got %[2]s", describeRU(n), describeEN(n))
			return
		}
		v.SetBool(b)
	default:
		panic("configs: cannot decode into " + v.Type().String())
	}
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.typeProblem(path, "ожидается длительность вида 15m или 1h30m, а не %[1]s", "expected a duration such as 15m or 1h30m, got %[2]s", describeRU(n), describeEN(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.typeProblem(path, "неверная длительность «%s»: пишите как 15m, 90s или 1h30m", "invalid duration %q: write it as 15m, 90s or 1h30m", n.Value)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeProblem(path, "ожидается набор полей «ключ: значение», а не %[1]s", "expected a mapping of keys to values, got %[2]s", describeRU(n), describeEN(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		kpath := join(path, key)
		if line, dup := seen[key]; dup {
			d.problemAtf(position{k.Line, k.Column}, kpath, "ключ %s уже указан в строке %d", "key %s is already given at line %d", key, line)
			continue
		}
		seen[key] = k.Line
		// Problems with a value point at its key: for a nested mapping or
		// list that is the line naming it, not the line of its first entry.
		d.pos[kpath] = position{k.Line, k.Column}
		f, ok := fields[key]
		if !ok {
			d.unknownKey(kpath, key, fields)
			continue
		}
		d.decode(val, v.Field(f), kpath)
	}
}

// unknownKey reports a key the schema does not have, naming the allowed ones.
func (d *decoder) unknownKey(path, key string, fields map[string]int) {
	d.bad[path] = true
	if key == "password" {
		d.problemf(path, "пароль в открытом виде в конфигурации недопустим: задайте password_hash командой `eq user passwd`",
			"a plain password is not allowed in the config: set password_hash with `eq user passwd`")
		return
	}
	allowed := make([]string, 0, len(fields))
	for k := range fields {
		allowed = append(allowed, k)
	}
	sort.Strings(allowed)
	list := strings.Join(allowed, ", ")
	d.problemf(path, "неизвестный ключ %s; допустимы: %s", "unknown key %s; allowed: %s", key, list)
}

// structFields maps yaml key names to field indexes; every field must carry a yaml tag.
func structFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" {
			panic("configs: field " + t.Name() + "." + t.Field(i).Name + " has no yaml tag")
		}
		m[name] = i
	}
	return m
}

// describeRU and describeEN name a node for messages: a quoted scalar or the
// kind of collection.
func describeRU(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "набор полей"
	case yaml.SequenceNode:
		return "список"
	}
	return "«" + n.Value + "»"
}

func describeEN(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// yamlLine finds "line N" in yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxProblem turns a yaml.v3 parse error into a problem with its line,
// for every YAML file eq reads (office configs, simulated day specs).
func SyntaxProblem(err error) Problem {
	msg := err.Error()
	p := Problem{}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.Message = "ошибка синтаксиса YAML: " + msg
	p.MessageEN = "YAML syntax error: " + msg
	return p
}

// ExtraDocument finds a second YAML document in data, after a "---" that
// follows the first: yaml.Unmarshal reads the first document alone and
// would drop the rest, syntax errors and all, without a word. A document
// with nothing in it (a "---" left at the end) is no problem. ok is false
// when data holds one document, or none.
func ExtraDocument(data []byte) (p Problem, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if dec.Decode(&first) != nil {
		return Problem{}, false // nothing at all, or a syntax error Unmarshal reports
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return Problem{}, false
		case err != nil:
			return SyntaxProblem(err), true
		case len(next.Content) == 0 || next.Content[0].ShortTag() == "!!null":
			continue
		}
		return Problem{Line: next.Line, Column: next.Column,
			Message:   "в файле второй YAML-документ (после «---»): файл должен быть одним документом, второй не был бы прочитан",
			MessageEN: "the file has a second YAML document (after ---): it must be one document, the second would not be read"}, true
	}
}
