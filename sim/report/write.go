package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Write creates dir and writes report.json, report.md and the plots
// (rtt-<flow>, cdf, failover; each as SVG and PNG) into it. It returns the
// files written.
func Write(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	var files []string
	js, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	jf := filepath.Join(dir, "report.json")
	if err := os.WriteFile(jf, append(js, '\n'), 0o644); err != nil {
		return nil, err
	}
	files = append(files, jf)
	var pngs []string
	plots, err := writePlots(dir, r)
	files = append(files, plots...)
	if err != nil {
		return files, err
	}
	for _, f := range plots {
		if strings.HasSuffix(f, ".png") {
			pngs = append(pngs, filepath.Base(f))
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r, pngs); err != nil {
		return files, err
	}
	mf := filepath.Join(dir, "report.md")
	if err := os.WriteFile(mf, md.Bytes(), 0o644); err != nil {
		return files, err
	}
	return append(files, mf), nil
}

// writePlots renders every plot of r into dir.
func writePlots(dir string, r *Report) ([]string, error) {
	var files []string
	for _, f := range r.Flows {
		p, err := rttPlot(r, f)
		if err != nil {
			return files, fmt.Errorf("RTT plot of %s: %w", f.Name, err)
		}
		fs, err := savePlot(p, dir, "rtt-"+f.Name)
		files = append(files, fs...)
		if err != nil {
			return files, err
		}
	}
	if len(r.Flows) > 0 {
		p, err := cdfPlot(r)
		if err != nil {
			return files, fmt.Errorf("CDF plot: %w", err)
		}
		fs, err := savePlot(p, dir, "cdf")
		files = append(files, fs...)
		if err != nil {
			return files, err
		}
	}
	p, err := failoverPlot(r)
	if err != nil {
		return files, fmt.Errorf("failover plot: %w", err)
	}
	if p != nil {
		fs, err := savePlot(p, dir, "failover")
		files = append(files, fs...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}
