// Package jsonbench holds benchmarks and tests only: it measures what go-sdk's way of decoding
// JSON (a segmentio/encoding stream decoder built for every value) costs against parsing the
// bytes in place and against encoding/json, on the messages a stateless tools/call carries. See
// docs/benchmarks.md, "go-sdk's JSON decoding (for upstream)".
package jsonbench
