package main

import (
	"fmt"
	"strings"
)

// Codex keeps its configuration in TOML. We need one operation only — put the table
// [mcp_servers.NAME] into a file, keeping the rest byte for byte — so it is done on lines rather
// than with a TOML library: the section of that name (and its sub-tables) is replaced in place,
// or the new one is appended.

// tomlTable renders [container.name] with the entry's string, bool and int keys.
func tomlTable(container, name string, entry *object) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s.%s]\n", container, name)
	for _, m := range entry.members {
		switch v := m.val.(type) {
		case string:
			fmt.Fprintf(&b, "%s = %s\n", m.key, tomlString(v))
		case bool:
			fmt.Fprintf(&b, "%s = %t\n", m.key, v)
		case int:
			fmt.Fprintf(&b, "%s = %d\n", m.key, v)
		}
	}
	return b.String()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKeyPath splits a dotted TOML key ("a.\"b.c\".d") into its parts, unquoting them.
func tomlKeyPath(s string) []string {
	var parts []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case r == ' ' || r == '\t':
		default:
			cur.WriteRune(r)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// tomlHeader returns the key path of a table header line ([a.b] or [[a.b]]), or nil.
func tomlHeader(line string) []string {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "[") {
		return nil
	}
	t = strings.TrimPrefix(strings.TrimPrefix(t, "["), "[")
	end := strings.Index(t, "]")
	if end < 0 {
		return nil
	}
	return tomlKeyPath(t[:end])
}

// tomlLineKey returns the key path of a key = value line, or nil.
func tomlLineKey(line string) []string {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "[") {
		return nil
	}
	eq := strings.Index(t, "=")
	if eq < 0 {
		return nil
	}
	return tomlKeyPath(t[:eq])
}

// mergeTOML replaces or adds [container.name] in a TOML document.
func mergeTOML(old []byte, container, name string, entry *object) ([]byte, bool, error) {
	lines := strings.SplitAfter(string(old), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var kept []string
	insertAt := -1
	var current []string // header of the table the line is in; nil at the top level
	inOurs := false
	multiline := ""
	for _, line := range lines {
		if multiline != "" {
			if strings.Count(line, multiline)%2 == 1 {
				multiline = ""
			}
			if !inOurs {
				kept = append(kept, line)
			}
			continue
		}
		if h := tomlHeader(line); h != nil {
			current = h
			inOurs = len(h) >= 2 && h[0] == container && h[1] == name
			if inOurs && insertAt < 0 {
				insertAt = len(kept)
			}
			if inOurs {
				continue
			}
		} else if k := tomlLineKey(line); k != nil {
			// A definition of the same server we cannot replace line by line: refuse
			// rather than produce a document with the server defined twice.
			full := append(append([]string{}, current...), k...)
			if len(full) >= 2 && full[0] == container && (len(current) < 2 || current[0] != container) && (full[1] == name || len(full) == 1) {
				return nil, false, fmt.Errorf("%s.%s is defined in a form this command cannot edit safely (inline or dotted keys); edit it by hand", container, name)
			}
			if len(full) == 1 && full[0] == container {
				return nil, false, fmt.Errorf("%s is an inline table; edit it by hand", container)
			}
		}
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(line, q)%2 == 1 {
				multiline = q
			}
		}
		if !inOurs {
			kept = append(kept, line)
		}
	}
	table := tomlTable(container, name, entry)
	replaced := insertAt >= 0
	var b strings.Builder
	if replaced {
		for _, l := range kept[:insertAt] {
			b.WriteString(l)
		}
		b.WriteString(table)
		rest := kept[insertAt:]
		if len(rest) > 0 && strings.TrimSpace(rest[0]) != "" {
			b.WriteString("\n")
		}
		for _, l := range rest {
			b.WriteString(l)
		}
		return []byte(b.String()), true, nil
	}
	for _, l := range kept {
		b.WriteString(l)
	}
	s := b.String()
	if s != "" {
		if !strings.HasSuffix(s, "\n") {
			b.WriteString("\n")
		}
		if !strings.HasSuffix(s, "\n\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString(table)
	return []byte(b.String()), false, nil
}
