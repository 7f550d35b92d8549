package fabric

import (
	"golang.org/x/sys/unix"
)

// makeRealtime gives the calling thread SCHED_FIFO priority prio and a 1 ns
// timer slack, so that its ppoll wake-ups are not delayed by other work on
// the machine. It must be called on a locked OS thread.
func makeRealtime(prio int) error {
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		return err
	}
	if prio <= 0 {
		return nil
	}
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:     unix.SizeofSchedAttr,
		Policy:   unix.SCHED_FIFO,
		Priority: uint32(prio),
	}, 0)
}
