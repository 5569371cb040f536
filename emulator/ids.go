package emulator

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// crockford is the ULID alphabet (Crockford's base32).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// idSource makes ULIDs that increase strictly within a process, so that ordering objects by ID
// is ordering them by creation, as WorkOS's cursors assume.
type idSource struct {
	mu   sync.Mutex
	last [16]byte
}

func (s *idSource) next(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [16]byte
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:])
	if string(b[:]) <= string(s.last[:]) {
		b = s.last
		for i := 15; i >= 0; i-- { // increment the previous one: monotonic within a millisecond
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	s.last = b
	return encodeULID(b)
}

func encodeULID(b [16]byte) string {
	// 128 bits -> 26 base32 characters, most significant first (the first holds 3 bits).
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// randomToken returns n random characters from an alphabet safe in URLs.
func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	var sb strings.Builder
	for _, c := range buf {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}
