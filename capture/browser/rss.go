package browser

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// RSS is the resident memory of Chromium's processes in bytes: the sum over
// its process tree (browser, renderers, GPU and utility processes), read
// from /proc. Each process counts its proportional set size (Pss: a page
// shared by n processes counts 1/n in each), so the sum is what the tree
// holds; a plain sum of VmRSS counts the shared code of every process again
// and doubles the figure. Where smaps_rollup is missing, VmRSS is summed.
// It is 0 where /proc is missing or Chromium is not running.
func (b *Browser) RSS() int64 {
	root := b.pid()
	if root == 0 {
		return 0
	}
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		pid, ppid, ok := parentOf(f)
		if ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var total int64
	for todo := []int{root}; len(todo) > 0; {
		pid := todo[len(todo)-1]
		todo = append(todo[:len(todo)-1], children[pid]...)
		total += rssOf(pid)
	}
	return total
}

// parentOf reads the pid and parent pid from /proc/PID/stat, whose second
// field (the command name, in parentheses) may hold spaces.
func parentOf(statFile string) (pid, ppid int, ok bool) {
	data, err := os.ReadFile(statFile)
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	open := bytes.IndexByte(data, '(')
	fields := bytes.Fields(data[i+1:]) // state, ppid, ...
	if open < 1 || len(fields) < 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(string(bytes.TrimSpace(data[:open])))
	ppid, err2 := strconv.Atoi(string(fields[1]))
	return pid, ppid, err1 == nil && err2 == nil
}

// rssOf is Pss of /proc/PID/smaps_rollup in bytes, else VmRSS of
// /proc/PID/status.
func rssOf(pid int) int64 {
	dir := "/proc/" + strconv.Itoa(pid)
	if n, ok := kbField(dir+"/smaps_rollup", "Pss:"); ok {
		return n
	}
	n, _ := kbField(dir+"/status", "VmRSS:")
	return n
}

// kbField reads a "Name:   123 kB" line of a /proc file, in bytes.
func kbField(file, name string) (int64, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte(name)); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				kb, err := strconv.ParseInt(string(f[0]), 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}
