package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// positions maps a field path such as "peers[1].id" to the line where that
// field's value is written, so that semantic errors can name a line too.
type positions map[string]position

type position struct {
	line  int
	value string // scalar values only
}

// line returns the line of path, falling back to the closest parent.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l.line
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// decodeStrict decodes YAML into out, rejecting unknown and duplicate keys,
// and returns the position of every field. Errors are *Error values.
func decodeStrict(file string, data []byte, out any) (positions, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	pos := positions{}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Line: 1, Msg: "empty configuration"}
	}
	root := doc.Content[0]
	if err := walk(file, root, reflect.TypeOf(out).Elem(), "", pos); err != nil {
		return nil, err
	}
	if err := root.Decode(out); err != nil {
		line := yamlErrLine(err)
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
			line = yamlErrLine(errors.New(msg))
			if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
				msg = msg[i+2:]
			}
		}
		value := ""
		if i := strings.Index(msg, "`"); i >= 0 {
			if j := strings.Index(msg[i+1:], "`"); j >= 0 {
				value = msg[i+1 : i+1+j]
			}
		}
		return nil, &Error{File: file, Line: line, Field: pos.fieldAt(line, value), Msg: msg}
	}
	return pos, nil
}

// fieldAt returns the field path whose scalar value is value on line, or
// else the deepest field on that line.
func (p positions) fieldAt(line int, value string) string {
	best, exact := "", ""
	for path, l := range p {
		if l.line != line {
			continue
		}
		if value != "" && l.value == value && (exact == "" || path < exact) {
			exact = path
		}
		if len(path) > len(best) || (len(path) == len(best) && path < best) {
			best = path
		}
	}
	if exact != "" {
		return exact
	}
	return best
}

// yamlErrLine extracts "line N" from a yaml error message, or 0.
func yamlErrLine(err error) int {
	s := err.Error()
	i := strings.Index(s, "line ")
	if i < 0 {
		return 0
	}
	s = s[i+5:]
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(s[:j])
	return n
}

// walk checks node against type t: unknown keys and duplicate keys in
// mappings are errors, and every field's line is recorded in pos.
func walk(file string, n *yaml.Node, t reflect.Type, path string, pos positions) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		return &Error{File: file, Line: n.Line, Field: path, Msg: "YAML aliases are not supported"}
	}
	pos[path] = position{line: n.Line}
	if n.Kind == yaml.ScalarNode {
		pos[path] = position{line: n.Line, value: n.Value}
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.PkgPath() != "" && t.NumField() > 0 && !t.Field(0).IsExported() {
			return nil // opaque value type (netip.Addr and friends)
		}
		if n.Kind != yaml.MappingNode {
			if n.Tag == "!!null" {
				return nil
			}
			return &Error{File: file, Line: n.Line, Field: path, Msg: fmt.Sprintf("expected a mapping, got %s", kindName(n))}
		}
		fields := yamlFields(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			name := k.Value
			sub := join(path, name)
			if seen[name] {
				return &Error{File: file, Line: k.Line, Field: sub, Msg: "duplicate key"}
			}
			seen[name] = true
			f, ok := fields[name]
			if !ok {
				return &Error{File: file, Line: k.Line, Field: sub, Msg: fmt.Sprintf("unknown field (known fields: %s)", knownList(fields))}
			}
			if err := walk(file, v, f, sub, pos); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			if n.Tag == "!!null" {
				return nil
			}
			return &Error{File: file, Line: n.Line, Field: path, Msg: fmt.Sprintf("expected a list, got %s", kindName(n))}
		}
		for i, c := range n.Content {
			if err := walk(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), pos); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return &Error{File: file, Line: n.Line, Field: path, Msg: fmt.Sprintf("expected a mapping, got %s", kindName(n))}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if seen[k.Value] {
				return &Error{File: file, Line: k.Line, Field: join(path, k.Value), Msg: "duplicate key"}
			}
			seen[k.Value] = true
			if err := walk(file, n.Content[i+1], t.Elem(), join(path, k.Value), pos); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return &Error{File: file, Line: n.Line, Field: path, Msg: fmt.Sprintf("expected a single value, got %s", kindName(n))}
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

func knownList(m map[string]reflect.Type) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
