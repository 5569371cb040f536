//go:build !linux && !darwin

package datadir

import "os"

// tryLock does not lock on systems without flock: a second server on the same directory is not
// detected there (documented in docs/configuration.md).
func tryLock(*os.File) (bool, error) { return true, nil }
