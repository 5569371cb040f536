package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// configKeys lists every key of the configuration file as documented: teams[].name,
// roles.<slug>.sandbox, ...
func configKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	for name, ft := range yamlFields(t) {
		p := strings.TrimPrefix(prefix+"."+name, ".")
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft, p)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft.Elem(), p+"[]")...)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft.Elem(), p+".<slug>")...)
		case name == "api_key" || name == "key":
			// Refused keys: documented as refused, not in the table.
		default:
			keys = append(keys, p)
		}
	}
	return keys
}

func TestConfigurationDocCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := configKeys(reflect.TypeOf(fileConfig{}), "")
	if len(keys) < 30 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "| `"+k+"` |") {
			t.Errorf("docs/configuration.md does not document %s", k)
		}
	}
	for k := range devOnlyKeys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/configuration.md does not list the refused dev-only key %s", k)
		}
	}
}

func TestClientsDocCoversEveryClient(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": "/home/you"}
	e := &env{getenv: func(k string) string { return vars[k] }, goos: "linux"}
	for _, c := range clientSpecs() {
		row := "| " + c.title + " | `" + c.id + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/clients.md has no table row %q", row)
		}
		if !strings.Contains(string(doc), "## "+c.title) {
			t.Errorf("docs/clients.md has no section for %s", c.title)
		}
		if c.path != nil {
			p := strings.Replace(c.path(e), "/home/you", "~", 1)
			if !strings.Contains(string(doc), "`"+p+"`") {
				t.Errorf("docs/clients.md does not give %s's file %s", c.id, p)
			}
		}
		if c.command != nil && !strings.Contains(string(doc), c.command("workos", DefaultMCPURL)) {
			t.Errorf("docs/clients.md lacks %s's command %s", c.id, c.command("workos", DefaultMCPURL))
		}
	}
}
