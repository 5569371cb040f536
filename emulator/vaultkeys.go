package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
)

// Vault data keys, for encrypting locally (envelope encryption): WorkOS generates a key, answers
// it in clear and encrypted under the key context, and later decrypts the encrypted copy. The
// emulator is its own key service: it keeps each data key in its database, and its
// "encrypted_keys" is an opaque, unguessable reference to that record, not a ciphertext. An
// encrypted copy works only in the environment that made it.

type vaultDataKey struct {
	ID      string            `json:"id"`
	Key     string            `json:"key"` // base64, 32 bytes
	Context map[string]string `json:"context"`
	Blob    string            `json:"blob"` // the encrypted_keys value that names this record
}

// encryptedKeysPrefix marks the emulator's encrypted copies.
var encryptedKeysPrefix = []byte("workos-emulator-data-key:")

func (t *tx) newDataKey(key []byte, ctx map[string]string) (*vaultDataKey, error) {
	ref := make([]byte, 24)
	_, _ = rand.Read(ref)
	blob := base64.StdEncoding.EncodeToString(append(append([]byte{}, encryptedKeysPrefix...), ref...))
	k := &vaultDataKey{ID: uuid4(), Key: base64.StdEncoding.EncodeToString(key), Context: ctx, Blob: blob}
	return k, t.save("vault_data_key", blob, "", k)
}

func (k *vaultDataKey) answer(withContext bool) map[string]any {
	out := map[string]any{"data_key": k.Key, "id": k.ID}
	if withContext {
		out["context"], out["encrypted_keys"] = k.Context, k.Blob
	}
	return out
}

// keyContext reads the key context a data key is bound to: string values, at least one.
func keyContext(raw map[string]any) (map[string]string, error) {
	if len(raw) == 0 {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_context", Message: "context must name at least one key."}
	}
	ctx := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_context", Message: "context values must be non-empty strings."}
		}
		ctx[k] = s
	}
	return ctx, nil
}

func (t *tx) dataKeyByBlob(blob string) (*vaultDataKey, error) {
	raw, err := base64.StdEncoding.DecodeString(blob)
	if err != nil || !bytes.HasPrefix(raw, encryptedKeysPrefix) {
		return nil, badRequest("invalid_encrypted_keys", "encrypted_keys is not a data key this emulator encrypted.")
	}
	k, err := load[vaultDataKey](t, "vault_data_key", blob)
	if errors.Is(err, errNotFound) {
		return nil, badRequest("invalid_encrypted_keys", "encrypted_keys is not a data key of this environment.")
	}
	return k, err
}

func createDataKey(c *call) (int, any, error) {
	var in struct {
		Context map[string]any `json:"context"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	ctx, err := keyContext(in.Context)
	if err != nil {
		return 0, nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	k, err := c.t.newDataKey(key, ctx)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, k.answer(true), nil
}

func decryptDataKey(c *call) (int, any, error) {
	var in struct {
		Keys string `json:"keys"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	k, err := c.t.dataKeyByBlob(in.Keys)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, k.answer(false), nil
}

// rekeyDataKey binds the same data key to a new context: a new encrypted copy (and ID); the
// old copy keeps working, as a ciphertext would.
func rekeyDataKey(c *call) (int, any, error) {
	var in struct {
		Context       map[string]any `json:"context"`
		EncryptedKeys string         `json:"encrypted_keys"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	ctx, err := keyContext(in.Context)
	if err != nil {
		return 0, nil, err
	}
	old, err := c.t.dataKeyByBlob(in.EncryptedKeys)
	if err != nil {
		return 0, nil, err
	}
	key, err := base64.StdEncoding.DecodeString(old.Key)
	if err != nil {
		return 0, nil, err
	}
	k, err := c.t.newDataKey(key, ctx)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, k.answer(true), nil
}
