package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWrite renders a report: JSON that decodes back, Markdown with the
// summary and tables, and every plot as non-empty SVG and PNG.
func TestWrite(t *testing.T) {
	r := Build(testInput(t))
	dir := t.TempDir()
	files, err := Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report.json", "report.md", "rtt-f1.svg", "rtt-f1.png", "cdf.svg", "cdf.png", "failover.svg", "failover.png"}
	for _, w := range want {
		st, err := os.Stat(filepath.Join(dir, w))
		if err != nil || st.Size() < 200 {
			t.Errorf("%s: %v (size %v)", w, err, st)
		}
	}
	if len(files) != len(want) {
		t.Errorf("Write returned %d files, want %d: %v", len(files), len(want), files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Scenario != "t" || len(back.Flows) != 1 || back.Flows[0].Overlay.Lost != 18 {
		t.Errorf("report.json does not decode back: %v", err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, w := range []string{"# argosim report: t", "## Events", "| 5.0 s | cut_link a↔c", "![rtt-f1.png](rtt-f1.png)", r.Summary[0]} {
		if !bytes.Contains(md, []byte(w)) {
			t.Errorf("report.md lacks %q", w)
		}
	}
	png, _ := os.ReadFile(filepath.Join(dir, "cdf.png"))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("cdf.png is not a PNG")
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "rtt-f1.svg"))
	if !strings.Contains(string(svg), "<svg") {
		t.Error("rtt-f1.svg is not an SVG")
	}
}

// TestWriteEmpty: a run interrupted before any flow or event still writes
// a report.
func TestWriteEmpty(t *testing.T) {
	in := testInput(t)
	in.Flows, in.Events, in.Routes = nil, nil, nil
	in.Interrupted = "stopped 0.0 s into the timeline"
	r := Build(in)
	if _, err := Write(t.TempDir(), r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Summary, "\n"), "Interrupted") {
		t.Errorf("summary does not say it was interrupted: %v", r.Summary)
	}
}
