package matrix

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxLineBytes bounds one line of a matrix file.
const MaxLineBytes = 1 << 20

// Unit is the unit of the numbers in a matrix file.
type Unit int

// Units.
const (
	Milliseconds Unit = iota
	Seconds
)

// ParseUnit accepts "ms" and "s".
func ParseUnit(s string) (Unit, error) {
	switch s {
	case "ms":
		return Milliseconds, nil
	case "s":
		return Seconds, nil
	}
	return 0, fmt.Errorf("unit %q: want ms or s", s)
}

// String returns "ms" or "s".
func (u Unit) String() string {
	if u == Seconds {
		return "s"
	}
	return "ms"
}

// Error is a parse error at a position of the input. Line and Column are
// 1-based (Column counts bytes; 0 when the error concerns a whole line);
// Field is the 1-based field number, 0 when not about one field.
type Error struct {
	Line, Column, Field int
	Msg                 string
}

// Error formats the position and the message.
func (e *Error) Error() string {
	switch {
	case e.Field > 0:
		return fmt.Sprintf("line %d, column %d (field %d): %s", e.Line, e.Column, e.Field, e.Msg)
	case e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// field is one field of a line and the byte column where it starts.
type field struct {
	s   string
	col int
}

// Parse reads a matrix from r (see the package comment for the format).
// Blank lines are skipped. Errors are *Error, or the reader's error.
func Parse(r io.Reader, u Unit) (*Matrix, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	p := parser{unit: u}
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br, lineNo)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if perr := p.line(lineNo, string(line)); perr != nil {
				return nil, perr
			}
		}
		if errors.Is(err, io.EOF) {
			return p.finish(lineNo)
		}
	}
}

// readLine returns the next line without its end of line; io.EOF with the
// last line.
func readLine(br *bufio.Reader, lineNo int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes+2 {
			return nil, &Error{Line: lineNo, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, err
	}
}

// parser accumulates rows.
type parser struct {
	unit     Unit
	n        int // fields per line, from the first data line
	firstNo  int // line number of the first data line
	rows     int
	ms       []float64
	scratchF []field
}

func (p *parser) line(lineNo int, s string) error {
	p.scratchF = split(s, p.scratchF[:0])
	fs := p.scratchF
	if p.n == 0 {
		if len(fs) > MaxN {
			return &Error{Line: lineNo, Msg: fmt.Sprintf("%d fields exceed the maximum matrix size %d", len(fs), MaxN)}
		}
		p.n, p.firstNo = len(fs), lineNo
		p.ms = make([]float64, 0, p.n*p.n)
	}
	if p.rows == p.n {
		return &Error{Line: lineNo, Msg: fmt.Sprintf("more than %d lines: the matrix must be square (%d numbers per line on line %d)", p.n, p.n, p.firstNo)}
	}
	if len(fs) != p.n {
		e := &Error{Line: lineNo, Msg: fmt.Sprintf("%d fields, want %d as on line %d: the matrix must be square", len(fs), p.n, p.firstNo)}
		if len(fs) > p.n {
			e.Field, e.Column = p.n+1, fs[p.n].col
			e.Msg += " (this field is one too many)"
		}
		return e
	}
	for j, f := range fs {
		v, err := p.value(f.s, p.rows == j)
		if err != nil {
			return &Error{Line: lineNo, Column: f.col, Field: j + 1, Msg: err.Error()}
		}
		p.ms = append(p.ms, v)
	}
	p.rows++
	return nil
}

// value parses one field.
func (p *parser) value(s string, diagonal bool) (float64, error) {
	if s == "" || s == "-" || strings.EqualFold(s, "nan") {
		return entry(nanValue, diagonal)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xX_") {
		if ne, ok := err.(*strconv.NumError); ok && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range", clip(s))
		}
		return 0, fmt.Errorf("%q is not a number", clip(s))
	}
	if p.unit == Seconds {
		v *= 1000
	}
	return entry(v, diagonal)
}

// finish checks the row count.
func (p *parser) finish(lastLine int) (*Matrix, error) {
	if p.n == 0 {
		return nil, &Error{Line: lastLine, Msg: "no data: the matrix is empty"}
	}
	if p.rows != p.n {
		return nil, &Error{Line: lastLine, Msg: fmt.Sprintf("end of input after %d lines of %d numbers: the matrix must be square (want %d lines)", p.rows, p.n, p.n)}
	}
	return &Matrix{n: p.n, ms: p.ms}, nil
}

// split cuts a line into trimmed fields: at commas if it holds one, else at
// tabs if it holds one, else at runs of spaces.
func split(s string, out []field) []field {
	sep := byte(0)
	switch {
	case strings.IndexByte(s, ',') >= 0:
		sep = ','
	case strings.IndexByte(s, '\t') >= 0:
		sep = '\t'
	}
	if sep == 0 {
		for i := 0; i < len(s); {
			for i < len(s) && s[i] == ' ' {
				i++
			}
			j := i
			for j < len(s) && s[j] != ' ' {
				j++
			}
			if j > i {
				out = append(out, field{s[i:j], i + 1})
			}
			i = j
		}
		return out
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != sep {
			continue
		}
		f, off := trim(s[start:i])
		out = append(out, field{f, start + off + 1})
		start = i + 1
	}
	return out
}

// trim removes spaces and tabs around s and returns the offset of the rest.
func trim(s string) (string, int) {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[i:j], i
}

// clip shortens a field for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
