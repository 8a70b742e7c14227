package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// component is one process of the local control plane.
type component struct {
	name string
	bin  string
	args []string
}

// started is a running component, recorded in the run directory's pid file
// so that `hack/cluster down` stops exactly what `up` started.
type started struct {
	name string
	pid  int
	cmd  *exec.Cmd // nil when loaded from the pid file
}

const pidFile = "pids"

// start launches c with its output in dir/logs/<name>.log. When detach is
// true the process gets its own session and outlives the caller (hack/cluster
// up); otherwise it is killed when the calling thread's process dies, so a
// crashed test binary leaves nothing behind.
func start(dir string, c component, detach bool) (*started, error) {
	logPath := filepath.Join(dir, "logs", c.name+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(c.bin, c.args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Dir = dir
	if detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.name, err)
	}
	s := &started{name: c.name, pid: cmd.Process.Pid, cmd: cmd}
	if detach {
		// Nobody waits for a detached process; release it so the caller
		// can exit without reaping.
		_ = cmd.Process.Release()
		s.cmd = nil
	} else {
		go func() { _ = cmd.Wait() }()
	}
	if err := appendPid(dir, s); err != nil {
		return nil, err
	}
	return s, nil
}

func appendPid(dir string, s *started) error {
	f, err := os.OpenFile(filepath.Join(dir, pidFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "%s %d\n", s.name, s.pid)
	return err
}

// readPids returns the components recorded in dir's pid file, in start order.
func readPids(dir string) ([]*started, error) {
	f, err := os.Open(filepath.Join(dir, pidFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*started
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		pid, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s: bad pid line %q", filepath.Join(dir, pidFile), sc.Text())
		}
		out = append(out, &started{name: fields[0], pid: pid})
	}
	return out, sc.Err()
}

// ours reports whether pid is alive and is a process this run directory
// started: its command line names the run directory. A recycled pid that
// belongs to something else is never signalled.
func ours(dir string, pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	return strings.Contains(string(raw), dir)
}

// stopAll terminates the recorded components in reverse start order: SIGTERM,
// then SIGKILL for whatever is still alive after the grace period.
func stopAll(dir string, procs []*started, grace time.Duration) {
	for i := len(procs) - 1; i >= 0; i-- {
		if ours(dir, procs[i].pid) {
			_ = syscall.Kill(procs[i].pid, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(grace)
	for _, p := range procs {
		for ours(dir, p.pid) && time.Now().Before(deadline) && !zombie(p.pid) {
			time.Sleep(50 * time.Millisecond)
		}
		if ours(dir, p.pid) && !zombie(p.pid) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
	_ = os.Remove(filepath.Join(dir, pidFile))
}

// zombie reports whether pid has exited but not been reaped yet (its parent
// is the test binary, which reaps in a goroutine).
func zombie(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}
