package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"
)

// How serve reads its secrets: API keys, the confirmation key and the Redis URL come from the
// environment variable or the file the configuration names, never from the configuration file
// itself. No message ever shows a secret's value; it names where the value was to be read.

// secret reads an API key from the variable or file s names, or else from defaultEnv (may be
// empty). It returns "" with ok true when nothing names a key (whether one is required is the
// owning package's rule), and ok false when a named source could not be read or does not hold
// a WorkOS API key, the problem reported at key.
func (r *resolver) secret(s secretFile, key, defaultEnv string) (value string, ok bool) {
	if s.APIKey != nil {
		r.ce.add(key+".api_key", "secrets are not read from the configuration file; use api_key_env (an environment variable's name) or api_key_file")
		return "", false
	}
	if s.APIKeyEnv != "" && s.APIKeyFile != "" {
		r.ce.add(key, "set api_key_env or api_key_file, not both")
		return "", false
	}
	if s.APIKeyFile != "" {
		b, err := os.ReadFile(relTo(r.dir, s.APIKeyFile))
		if err != nil {
			r.ce.add(key+".api_key_file", "cannot read %s: %v", s.APIKeyFile, errors.Unwrap(err))
			return "", false
		}
		v := string(bytes.TrimSpace(b))
		if v == "" {
			r.ce.add(key+".api_key_file", "%s is empty", s.APIKeyFile)
			return "", false
		}
		if !strings.HasPrefix(v, "sk_") {
			r.ce.add(key+".api_key_file", "%s does not hold a WorkOS API key (sk_...)", s.APIKeyFile)
			return "", false
		}
		return v, true
	}
	name := s.APIKeyEnv
	if name == "" {
		name = defaultEnv
	}
	if name == "" {
		return "", true
	}
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		if s.APIKeyEnv != "" {
			r.ce.add(key+".api_key_env", "environment variable %s is not set", name)
			return "", false
		}
		return "", true
	}
	if !strings.HasPrefix(v, "sk_") {
		r.ce.add(key+".api_key_env", "environment variable %s does not hold a WorkOS API key (sk_...)", name)
		return "", false
	}
	return v, true
}

// confirmationKey reads the key that seals confirmation tokens from confirmation.key_file or
// the variable confirmation.key_env names (default WORKOS_MCP_CONFIRMATION_KEY); nil means
// none is configured.
func (r *resolver) confirmationKey(c confirmationFile) []byte {
	if c.Key != nil {
		r.ce.add("confirmation.key", "secrets are not read from the configuration file; use confirmation.key_env or confirmation.key_file")
	}
	var text, src string
	if c.KeyFile != "" {
		src = "confirmation.key_file"
		b, err := os.ReadFile(relTo(r.dir, c.KeyFile))
		if err != nil {
			r.ce.add(src, "cannot read %s: %v", c.KeyFile, errors.Unwrap(err))
		}
		text = strings.TrimSpace(string(b))
	} else {
		name := c.KeyEnv
		if name == "" {
			name = envConfirmationKey
		}
		src = "confirmation.key_env (" + name + ")"
		text = strings.TrimSpace(r.getenv(name))
		if text == "" && c.KeyEnv != "" {
			r.ce.add("confirmation.key_env", "environment variable %s is not set", name)
		}
	}
	if text == "" {
		return nil
	}
	k, err := decodeKey(text)
	if err != nil {
		r.ce.add(src, "%s", err)
	}
	return k
}

// decodeKey accepts 32 bytes as base64 (standard or URL alphabet, padded or not) or hex.
func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == 32 {
				return b, nil
			}
			return nil, fmt.Errorf("the key is %d bytes; it must be 32 (openssl rand -base64 32)", len(b))
		}
	}
	return nil, errors.New("the key must be 32 bytes, base64 or hex encoded (openssl rand -base64 32)")
}

// redisURL reads the Redis URL from the variable or file the configuration names and
// validates it. It returns the URL and the key it came from; messages never include the URL,
// which may carry a password.
func (r *resolver) redisURL(c confirmationFile) (string, string) {
	var v, key string
	switch {
	case c.RedisURLEnv != "" && c.RedisURLFile != "":
		r.ce.add("confirmation", "set redis_url_env or redis_url_file, not both")
		return "", ""
	case c.RedisURLFile != "":
		key = "confirmation.redis_url_file"
		b, err := os.ReadFile(relTo(r.dir, c.RedisURLFile))
		if err != nil {
			r.ce.add(key, "cannot read %s: %v", c.RedisURLFile, errors.Unwrap(err))
			return "", key
		}
		if v = strings.TrimSpace(string(b)); v == "" {
			r.ce.add(key, "%s is empty", c.RedisURLFile)
			return "", key
		}
	case c.RedisURLEnv != "":
		key = "confirmation.redis_url_env"
		if v = strings.TrimSpace(r.getenv(c.RedisURLEnv)); v == "" {
			r.ce.add(key, "environment variable %s is not set", c.RedisURLEnv)
			return "", key
		}
		key += " (" + c.RedisURLEnv + ")"
	default:
		return "", ""
	}
	// url.Parse and redis.ParseURL quote the URL in their errors: report without them.
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		r.ce.add(key, "does not hold a redis:// or rediss:// URL (redis://[:password@]host:port[/db])")
		return "", key
	}
	if _, err := redis.ParseURL(v); err != nil {
		r.ce.add(key, "the Redis URL is not valid (redis://[:password@]host:port[/db], db a number)")
		return "", key
	}
	return v, key
}

// relTo resolves a file name of the configuration against the configuration file's directory.
func relTo(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
