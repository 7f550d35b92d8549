package api

import "fmt"

// FormatMs shows a millisecond figure of these documents (RTTMs, CostMs,
// ...) to people with about three significant digits: "123ms", "45.6ms",
// "7.89ms".
func FormatMs(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.2fms", v)
	}
}
