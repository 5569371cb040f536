package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSecondLockNamesTheFirst(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("flock is used on linux and darwin only")
	}
	dir := filepath.Join(t.TempDir(), "data")
	first, err := Acquire(dir, "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, "http://127.0.0.1:9090")
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Holder.URL != "http://127.0.0.1:8080" || le.Holder.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "http://127.0.0.1:8080") || !strings.Contains(msg, dir) {
		t.Fatalf("message %q does not name the first server and the directory", msg)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(dir, "http://127.0.0.1:9090")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	defer second.Close()
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !strings.Contains(string(data), "http://127.0.0.1:9090") {
		t.Fatalf("lock file %q", data)
	}
}
