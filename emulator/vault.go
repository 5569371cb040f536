package emulator

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Vault key-value objects: named secrets with versions. The emulator stores values in its
// database as they are (it has no key management); it is a stand-in for development only.

type vaultVersion struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	Etag      string `json:"etag"`
	Size      int    `json:"size"`
	Value     string `json:"value"`
}

type vaultObject struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Context   map[string]string `json:"context"`
	KeyID     string            `json:"key_id"`
	Versions  []vaultVersion    `json:"versions"`
	UpdatedAt string            `json:"updated_at"`
}

func (o *vaultObject) current() vaultVersion { return o.Versions[len(o.Versions)-1] }

func (o *vaultObject) metadata(env string) map[string]any {
	return map[string]any{"context": o.Context, "environment_id": "environment_" + env, "id": o.ID, "key_id": o.KeyID,
		"updated_at": o.UpdatedAt, "updated_by": map[string]string{"id": "key_emulator", "name": "Emulator API key"},
		"version_id": o.current().ID}
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newVaultVersion(value string, now time.Time) vaultVersion {
	sum := md5.Sum([]byte(value))
	return vaultVersion{ID: uuid4(), CreatedAt: now.UTC().Format(time.RFC3339), Etag: hex.EncodeToString(sum[:]), Size: len(value), Value: value}
}

// vaultRoute answers errors in Vault's own shape ({"error": "…"}).
func vaultRoute(h handlerFunc) handlerFunc {
	return func(c *call) (int, any, error) {
		st, v, err := h(c)
		var ae *apiError
		if errors.As(err, &ae) {
			cp := *ae
			cp.Text = cp.Message
			return st, v, &cp
		}
		return st, v, err
	}
}

func (t *tx) vaultObject(id string) (*vaultObject, error) {
	o, err := loadFound[vaultObject](t, "vault_object", "Vault object", id)
	return o, err
}

func createVaultObject(c *call) (int, any, error) {
	var in struct {
		Name       *string           `json:"name"`
		Value      *string           `json:"value"`
		KeyContext map[string]string `json:"key_context"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" || in.Value == nil || in.KeyContext == nil {
		return 0, nil, invalidField("name", "required", "name, value and key_context are required.")
	}
	t := c.t
	if _, err := find(t, "vault_object", "", func(o *vaultObject) bool { return o.Name == *in.Name }); err == nil {
		return 0, nil, conflict("name_taken", "A vault object named '"+*in.Name+"' already exists.")
	}
	o := &vaultObject{ID: uuid4(), Name: *in.Name, Context: in.KeyContext, KeyID: uuid4(), UpdatedAt: t.now.UTC().Format(time.RFC3339)}
	o.Versions = []vaultVersion{newVaultVersion(*in.Value, t.now)}
	if err := t.save("vault_object", o.ID, "", o); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, o.metadata(c.env.Name), nil
}

func listVaultObjects(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	search := strings.ToLower(c.query.Get("search"))
	after := c.query.Get("updatedAfter")
	os, err := filter(c.t, "vault_object", "", func(o *vaultObject) bool {
		return (search == "" || strings.Contains(strings.ToLower(o.Name), search)) && (after == "" || o.UpdatedAt > after)
	})
	if err != nil {
		return 0, nil, err
	}
	type entry struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		UpdatedAt string `json:"updated_at"`
	}
	out := make([]*entry, 0, len(os))
	for _, o := range os {
		out = append(out, &entry{ID: o.ID, Name: o.Name, UpdatedAt: o.UpdatedAt})
	}
	l := paginate(out, func(e *entry) string { return e.ID }, p)
	return http.StatusOK, map[string]any{"data": l.Data, "list_metadata": l.ListMetadata}, nil
}

func readVaultObject(withValue bool, byName bool) handlerFunc {
	return func(c *call) (int, any, error) {
		var o *vaultObject
		var err error
		if byName {
			name := c.param("name")
			o, err = find(c.t, "vault_object", "", func(o *vaultObject) bool { return o.Name == name })
			if errors.Is(err, errNotFound) {
				return 0, nil, notFound("Vault object", name)
			}
		} else {
			o, err = c.t.vaultObject(c.param("id"))
		}
		if err != nil {
			return 0, nil, err
		}
		out := map[string]any{"id": o.ID, "name": o.Name, "metadata": o.metadata(c.env.Name)}
		if withValue {
			out["value"] = o.current().Value
		}
		return http.StatusOK, out, nil
	}
}

func updateVaultObject(c *call) (int, any, error) {
	var in struct {
		Value        *string `json:"value"`
		VersionCheck *string `json:"version_check"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Value == nil {
		return 0, nil, badRequest("value_required", "value is required.")
	}
	t := c.t
	o, err := t.vaultObject(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.VersionCheck != nil && *in.VersionCheck != "" && *in.VersionCheck != o.current().ID {
		return 0, nil, conflict("version_conflict", "The object changed since version "+*in.VersionCheck+".")
	}
	o.Versions = append(o.Versions, newVaultVersion(*in.Value, t.now))
	o.UpdatedAt = t.now.UTC().Format(time.RFC3339)
	if err := t.save("vault_object", o.ID, "", o); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"id": o.ID, "name": o.Name, "metadata": o.metadata(c.env.Name)}, nil
}

func deleteVaultObject(c *call) (int, any, error) {
	t := c.t
	o, err := t.vaultObject(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if v := c.query.Get("version_check"); v != "" && v != o.current().ID {
		return 0, nil, conflict("version_conflict", "The object changed since version "+v+".")
	}
	if err := t.remove("vault_object", o.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"name": o.Name, "success": true}, nil
}

func listVaultVersions(c *call) (int, any, error) {
	o, err := c.t.vaultObject(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	out := []map[string]any{}
	for i := len(o.Versions) - 1; i >= 0; i-- {
		v := o.Versions[i]
		out = append(out, map[string]any{"id": v.ID, "created_at": v.CreatedAt, "etag": v.Etag, "size": v.Size, "current_version": i == len(o.Versions)-1})
	}
	return http.StatusOK, map[string]any{"data": out, "list_metadata": map[string]any{"before": nil, "after": nil}}, nil
}
