package matrix

import (
	"bufio"
	"io"
	"strconv"
)

// WriteTSV writes m in the tab-separated form Parse reads back to the same
// matrix: milliseconds, "-" for a missing measurement, 0 on the diagonal.
func (m *Matrix) WriteTSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for i := 0; i < m.n; i++ {
		buf = buf[:0]
		for j := 0; j < m.n; j++ {
			if j > 0 {
				buf = append(buf, '\t')
			}
			v, ok := m.At(i, j)
			switch {
			case i == j:
				buf = append(buf, '0')
			case !ok:
				buf = append(buf, '-')
			default:
				buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
			}
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
