package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeMatrix(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.tsv")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSolveCommand(t *testing.T) {
	m := writeMatrix(t, "0 10 100\n10 0 10\n- 10 0\n")
	var out, errOut bytes.Buffer
	c := solveCmd()
	c.SetArgs([]string{"--matrix", m, "--relay-cost", "1", "-o", "json"})
	c.SetOut(&out)
	c.SetErr(&errOut)
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary map[string]float64
		Pairs   []struct {
			Src, Dst int
			DirectMs *float64 `json:"direct_ms"`
			BestMs   float64  `json:"best_ms"`
			Path     []int
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if doc.Summary["nodes"] != 3 || doc.Summary["pairs"] != 6 || len(doc.Pairs) != 6 {
		t.Fatalf("summary %v, %d pairs", doc.Summary, len(doc.Pairs))
	}
	for _, p := range doc.Pairs {
		if p.Src == 0 && p.Dst == 2 && (p.BestMs != 21 || len(p.Path) != 3 || *p.DirectMs != 100) {
			t.Fatalf("0->2: %+v", p)
		}
	}

	out.Reset()
	c = solveCmd()
	c.SetArgs([]string{"--matrix", m})
	c.SetOut(&out)
	c.SetErr(&errOut)
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "improved >10%") || !strings.Contains(out.String(), "0>1>2") {
		t.Fatalf("table output:\n%s", out.String())
	}
}

func TestSolveCommandErrors(t *testing.T) {
	good := writeMatrix(t, "0 1\n1 0\n")
	bad := writeMatrix(t, "0 1\n1 x\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, `required flag(s) "matrix" not set`},
		{[]string{"--matrix", bad}, "line 2, column 3 (field 2): \"x\" is not a number"},
		{[]string{"--matrix", good, "-o", "xml"}, "--output \"xml\""},
		{[]string{"--matrix", good, "--max-hops", "5"}, "MaxHops"},
		{[]string{"--matrix", good, "--relay-cost", "-1"}, "RelayCostMs"},
		{[]string{"--matrix", good, "--unit", "h"}, "--unit"},
		{[]string{"--matrix", good, "--top", "-2"}, "--top"},
		{[]string{"--matrix", filepath.Join(t.TempDir(), "none")}, "no such file"},
	}
	for _, tc := range cases {
		c := solveCmd()
		c.SetArgs(tc.args)
		c.SetOut(&bytes.Buffer{})
		c.SetErr(&bytes.Buffer{})
		if err := c.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
}
