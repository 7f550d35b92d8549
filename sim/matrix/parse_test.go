package matrix

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFormats(t *testing.T) {
	nan := math.NaN()
	want := [][]float64{{0, 5, nan}, {3, 0, nan}, {nan, 7.5, 0}}
	cases := []struct {
		name, in string
		unit     Unit
	}{
		{"tabs", "0\t5\t\n3\t0\t-1\nnan\t7.5\t0\n", Milliseconds},
		{"commas", "0, 5, NaN\n3,0,-\n,7.5,0", Milliseconds},
		{"spaces", "0   5 -\n 3 0 0\r\nNaN 7.5 0\n\n", Milliseconds},
		{"seconds", "0\t0.005\t-\n0.003\t0\t-\n-\t0.0075\t0\n", Seconds},
		{"blank lines", "\n0 5 -\n\n3 0 -\n- 7.5 0\n\n", Milliseconds},
	}
	ref, err := New(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(c.in), c.unit)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Equal(ref) {
				t.Fatalf("got %v, want %v", m.ms, ref.ms)
			}
			if m.Edges() != 3 {
				t.Fatalf("edges %d, want 3", m.Edges())
			}
			if _, ok := m.At(0, 0); ok {
				t.Fatal("diagonal reported as measured")
			}
			if v, ok := m.At(2, 1); !ok || math.Abs(v-7.5) > 1e-12 {
				t.Fatalf("At(2,1) = %v, %v", v, ok)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		column   int
		field    int
		msg      string
	}{
		{"empty", "", 1, 0, 0, "empty"},
		{"blank only", "\n \n", 3, 0, 0, "empty"},
		{"short line", "0 1 2\n1 0\n", 2, 0, 0, "2 fields, want 3"},
		{"long line", "0 1\n1 0 7\n", 2, 5, 3, "one too many"},
		{"too many lines", "0 1\n1 0\n1 1\n", 3, 0, 0, "more than 2 lines"},
		{"too few lines", "0 1 2\n1 0 2\n", 3, 0, 0, "after 2 lines"},
		{"text", "0\t1\n1\tabc\n", 2, 3, 2, `"abc" is not a number`},
		{"text after spaces", "0   1\n1    x\n", 2, 6, 2, `"x" is not a number`},
		{"comma column", "0, 1,2\n1,0, 12ms\n2,2,0\n", 2, 6, 3, `"12ms" is not a number`},
		{"infinite", "0 inf\n1 0\n", 1, 3, 2, "infinite"},
		{"too large", "0 1e300\n1 0\n", 1, 3, 2, "exceeds the maximum"},
		{"seconds too large", "0 1e4\n1 0\n", 1, 3, 2, "exceeds the maximum"},
		{"out of range", "0 1e999\n1 0\n", 1, 3, 2, "out of range"},
		{"hex", "0 0x1p3\n1 0\n", 1, 3, 2, "not a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := Milliseconds
			if strings.HasPrefix(c.name, "seconds") {
				u = Seconds
			}
			_, err := Parse(strings.NewReader(c.in), u)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if pe.Line != c.line || pe.Column != c.column || pe.Field != c.field || !strings.Contains(pe.Msg, c.msg) {
				t.Fatalf("got %q (line %d col %d field %d), want line %d col %d field %d containing %q",
					err, pe.Line, pe.Column, pe.Field, c.line, c.column, c.field, c.msg)
			}
		})
	}
}

func TestLineTooLong(t *testing.T) {
	in := "0 " + strings.Repeat("1", MaxLineBytes+10) + "\n"
	_, err := Parse(strings.NewReader(in), Milliseconds)
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != 1 || !strings.Contains(pe.Msg, "longer") {
		t.Fatalf("got %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		rows [][]float64
		msg  string
	}{
		{"empty", nil, "empty"},
		{"not square", [][]float64{{0, 1}, {1}}, "rows[1]: 1 values, want 2"},
		{"inf", [][]float64{{0, math.Inf(1)}, {1, 0}}, "rows[0][1]: infinite"},
	}
	for _, c := range cases {
		if _, err := New(c.rows); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.msg)
		}
	}
}

func TestWriteTSVRoundTrip(t *testing.T) {
	nan := math.NaN()
	m, err := New([][]float64{{0, 1.25, nan}, {1e-3, 0, 123456.789}, {2, nan, 0}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.WriteTSV(&b); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(&b, Milliseconds)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(m) {
		t.Fatalf("round trip changed the matrix: %v vs %v", back.ms, m.ms)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("02.tsv", "0 2\n2 0\n")
	write("01.tsv", "0 1\n1 0\n")
	write(".hidden", "junk")
	ms, names, err := Load(dir, Milliseconds)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || names[0] != "01.tsv" || names[1] != "02.tsv" {
		t.Fatalf("names %v", names)
	}
	if v, _ := ms[1].At(0, 1); v != 2 {
		t.Fatalf("slice order wrong: %v", v)
	}
	write("03.tsv", "0 1 1\n1 0 1\n1 1 0\n")
	if _, _, err := Load(dir, Milliseconds); err == nil || !strings.Contains(err.Error(), "same size") {
		t.Fatalf("got %v", err)
	}
	write("03.tsv", "0 1\n1 zz\n")
	if _, _, err := Load(dir, Milliseconds); err == nil || !strings.Contains(err.Error(), "03.tsv: line 2, column 3") {
		t.Fatalf("got %v", err)
	}
	one, names, err := Load(filepath.Join(dir, "01.tsv"), Milliseconds)
	if err != nil || len(one) != 1 || names[0] != "01.tsv" {
		t.Fatalf("single file: %v %v", err, names)
	}
	if _, _, err := Load(t.TempDir(), Milliseconds); err == nil {
		t.Fatal("empty directory accepted")
	}
}

func TestParseUnit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Unit
		ok   bool
	}{{"ms", Milliseconds, true}, {"s", Seconds, true}, {"us", 0, false}} {
		u, err := ParseUnit(c.in)
		if (err == nil) != c.ok || (c.ok && u != c.want) {
			t.Errorf("ParseUnit(%q) = %v, %v", c.in, u, err)
		}
		if c.ok && u.String() != c.in {
			t.Errorf("String() = %q", u.String())
		}
	}
}

// TestPlanetlab parses the real 490 x 490 matrix.
func TestPlanetlab(t *testing.T) {
	const path = "../../../shared/data/planetlab_9.tsv"
	m, err := ReadFile(path, Milliseconds)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real RTT matrix not found at %s (CI clones shared/ beside the repo)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 490 || m.Edges() != 490*489 {
		t.Fatalf("%d nodes, %d edges", m.Len(), m.Edges())
	}
}

func TestHead(t *testing.T) {
	m, err := New([][]float64{{0, 1, 2}, {3, 0, 4}, {5, 6, 0}})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Head(2)
	if h.Len() != 2 {
		t.Fatalf("len %d", h.Len())
	}
	if v, _ := h.At(1, 0); v != 3 {
		t.Fatalf("At(1,0) = %v", v)
	}
	if m.Head(5) != m {
		t.Fatal("Head(k >= N) should return m")
	}
}
