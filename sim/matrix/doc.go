// Package matrix reads round-trip-time matrices: N lines of N numbers, entry
// (i, j) the RTT measured from i to j. Fields are separated by commas, tabs
// or runs of spaces (a line that holds a comma is split at commas, else a
// line that holds a tab is split at tabs, else at runs of spaces, so that
// empty fields exist only with explicit separators). Values are milliseconds
// unless the unit is seconds. An empty field, "-", NaN, zero or a negative
// value off the diagonal means "no measurement"; the diagonal is ignored.
// Asymmetric matrices are allowed.
//
// Input is untrusted: a file that is not square, holds text that is not a
// number, an infinite or absurdly large value, or a line longer than
// MaxLineBytes is rejected with an *Error naming the line and column at
// fault. Parsing never panics.
//
// What the package must not do: it only parses and holds matrices; it
// computes no paths (sim/solve does), runs nothing and never writes files
// except through WriteTSV to a writer the caller gives it.
package matrix
