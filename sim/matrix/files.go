package matrix

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

var nanValue = math.NaN()

// ReadFile parses the matrix in the named file; errors name the file.
func ReadFile(path string, u Unit) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Parse(f, u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadDir parses every regular file of dir whose name does not start with
// a dot, in lexical order of their names, as consecutive time slices. All
// slices must have the same size. It returns the matrices and file names.
func ReadDir(dir string, u Unit) ([]*Matrix, []string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && e.Name()[0] != '.' {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, nil, errors.New(dir + ": no matrix files")
	}
	ms := make([]*Matrix, 0, len(names))
	for _, name := range names {
		m, err := ReadFile(filepath.Join(dir, name), u)
		if err != nil {
			return nil, nil, err
		}
		if len(ms) > 0 && m.Len() != ms[0].Len() {
			return nil, nil, fmt.Errorf("%s: %d x %d, but %s is %d x %d: all time slices must have the same size",
				filepath.Join(dir, name), m.Len(), m.Len(), names[0], ms[0].Len(), ms[0].Len())
		}
		ms = append(ms, m)
	}
	return ms, names, nil
}

// Load reads a matrix file, or a directory of matrix files as time slices
// (see ReadDir). It returns at least one matrix and the file names.
func Load(path string, u Unit) ([]*Matrix, []string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if st.IsDir() {
		return ReadDir(path, u)
	}
	m, err := ReadFile(path, u)
	if err != nil {
		return nil, nil, err
	}
	return []*Matrix{m}, []string{filepath.Base(path)}, nil
}
